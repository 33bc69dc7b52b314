"""The round trip with a real Label Studio server (issue 15): `publish label-studio` creates and
updates a project, annotators sign up through the invite link and annotate through the API with
their own tokens, `pull label-studio` brings the judgements back stamped with the guideline
revision that was live, and `agreement` on the pulled file equals the value computed from what
was posted. Also: dry run, refusing to orphan annotations, hotkeys kept across releases, both
kinds of token, a wrong token, legacy tokens switched off.

The server (tests/integrations/conftest.py) runs from its own virtualenv: set
GUIDELINES_LABEL_STUDIO to its `label-studio` executable (`.ci/run` does). Without it these tests
are skipped (in CI, CI=true, they fail instead).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from guidelines_tool.cli import cli

pytestmark = [pytest.mark.slow,
              # the SDK's own use of pydantic 1 names, not ours
              pytest.mark.filterwarnings("ignore:The `parse_obj` method is deprecated")]

TASK = """\
kind: task
id: pps
title: Primary subject of product photos
labels:
  - {id: product, name: Product, definition: The item for sale is the subject.}
  - {id: person, name: Person, definition: A person is the subject.}
  - {id: packaging, name: Packaging, definition: "The **box** is the subject."}
"""
SITE = "https://guides.example.org/retail/"


@pytest.fixture
def repo(make_repo, guideline_project, monkeypatch):
    """The small valid project with label definitions, committed and released as v1.0.0, as the
    working folder."""
    repo = make_repo("guidelines")
    guideline_project(repo.path, {"guidelines/pps/task.yaml": TASK})
    repo.commit("initial guidelines")
    repo.tag("v1.0.0")
    monkeypatch.chdir(repo.path)
    return repo


def run(args, token, *, url=None):
    env = {"LABEL_STUDIO_API_KEY": token, "LABEL_STUDIO_URL": url}
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


def sdk(server, token):
    from label_studio_sdk import LabelStudio

    return LabelStudio(base_url=server.url, api_key=token)


def log_entries(root: Path) -> list[dict]:
    path = root / ".guidelines/publish-log.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def printed_commands(stderr: str) -> list[str]:
    """The commands a push prints for the user to run next (indented lines)."""
    return [line.strip() for line in stderr.splitlines() if line.startswith("  ")]


def run_printed(command: str, folder: Path, *, token: str = "") -> subprocess.CompletedProcess:
    """A printed command run as printed, by a shell in `folder`, with the tool on PATH."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "PATH": path, "LABEL_STUDIO_API_KEY": token}
    env.pop("LABEL_STUDIO_URL", None)
    return subprocess.run(["bash", "-c", command], cwd=folder, env=env, capture_output=True, text=True, timeout=300)


def import_items(server, project_id: int, n: int) -> dict[str, int]:
    """n tasks `item-00`.. into the project; item → Label Studio task id."""
    admin = sdk(server, server.admin_user().personal_token)
    admin.projects.import_tasks(project_id, request=[{"item": f"item-{i:02}", "text": f"photo {i}"} for i in range(n)])
    tasks = admin.tasks.list(project=project_id, fields="task_only", page_size=100, page=1).response.tasks
    return {task.data["item"]: task.id for task in tasks}


def annotate(server, token: str, task_id: int, label: str | None) -> None:
    """One annotation through the API as the token's user; None: the annotator skips the task."""
    result = [] if label is None else [{"from_name": "pps", "to_name": "text", "type": "choices",
                                        "value": {"choices": [label]}}]
    sdk(server, token).annotations.create(id=task_id, result=result, was_cancelled=label is None)


# Who says what, item by item: (alice, bob, carol). Phase 1 is annotated under the first push,
# phase 2 under the second.
PHASE_1 = {
    "item-00": ("product", "product", "product"), "item-01": ("product", "person", "product"),
    "item-02": ("person", "person", "person"), "item-03": ("packaging", "packaging", "product"),
    "item-04": ("person", "product", "packaging"), "item-05": ("packaging", "packaging", "packaging"),
}
PHASE_2 = {
    "item-06": ("product", "product", "product"), "item-07": ("person", "person", "product"),
    "item-08": ("packaging", "packaging", "packaging"), "item-09": ("product", "product", "person"),
    "item-10": ("person", "person", "person"), "item-11": ("product", "product", None),
}


