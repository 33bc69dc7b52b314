"""The pilot's site (`docs build --experiment NAME`): the annotators' site with arm B's wording of
the experiment's rules in place of the current one, each with a banner saying so, built beside
the main site (which keeps arm A's wording), so each annotator reads the version of their arm."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from guidelines_tool.errors import ConfigError

BANNER = ("You are in the pilot of {rule}'s new wording (experiment {name}, arm B). Label your "
          "pilot batch by this page; everything else is as on the main site.")


def pilot_site_data(root: Path, name: str):
    """Site data of the working tree with arm B's version of the experiment's rules and a banner
    on each. ConfigError for an unknown experiment."""
    from guidelines_tool.docs.data import load_site_data
    from guidelines_tool.history import read_tree

    data = load_site_data(root, with_annotations=False)
    experiment = data.project.experiment(name)
    if experiment is None:
        known = ", ".join(e.id for e in data.project.experiments) or "none"
        raise ConfigError(f"no experiment {name!r} in experiments/ (known: {known})")
    variant_rules, _tasks, _problems = read_tree(root, experiment.commit("B"))
    piloted = set(experiment.rules) & set(variant_rules)
    rules = tuple(variant_rules[rule.id] if rule.id in piloted else rule for rule in data.project.rules)
    data.project = replace(data.project, rules=rules)
    data.banners = {rule_id: BANNER.format(rule=rule_id, name=name) for rule_id in sorted(piloted)}
    return data


def pilot_site_dir(site_dir: Path, name: str) -> Path:
    """Beside the main site (MkDocs empties site_dir on every build of it): <site_dir>-experiments/NAME."""
    return site_dir.with_name(site_dir.name + "-experiments") / name
