"""Options shared by several commands read the same everywhere: same name, type, default, help."""

from __future__ import annotations

import click
import pytest

from guidelines_tool.cli import cli

# options whose text may differ by command, and why: --format lists the command's own reporters;
# --since accepts any commit for impact but only release tags for changelog; --bootstrap's lower
# bound is 0 (no interval) for agreement, 100 for impact; new-rule's --task names the rule's task;
# --strict fails validate on lint warnings, docs build on MkDocs warnings; --rev renders or builds;
# --dry-run and --force say what each command would do or overrides; --output is schema's folder
# but pull's file; --project is validate's project folder but publish/pull's labeling-tool project
PER_COMMAND = {"--format", "--since", "--bootstrap", "--strict", "--rev", "--help",
               "--dry-run", "--force", "--output", "--project"}


def every_option() -> dict[str, dict[str, tuple]]:
    """option -> {command path: its help record and type}, over the whole command tree."""
    found: dict[str, dict[str, tuple]] = {}

    def walk(command: click.Command, ctx: click.Context) -> None:
        for param in command.get_params(ctx):
            if isinstance(param, click.Option) and not param.hidden:  # hidden: kept for old scripts only
                record = (param.get_help_record(ctx)[1], repr(param.type.to_info_dict()), repr(param.default), param.required)
                found.setdefault(max(param.opts, key=len), {})[ctx.command_path] = record
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, click.Context(sub, info_name=name, parent=ctx))

    walk(cli, click.Context(cli, info_name="guidelines"))
    return found


SHARED = {name: uses for name, uses in every_option().items() if len(uses) > 1 and name not in PER_COMMAND}


def test_the_shared_families_are_shared():
    assert {"--gold", "--seed", "--duplicates", "--task", "--config-file"} <= set(SHARED)


# the quiz commands' own meanings: build's --task picks one task of all (each gets a quiz), its
# --seed draws the questions (not a bootstrap), its --output is a folder of quiz files; score's
# --gold is the quiz key, quiz-gold.csv by default
# experiment plan's --rule names the rule(s) tested (required, repeatable), its --annotators is a
# file of who works in the experiment (impact's chooses all|shared annotators), its --output the
# folder of batches, its --force replaces a fixed plan
OWN = {("--task", "guidelines quiz build"), ("--seed", "guidelines quiz build"),
       ("--output", "guidelines quiz build"), ("--gold", "guidelines quiz score"),
       ("--rule", "guidelines experiment plan"), ("--annotators", "guidelines experiment plan"),
       ("--output", "guidelines experiment plan"), ("--force", "guidelines experiment plan")}


@pytest.mark.parametrize("name", sorted(SHARED))
def test_a_shared_option_reads_the_same_everywhere(name):
    uses = {path: record for path, record in SHARED[name].items() if (name, path) not in OWN}
    if name == "--task":
        uses.pop("guidelines new-rule")  # the task a new rule belongs to: required, its own help
        uses.pop("guidelines publish label-studio")  # the task to push: required, its own help
    assert len(set(uses.values())) == 1, uses