def test_round_trip_push_annotate_pull_agreement(server, annotators, repo, monkeypatch):
    admin = server.admin_user()
    pushed = run(["publish", "label-studio", "--task", "pps", "--create", "Round trip", "--url", server.url,
                  "--site-url", SITE], admin.personal_token)
    assert pushed.exit_code == 0, pushed.output + pushed.stderr
    (first,) = log_entries(repo.path)
    project_id = int(first["project"])
    assert first["commit"] == repo.head() and first["version"] == "v1.0.0"
    assert f"/projects/{project_id}/" in pushed.stdout
    commit_log, pull_command = printed_commands(pushed.stderr)
    assert run_printed(commit_log, repo.path).returncode == 0
    assert repo.git("status", "--porcelain").strip() == ""  # the log is committed

    project = server.admin.get(f"/api/projects/{project_id}").json()
    assert '<Choice value="Product" alias="product" hotkey="p" hint="The item for sale is the subject." />' in project["label_config"]
    assert 'hint="The box is the subject."' in project["label_config"]  # Markdown made plain text
    assert project["show_instruction"] is True
    instructions = project["expert_instruction"]
    assert "v1.0.0" in instructions and first["commit"][:12] in instructions
    assert f'href="{SITE}tasks/pps/"' in instructions and f'href="{SITE}practise/pps/"' in instructions
    assert "PPS-001" in instructions and "Model holds a bag" in instructions

    items = import_items(server, project_id, 12)
    by_token = dict(zip(("alice", "bob", "carol"), (annotators[0].personal_token, annotators[1].legacy_token,
                                                     annotators[2].personal_token)))
    ids = {name: user.id for name, user in zip(("alice", "bob", "carol"), annotators)}
    for item, labels in PHASE_1.items():
        for name, label in zip(by_token, labels):
            annotate(server, by_token[name], items[item], label)
    sdk(server, admin.personal_token).predictions.create(
        task=items["item-00"], model_version="m1",
        result=[{"from_name": "pps", "to_name": "text", "type": "choices", "value": {"choices": ["person"]}}])

    rule = (repo.path / "guidelines/pps/rules/PPS-001.yaml").read_text()
    second_sha = repo.commit("PPS-001: say what in focus means",
                             {"guidelines/pps/rules/PPS-001.yaml": rule.replace("Both are in focus.", "Both are sharp.")})
    again = run(["publish", "label-studio", "--task", "pps", "--project", str(project_id), "--url", server.url],
                annotators[0].legacy_token)  # any member may push; a legacy token works too
    assert again.exit_code == 0, again.output + again.stderr
    assert [e["commit"] for e in log_entries(repo.path)] == [first["commit"], second_sha]
    for item, labels in PHASE_2.items():
        for name, label in zip(by_token, labels):
            annotate(server, by_token[name], items[item], label)

    pulled = run(["pull", "label-studio", "--project", str(project_id), "--url", server.url, "-o", "pulled.csv"],
                 admin.personal_token)
    assert pulled.exit_code == 0, pulled.output + pulled.stderr
    assert "1 predictions" in pulled.stderr and "1 skipped (cancelled or empty)" in pulled.stderr
    assert "pulled 35 judgements by 3 annotators on 12 tasks" in pulled.stderr
    with open(repo.path / "pulled.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    posted = {(item, str(ids[name]), label) for phase in (PHASE_1, PHASE_2) for item, labels in phase.items()
              for name, label in zip(ids, labels) if label is not None}
    assert {(r["item"], r["annotator"], r["label"]) for r in rows} == posted
    revisions = {r["item"]: {row["guideline_rev"] for row in rows if row["item"] == r["item"]} for r in rows}
    assert all(revisions[item] == {first["commit"]} for item in PHASE_1)
    assert all(revisions[item] == {second_sha} for item in PHASE_2)

    # the export comes a page of tasks at a time: in pages of 5, three, and the same rows
    from guidelines_tool.integrations import Target
    from guidelines_tool.integrations import label_studio as label_studio_tool
    from guidelines_tool.integrations.pull import pull

    monkeypatch.setattr(label_studio_tool, "PAGE_SIZE", 5)
    pages = []
    paged = pull(repo.path, "label-studio", Target(server.url, str(project_id)), token=admin.personal_token,
                 progress=lambda done, total: pages.append((done, total)))
    assert pages == [(5, 12), (10, 12), (12, 12)]
    assert sorted((r["item"], str(r["annotator"]), r["label"], r["guideline_rev"]) for r in paged.rows) == sorted(
        (r["item"], r["annotator"], r["label"], r["guideline_rev"]) for r in rows)

    printed = run_printed(pull_command, repo.path, token=admin.personal_token)
    assert printed.returncode == 0, printed.stderr
    assert (repo.path / f"label-studio-{project_id}.csv").read_text() == (repo.path / "pulled.csv").read_text()

    # agreement on the pulled file = Krippendorff's alpha of what was posted, computed apart
    import krippendorff

    labels = ["product", "person", "packaging"]
    matrix = [[labels.index(v[i]) if v[i] else np.nan for v in {**PHASE_1, **PHASE_2}.values()] for i in range(3)]
    expected = krippendorff.alpha(reliability_data=np.array(matrix, dtype=float), level_of_measurement="nominal")
    report = run(["agreement", "pulled.csv", "--format", "json", "--bootstrap", "0"], "")
    assert report.exit_code == 0, report.stderr
    alpha = json.loads(report.stdout)["overall"]["coefficients"]["krippendorff_alpha"]["value"]
    assert alpha == pytest.approx(expected, abs=1e-12)

    # impact places every pulled judgement under its revision
    impact = run(["impact", "pulled.csv", "--format", "json", "--bootstrap", "100"], "")
    assert impact.exit_code == 0, impact.stderr
    assert json.loads(impact.stdout)["unresolved"]["count"] == 0


