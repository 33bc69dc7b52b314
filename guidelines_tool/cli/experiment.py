"""`experiment plan`, `experiment analyse`: a rule's new wording piloted on a random half of the
work, at the same time as the current one (issue 12)."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from guidelines_tool.cli.common import project_root
from guidelines_tool.cli.options import duplicates_option, format_option, gold_option, input_format_option, seed_option
from guidelines_tool.errors import EXIT_CLEAN, EXIT_USAGE, ConfigError
from guidelines_tool.reporters.experiment import EXPERIMENT_REPORTERS, PLAN_REPORTERS


def keep_contaminated_option():
    """`--keep-contaminated`, the same for analyse and conclude."""
    return click.option("--keep-contaminated", is_flag=True,
                        help="Count rows labelled under the other arm's revision in their assigned arm "
                             "(intention to treat) instead of leaving them out.")


@click.group("experiment")
def experiment_group() -> None:
    """A/B tests of a rule's wording on randomly split work: plan, analyse, conclude."""


@experiment_group.command("plan")
@click.argument("name")
@click.option("--rule", "rules", multiple=True, required=True,
              help="The rule whose wording is tested (repeat for several rules of one task).")
@click.option("--variant", required=True, help="Branch or commit holding the proposed wording (arm B).")
@click.option("--base", default="HEAD", show_default=True, help="The current wording (arm A).")
@click.option("--items", "items_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="CSV of the items to send out (column item; optional stratum, scope, and any columns "
                   "the batches should carry). Without it only the sample size is computed.")
@click.option("--unit", type=click.Choice(["item", "annotator"]), default="item", show_default=True,
              help="What is randomised: items (every annotator works both arms) or annotators.")
@click.option("--annotators", "annotators_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="CSV with an annotator column: who works in the experiment (needed for --unit annotator).")
@seed_option()
@click.option("--effect", type=click.FloatRange(min=0, min_open=True), default=0.10, show_default=True,
              help="The smallest change of α worth detecting (the power calculation's effect).")
@click.option("--past", "past_files", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="The task's earlier annotations (a file or a folder of them; repeatable), for the power "
                   "calculation.")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the assignment and the batches (default: experiments/NAME/).")
@click.option("--force", is_flag=True, help="Replace an existing experiment file.")
@click.option("--pilot-url", default=None, metavar="URL",
              help="Where the pilot site (docs build --experiment NAME) is published, for arm B's batch links "
                   "(default: beside mkdocs.yml's site_url, <site_url>-experiments/NAME/).")
@format_option(PLAN_REPORTERS)
def plan_command(name: str, rules: tuple[str, ...], variant: str, base: str, items_file: Path | None, unit: str,
                 annotators_file: Path | None, seed: int, effect: float, past_files: tuple[Path, ...],
                 out_dir: Path | None, force: bool, pilot_url: str | None, output_format: str) -> int:
    """Plan experiment NAME: arms, the random split, batches per arm, the sample size needed."""
    import re

    from guidelines_tool.experiment.plan import plan_experiment, write_plan
    from guidelines_tool.project import load_project

    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise ConfigError(f"experiment name {name!r}: use lower-case letters, digits and dashes")
    root = project_root()
    if items_file is not None and not force:
        from guidelines_tool.experiment.plan import existing_plan_refusal

        existing_plan_refusal(root, name)  # before reading the past data: the plan is fixed already
    project = load_project(root)
    past = None
    if past_files:
        from guidelines_tool.cli.data import read_table

        past = read_table(_annotation_files(past_files), project, None, "last", duplicate_exit=EXIT_USAGE)
    plan = plan_experiment(project, root, name, rules=rules, variant=variant, base=base, items_file=items_file,
                           unit=unit, annotators_file=annotators_file, seed=seed, effect=effect, past=past,
                           pilot_url=pilot_url)
    written = []
    if items_file is not None:
        paths = write_plan(plan, root, out_dir=out_dir, force=force)
        written = [_shown(path) for path in paths]
    click.echo(PLAN_REPORTERS[output_format]().render((plan, written)), nl=False)
    if written and output_format == "text":
        click.echo(f"commit the plan before sending the batches: git add {shlex.quote(written[0])} "
                   f"{shlex.quote(str(Path(written[1]).parent))} && git commit -m 'experiment {name}: plan'", err=True)
    return EXIT_CLEAN


def _annotation_files(paths: tuple[Path, ...]) -> tuple[Path, ...]:
    """Files as given; a folder's annotation files (by extension), sorted."""
    from guidelines_tool.annotations import EXTENSIONS

    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in EXTENSIONS)
            if not found:
                raise ConfigError(f"{path}: no annotation files ({', '.join(sorted(EXTENSIONS))})")
            out += found
        else:
            out.append(path)
    return tuple(out)


def _shown(path: Path) -> str:
    """A path as the user can type it from where they are."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@experiment_group.command("analyse")
@click.argument("name")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@gold_option()
@keep_contaminated_option()
@seed_option()
@format_option(EXPERIMENT_REPORTERS)
@input_format_option()
@duplicates_option()
def analyse_command(name: str, files: tuple[Path, ...], gold: Path | None, keep_contaminated: bool, seed: int,
                    output_format: str, input_format: str | None, duplicates: str) -> int:
    """Compare the arms of experiment NAME on the annotation FILES: α per arm, B − A, the verdict."""
    _, result = _analysed(project_root(), name, files, gold=gold, keep_contaminated=keep_contaminated, seed=seed,
                          input_format=input_format, duplicates=duplicates)
    click.echo(EXPERIMENT_REPORTERS[output_format]().render(result), nl=False)
    return EXIT_CLEAN


@experiment_group.command("conclude")
@click.argument("name")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--adopt", type=click.Choice(["A", "B"]), required=True,
              help="B: bring the variant's wording onto the current branch; A: keep the current wording.")
@keep_contaminated_option()
@seed_option()
@input_format_option()
@duplicates_option()
def conclude_command(name: str, files: tuple[Path, ...], adopt: str, keep_contaminated: bool, seed: int,
                     input_format: str | None, duplicates: str) -> int:
    """Adopt arm A or B of experiment NAME and record the result (with the analysis of FILES, when
    given) in its experiment file, committed."""
    from guidelines_tool.experiment.conclude import conclude

    root = project_root()
    experiment, analysis = _analysed(root, name, files, keep_contaminated=keep_contaminated, seed=seed,
                                     input_format=input_format, duplicates=duplicates)
    result = conclude(root, experiment, adopt, analysis=analysis)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    brought = {"fast-forward": f"fast-forwarded to {experiment.commit('B')[:12]}",
               "cherry-pick": f"cherry-picked {len(result.commits)} commit(s)", "none": "no rule changed"}
    click.echo(f"experiment {name}: adopted {adopt} — {brought[result.method]}; "
               f"recorded in {experiment.source.path} ({result.record[:12]})")
    return EXIT_CLEAN


def _analysed(root: Path, name: str, files: tuple[Path, ...], **options):
    """The experiment NAME, and the analysis of FILES (None without files)."""
    from guidelines_tool.cli.data import read_gold_shown, read_table
    from guidelines_tool.experiment.analyse import analyse
    from guidelines_tool.experiment.assign import read_assignment
    from guidelines_tool.project import load_project

    project = load_project(root)
    experiment = project.experiment(name)
    if experiment is None:
        known = ", ".join(e.id for e in project.experiments) or "none"
        raise ConfigError(f"no experiment {name!r} in experiments/ (known: {known}); plan one with "
                          "`guidelines experiment plan`")
    if not files:
        return experiment, None
    assignment = read_assignment(root / experiment.assignment)
    table = read_table(files, project, experiment.task, options["duplicates"], duplicate_exit=EXIT_USAGE,
                       input_format=options["input_format"], relabel_by_time=True)
    gold = options.get("gold")
    gold_labels = read_gold_shown(gold, project, experiment.task) if gold else None
    return experiment, analyse(experiment, assignment, table, project.tasks.get(experiment.task),
                               gold=gold_labels.labels if gold_labels else None,
                               keep_contaminated=options["keep_contaminated"], seed=options["seed"])