def test_dry_run_orphans_and_hotkeys(server, annotators, repo):
    admin = server.admin_user()
    created = run(["publish", "label-studio", "--task", "pps", "--create", "Orphans", "--url", server.url],
                  admin.personal_token)
    assert created.exit_code == 0, created.stderr
    project_id = int(log_entries(repo.path)[-1]["project"])
    items = import_items(server, project_id, 2)
    annotate(server, annotators[0].personal_token, items["item-00"], "packaging")
    annotate(server, annotators[1].personal_token, items["item-01"], "packaging")
    before = server.admin.get(f"/api/projects/{project_id}").json()["label_config"]

    # a new label first in the list, packaging removed: the others keep their keys
    task = TASK.replace("labels:\n", "labels:\n  - {id: other, name: Other}\n").replace(
        '  - {id: packaging, name: Packaging, definition: "The **box** is the subject."}\n', "")
    repo.commit("drop packaging", {"guidelines/pps/task.yaml": task})
    args = ["publish", "label-studio", "--task", "pps", "--project", str(project_id), "--url", server.url]

    dry = run(args + ["--dry-run"], admin.personal_token)
    assert dry.exit_code == 1
    assert "packaging (2 annotations)" in dry.stderr and "--force" in dry.stderr and "Traceback" not in dry.stderr
    assert '<Choice value="Product" alias="product" hotkey="p"' in dry.stdout
    assert '<Choice value="Other" alias="other" hotkey="o"' in dry.stdout and "<h1>" in dry.stdout

    refused = run(args, admin.personal_token)
    assert refused.exit_code == 1 and "packaging (2 annotations)" in refused.stderr
    assert server.admin.get(f"/api/projects/{project_id}").json()["label_config"] == before
    assert len(log_entries(repo.path)) == 1  # neither the dry run nor the refusal wrote the log

    forced = run(args + ["--force"], admin.personal_token)
    assert forced.exit_code == 0, forced.stderr
    config = server.admin.get(f"/api/projects/{project_id}").json()["label_config"]
    assert 'alias="packaging"' not in config and 'alias="person" hotkey="e"' in config
    assert log_entries(repo.path)[-1]["hotkeys"] == {"other": "o", "product": "p", "person": "e"}


def test_tokens_wrong_and_legacy_switched_off(server, annotators, repo):
    user = annotators[2]
    created = run(["publish", "label-studio", "--task", "pps", "--create", "Tokens", "--url", server.url],
                  user.personal_token)
    assert created.exit_code == 0, created.stderr
    project_id = str(log_entries(repo.path)[-1]["project"])
    pull = ["pull", "label-studio", "--project", project_id, "--url", server.url]
    assert run(pull, user.personal_token).exit_code == 0
    assert run(pull, user.legacy_token).exit_code == 0
    other_name = run(pull[:-1] + [server.url.replace("127.0.0.1", "localhost")], user.personal_token)
    assert other_name.exit_code == 0
    assert f"has pushes to project {project_id} at {server.url}: pass that --url" in other_name.stderr
    os.chdir(repo.path.parent)  # outside the guideline project: no log, still a file
    outside = run(pull + ["-o", "outside.jsonl"], user.personal_token)
    assert outside.exit_code == 0 and "not inside a guideline project" in outside.stderr
    assert (repo.path.parent / "outside.jsonl").read_text() == ""

    wrong = run(pull, "not-a-token")
    assert wrong.exit_code == 2 and "Traceback" not in wrong.stderr
    assert "refused the token in LABEL_STUDIO_API_KEY (Invalid token.)" in wrong.stderr
    expired = run(pull, _expired_jwt())
    assert expired.exit_code == 2 and "expired" in expired.stderr

    server.set_legacy_tokens(False)
    try:
        legacy = run(pull, user.legacy_token)
    finally:
        server.set_legacy_tokens(True)
    assert legacy.exit_code == 2 and "does not accept legacy tokens" in legacy.stderr
    assert "personal access token" in legacy.stderr and "Traceback" not in legacy.stderr

    missing = run(["pull", "label-studio", "--project", "9999", "--url", server.url], user.personal_token)
    assert missing.exit_code == 2 and "has no project 9999" in missing.stderr
    # the address of a page, copied from the browser: Label Studio answers a web page, not its API
    for token in (user.personal_token, user.legacy_token):  # the first is exchanged there: another path
        page = run(["pull", "label-studio", "--project", project_id, "--url", f"{server.url}/projects/{project_id}/"],
                   token)
        assert page.exit_code == 2 and "has no project" not in page.stderr and "<html" not in page.stderr.lower()
        assert "not Label Studio's API" in page.stderr and f"(perhaps {server.url})?" in page.stderr


def _expired_jwt() -> str:
    """A refresh token whose expiry has passed (unsigned: the SDK reads the expiry first)."""
    import base64

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    expired = int(datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp())
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'token_type': 'refresh', 'exp': expired})}.c2lnbmF0dXJl"


def choices_controls(config: str) -> list[tuple[str, list[dict[str, str]]]]:
    """Each `<Choices>` of a labeling config: its name and its choices' attributes."""
    import xml.etree.ElementTree as ET

    return [(el.get("name"), [dict(c.attrib) for c in el]) for el in ET.fromstring(config).iter("Choices")]


def test_a_quiz_project_takes_a_push_and_its_answers_are_pulled_and_scored(server, annotators, repo):
    """`quiz build` writes the config `publish label-studio` writes; a project made from it
    takes a push of the task like any project — the task's control rewritten in place (with
    the instructions), no second control beside it; annotators answer; the pulled file is what
    `quiz score` reads, and it counts what was posted. The quiz's tasks also go into a project
    the push created."""
    rule = (repo.path / "guidelines/pps/rules/PPS-001.yaml").read_text()
    more = rule + ("  - {input: Shoe on a plain floor, label: product}\n"
                   "  - {input: Runner mid-stride, label: person}\n")
    repo.commit("PPS-001: more examples", {"guidelines/pps/rules/PPS-001.yaml": more})
    built = run(["quiz", "build", "--task", "pps", "-o", "quiz"], "")
    assert built.exit_code == 0, built.stderr
    quiz_config = (repo.path / "quiz/label-studio-config.xml").read_text()
    quiz_tasks = json.loads((repo.path / "quiz/label-studio-tasks.json").read_text())
    admin_token = server.admin_user().personal_token
    admin = sdk(server, admin_token)
    project = admin.projects.create(title="Quiz", label_config=quiz_config)
    admin.projects.import_tasks(project.id, request=quiz_tasks)

    pushed = run(["publish", "label-studio", "--task", "pps", "--project", str(project.id), "--url", server.url,
                  "--site-url", SITE], admin_token)
    assert pushed.exit_code == 0, pushed.output + pushed.stderr
    assert "has no <Choices" not in pushed.stderr  # the push found the quiz's control
    after = server.admin.get(f"/api/projects/{project.id}").json()
    assert choices_controls(after["label_config"]) == choices_controls(quiz_config)  # one control, as built
    assert [name for name, _ in choices_controls(after["label_config"])] == ["pps"]
    assert '<Header value="Primary subject of product photos"' in after["label_config"]  # the quiz's layout kept
    assert "PPS-001" in after["expert_instruction"]
    assert log_entries(repo.path)[-1]["project"] == str(project.id)

    tasks = admin.tasks.list(project=project.id, fields="task_only", page_size=100, page=1).response.tasks
    with open(repo.path / "quiz/quiz-gold.csv", newline="") as handle:
        key = {row["item"]: row["label"] for row in csv.DictReader(handle)}
    assert len(tasks) == len(key) == 3
    wrong = {"product": "packaging", "person": "packaging"}
    for n, task in enumerate(sorted(tasks, key=lambda t: t.data["item"])):
        right = key[task.data["item"]]
        for user, label in ((annotators[0], right), (annotators[1], wrong[right] if n == 0 else right)):
            sdk(server, user.personal_token).annotations.create(
                id=task.id, result=[{"from_name": "pps", "to_name": "text", "type": "choices",
                                     "value": {"choices": [label]}}])

    pulled = run(["pull", "label-studio", "--project", str(project.id), "--url", server.url, "-o", "answers.csv"],
                 admin_token)
    assert pulled.exit_code == 0, pulled.stderr
    with open(repo.path / "answers.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["item"] for r in rows} == set(key)
    assert {r["guideline_rev"] for r in rows} == {repo.head()}  # answered under the push
    score = run(["quiz", "score", "answers.csv", "--gold", "quiz/quiz-gold.csv", "--format", "json"], "")
    assert score.exit_code == 0, score.stderr
    by_annotator = {a["annotator"]: (a["correct"], a["answered"]) for a in json.loads(score.stdout)["annotators"]}
    assert by_annotator == {str(annotators[0].id): (3, 3), str(annotators[1].id): (2, 3)}

    # the other way round: a project the push created takes the quiz's tasks as they are
    created = run(["publish", "label-studio", "--task", "pps", "--create", "Quiz 2", "--url", server.url], admin_token)
    assert created.exit_code == 0, created.output + created.stderr
    second = int(log_entries(repo.path)[-1]["project"])
    admin.projects.import_tasks(second, request=quiz_tasks)
    config = server.admin.get(f"/api/projects/{second}").json()["label_config"]
    assert choices_controls(config) == choices_controls(quiz_config)
    imported = admin.tasks.list(project=second, fields="task_only", page_size=100, page=1).response.tasks
    assert sorted(t.data["item"] for t in imported) == sorted(key)
