"""`guidelines quiz build|score` end to end on a real git repository: the files a labeling tool
gets are read back by the tool's own readers (quiz.csv + answers, quiz-gold.csv, a Label Studio
export of the quiz project), questions changed since a release are marked, a refresher holds only
what changed, and scoring finds a planted weakness."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from guidelines_tool.annotations import read_annotations, read_gold
from guidelines_tool.cli import cli
from guidelines_tool.integrations.label_studio.labeling import labeling_config
from guidelines_tool.project import load_project

PROJECT = "kind: project\nname: Retail quiz\nquiz: {pass_mark: 0.75}\n"
TASK = """kind: task
id: pps
title: Photo subject
labels:
  - {id: product, name: Product}
  - {id: person, name: Person}
  - {id: scene, name: Scene / lifestyle}
"""


def rule(rule_id: str, decision: str, examples: list[tuple[str, str]], counter: list[tuple[str, str]] = (),
         cases: list[tuple[str, str]] = ()) -> str:
    lines = ["kind: rule", f"id: {rule_id}", "task: pps", f"title: Rule {rule_id}", "labels: [product, person, scene]",
             f"decision: {decision}", "when: Always."]
    lines += ["examples:"] + [f"  - {{input: {json.dumps(i)}, label: {l}, why: because {i}}}" for i, l in examples]
    if counter:
        lines += ["counterexamples:"] + [f"  - {{input: {json.dumps(i)}, label: {l}}}" for i, l in counter]
    if cases:
        lines += ["ambiguous_cases:"] + [f"  - {{case: {json.dumps(c)}, resolution: It is {l}, label: {l}}}"
                                         for c, l in cases]
    return "\n".join(lines) + "\n"


V1 = {
    "guidelines.yaml": PROJECT,
    "guidelines/pps/task.yaml": TASK,
    "guidelines/pps/rules/PPS-001.yaml": rule("PPS-001", "product", [("Bag in focus", "product"), ("Shoe on white", "product")],
                                              [("Face in focus, bag blurred", "person")]),
    "guidelines/pps/rules/PPS-002.yaml": rule("PPS-002", "product", [("Model holds bag, both sharp", "product")],
                                              [("Model, bag cropped", "person")], [("Mannequin", "product")]),
    "guidelines/pps/rules/PPS-003.yaml": rule("PPS-003", "scene", [("Crowd at a fair", "scene")]),
}


@pytest.fixture
def git_repo(make_repo, monkeypatch):
    """v1.0.0, then v1.1.0: PPS-002's decision flips to person, PPS-004 is added, PPS-003 gets a
    new example. The shell stands in the project."""
    root = make_repo("repo", V1)
    root.tag("v1.0.0")
    root.commit("flip PPS-002, add PPS-004", {
        "guidelines/pps/rules/PPS-002.yaml": rule("PPS-002", "person", [("Model holds bag, both sharp", "person")],
                                                  [("Model, bag cropped", "person")], [("Mannequin", "product")]),
        "guidelines/pps/rules/PPS-003.yaml": rule("PPS-003", "scene", [("Crowd at a fair", "scene"), ("Picnic", "scene")]),
        "guidelines/pps/rules/PPS-004.yaml": rule("PPS-004", "scene", [("Sofa in a living room", "scene")]),
    })
    root.tag("v1.1.0")
    monkeypatch.chdir(root.path)
    return root


@pytest.fixture
def repo(git_repo):
    """The work tree of `git_repo`."""
    return git_repo.path


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_build_writes_files_any_tool_and_the_readers_take(repo):
    result = invoke("quiz", "build", "-o", "quiz")
    assert result.exit_code == 0, result.output + result.stderr
    assert result.stdout.splitlines()[0] == "pps: 9 questions (quiz) covering 4 of 4 active rules → quiz/"
    assert "  since v1.0.0: 3 decision changed, 1 new rule, 1 new question" in result.stdout.splitlines()
    assert "  score: guidelines quiz score ANSWERS --gold quiz/quiz-gold.csv" in result.stdout.splitlines()
    rows = list(csv.DictReader((repo / "quiz" / "quiz.csv").open(encoding="utf-8")))
    assert list(rows[0]) == ["item", "input", "task"] and len(rows) == 9
    gold_rows = {r["item"]: r for r in csv.DictReader((repo / "quiz" / "quiz-gold.csv").open(encoding="utf-8"))}
    assert list(next(iter(gold_rows.values()))) == ["item", "label", "rule", "task", "kind", "change"]
    marked = sorted(r["rule"] for r in gold_rows.values() if r["change"] == "decision")
    assert marked == ["PPS-002", "PPS-002", "PPS-002"]
    # the gold reader takes the key, rule column included
    project = load_project(repo)
    gold = read_gold(repo / "quiz" / "quiz-gold.csv", project=project, task="pps", extra=("rule",))
    assert gold.problems == [] and len(gold.labels) == 9 and gold.extra["rule"] == {
        item: row["rule"] for item, row in gold_rows.items()}
    # a labeling tool hands quiz.csv back with annotator and label columns: the annotation reader takes it
    with (repo / "answers.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["item", "input", "task", "annotator", "label"])
        for row in rows:
            writer.writerow([row["item"], row["input"], row["task"], "ana", gold_rows[row["item"]]["label"]])
    table = read_annotations([repo / "answers.csv"], project=project, task="pps")
    assert len(table) == 9 and table.problems == []
    scored = invoke("quiz", "score", "answers.csv", "--gold", "quiz/quiz-gold.csv")
    assert scored.exit_code == 0, scored.stderr
    assert scored.stdout.startswith("task pps: 1 annotator, 9 questions, pass mark 75%: 1 passed\n")
    # the Label Studio files: the config `publish label-studio` writes for the task (one control
    # named after it, labelling the text, choices storing label ids, hotkeys), under the quiz's title
    config = (repo / "quiz" / "label-studio-config.xml").read_text(encoding="utf-8")
    root = ET.fromstring(config)
    assert [child.tag for child in root] == ["Header", "Text", "Choices"]
    assert root[1].attrib == {"name": "text", "value": "$text"}
    assert root[2].attrib == {"name": "pps", "toName": "text", "choice": "single-radio", "required": "true"}
    assert root[0].attrib == {"value": "Photo subject"}
    # choice for choice what a push of the task to a new project writes
    pushed = ET.fromstring(labeling_config(None, load_project(repo).tasks["pps"]).config)
    assert [c.attrib for c in root[2]] == [c.attrib for c in pushed.find("Choices")]
    assert root[2][-1].attrib == {"value": "Scene / lifestyle", "alias": "scene", "hotkey": "s"}
    tasks = json.loads((repo / "quiz" / "label-studio-tasks.json").read_text(encoding="utf-8"))
    assert [t["data"]["item"] for t in tasks] == [r["item"] for r in rows]
    assert all(set(t["data"]) == {"item", "text", "task"} for t in tasks)  # no picture in this quiz: no image key
    assert {t["data"]["text"] for t in tasks} == {r["input"] for r in rows}


def label_studio_export(tasks: list[dict], answers: dict[str, dict[str, str]]) -> list[dict]:
    """The quiz tasks as Label Studio 1.23 exports them once annotated (JSON export)."""
    out = []
    for n, task in enumerate(tasks, start=1):
        annotations = []
        for user, (who, given) in enumerate(sorted(answers.items()), start=1):
            label = given.get(task["data"]["item"])
            if label is None:
                continue
            annotations.append({
                "id": n * 100 + user, "completed_by": user, "created_username": f"{who}@example.com, {user}",
                "was_cancelled": False, "created_at": "2026-03-01T10:00:00.000000Z", "lead_time": 4.2,
                "result": [{"id": f"r{n}{user}", "type": "choices", "from_name": "pps", "to_name": "text",
                            "origin": "manual", "value": {"choices": [label]}}],
            })
        out.append({"id": n, "data": task["data"], "annotations": annotations, "predictions": [],
                    "meta": {}, "project": 7, "inner_id": n})
    return out


def test_a_label_studio_export_of_the_quiz_is_scored_and_finds_the_weak_rule(repo):
    assert invoke("quiz", "build", "-o", "quiz").exit_code == 0
    tasks = json.loads((repo / "quiz" / "label-studio-tasks.json").read_text(encoding="utf-8"))
    gold = {r["item"]: r for r in csv.DictReader((repo / "quiz" / "quiz-gold.csv").open(encoding="utf-8"))}
    answers = {}
    for who in ("ana", "ben", "cy", "dee"):
        answers[who] = {}
        for item, row in gold.items():
            label = row["label"]
            if row["rule"] == "PPS-001" and who != "ana":  # planted: the rule everybody misses
                label = "scene"
            if who == "dee" and row["rule"] == "PPS-004":  # dee never learned the new rule
                label = "product"
            answers[who][item] = label
    (repo / "export.json").write_text(json.dumps(label_studio_export(tasks, answers)), encoding="utf-8")
    result = invoke("quiz", "score", "export.json", "--gold", "quiz/quiz-gold.csv", "--format", "json")
    assert result.exit_code == 0, result.stderr
    score = json.loads(result.stdout)
    assert score["task"] == "pps" and score["pass_mark"] == 0.75 and score["questions"] == 9
    assert score["rules"][0]["rule"] == "PPS-001" and score["rules"][0]["wrong"] == 9
    assert score["rules"][0]["chosen_instead"] == [{"labels": "scene", "n": 9}]
    by = {a["annotator"]: a for a in score["annotators"]}  # Label Studio user ids
    assert by["1"]["status"] == "passed" and by["1"]["accuracy"] == 1.0
    assert by["4"]["rules"]["PPS-004"] == {"correct": 0, "answered": 1, "accuracy": 0.0, "ci": [0.0, 0.793451]}
    assert {a["status"] for a in score["annotators"][1:]} == {"failed"}
    text = invoke("quiz", "score", "export.json", "--gold", "quiz/quiz-gold.csv").stdout
    assert "PPS-001  9/12   75%" in text and "Rule PPS-001" in text


def test_refresher_since_a_release_holds_only_what_changed(repo):
    result = invoke("quiz", "build", "--since", "v1.0.0", "-o", "refresher")
    assert result.exit_code == 0, result.stderr
    gold = list(csv.DictReader((repo / "refresher" / "quiz-gold.csv").open(encoding="utf-8")))
    assert sorted((r["rule"], r["change"]) for r in gold) == [
        ("PPS-002", "decision"), ("PPS-002", "decision"), ("PPS-002", "decision"),
        ("PPS-003", "question"), ("PPS-004", "new")]
    assert "refresher since v1.0.0" in result.stdout
    nothing = invoke("quiz", "build", "--since", "v1.1.0", "-o", "none")
    assert nothing.exit_code == 2 and "nothing to practise" in nothing.stderr


def test_build_from_a_release_and_marks_against_the_one_before(repo):
    result = invoke("quiz", "build", "--rev", "v1.0.0", "-o", "old")
    assert result.exit_code == 0, result.stderr
    gold = list(csv.DictReader((repo / "old" / "quiz-gold.csv").open(encoding="utf-8")))
    assert len(gold) == 7 and {r["change"] for r in gold} == {""}  # the first release: nothing before it
    assert "PPS-004" not in {r["rule"] for r in gold}
    at_v11 = invoke("quiz", "build", "--rev", "v1.1.0", "-o", "v11")
    assert "since v1.0.0: 3 decision changed" in at_v11.stdout


def test_size_seed_and_errors(repo):
    one = invoke("quiz", "build", "--size", "5", "--seed", "9", "-o", "a")
    two = invoke("quiz", "build", "--size", "5", "--seed", "9", "-o", "b")
    assert one.exit_code == two.exit_code == 0
    assert (repo / "a" / "quiz-gold.csv").read_text() == (repo / "b" / "quiz-gold.csv").read_text()
    assert len((repo / "a" / "quiz.csv").read_text().splitlines()) == 6
    small = invoke("quiz", "build", "--size", "3")
    assert small.exit_code == 2 and "--size 3 cannot cover the 4 active rules" in small.stderr
    unknown = invoke("quiz", "build", "--task", "nope")
    assert unknown.exit_code == 2 and "no task 'nope'" in unknown.stderr
    missing = invoke("quiz", "score", "answers.csv")
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    no_key = invoke("quiz", "score", "quiz.csv", "--gold", "nokey.csv")
    assert no_key.exit_code == 2 and "quiz build` writes quiz-gold.csv" in no_key.stderr


def test_several_tasks_get_a_folder_each(repo, git_repo):
    git_repo.commit("second task", {
        "guidelines/tox/task.yaml": "kind: task\nid: tox\ntitle: Toxicity\nlabels:\n  - {id: ok, name: OK}\n  - {id: toxic, name: Toxic}\n",
        "guidelines/tox/rules/TOX-001.yaml": "kind: rule\nid: TOX-001\ntask: tox\ntitle: Insults\nlabels: [ok, toxic]\n"
                                            "when: An insult.\nexamples:\n  - {input: You fool, label: toxic}\n"})
    result = invoke("quiz", "build", "-o", "all")
    assert result.exit_code == 0, result.stderr
    assert (repo / "all" / "pps" / "quiz.csv").is_file() and (repo / "all" / "tox" / "quiz-gold.csv").is_file()
    assert "--gold all/tox/quiz-gold.csv" in result.stdout


@pytest.mark.parametrize("control", ["tags", "answer"])  # the task's control; `answer`: a quiz project of before
def test_label_studio_json_min_and_csv_exports_of_a_multi_label_quiz(repo, git_repo, control):
    """JSON-MIN and CSV exports hold one flat record per annotation, the answer under the control's
    name; a multi-label answer is a {"choices": [...]} object (a JSON cell in the CSV)."""
    git_repo.commit("a multi-label task", {
        "guidelines/tags/task.yaml": "kind: task\nid: tags\ntitle: Photo tags\nmulti_label: true\nlabels:\n"
                                     "  - {id: outdoor, name: Outdoor}\n  - {id: people, name: People}\n  - {id: food, name: Food}\n",
        "guidelines/tags/rules/TAG-001.yaml": "kind: rule\nid: TAG-001\ntask: tags\ntitle: Picnics\n"
                                              "labels: [outdoor, people, food]\nwhen: A picnic.\nexamples:\n"
                                              "  - {input: Family picnic, label: [outdoor, people, food]}\n"
                                              "  - {input: Sandwich on a bench, label: [outdoor, food]}\n"
                                              "counterexamples:\n  - {input: Dinner party indoors, label: [people, food]}\n"})
    assert invoke("quiz", "build", "--task", "tags", "-o", "tags").exit_code == 0
    config = (repo / "tags" / "label-studio-config.xml").read_text(encoding="utf-8")
    assert 'choice="multiple"' in config
    gold = list(csv.DictReader((repo / "tags" / "quiz-gold.csv").open(encoding="utf-8")))
    assert sorted(r["label"] for r in gold) == ["outdoor;food", "outdoor;people;food", "people;food"]  # as written
    records = []
    for n, row in enumerate(gold, start=1):
        for user in (1, 2):
            chosen = row["label"].split(";") if user == 1 else row["label"].split(";")[:1]  # user 2 picks one
            records.append({"item": row["item"], "text": "x", "task": "tags", "id": n, control: {"choices": chosen},
                            "annotator": user, "annotation_id": n * 10 + user, "created_at": "2026-03-01T10:00:00Z",
                            "updated_at": "2026-03-01T10:00:00Z", "lead_time": 2.5})
    (repo / "min.json").write_text(json.dumps(records), encoding="utf-8")
    with (repo / "export.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows({**r, control: json.dumps(r[control])} for r in records)
    for name in ("min.json", "export.csv"):
        result = invoke("quiz", "score", name, "--gold", "tags/quiz-gold.csv", "--input-format", "labelstudio",
                        "--format", "json")
        assert result.exit_code == 0, result.stderr
        by = {a["annotator"]: a for a in json.loads(result.stdout)["annotators"]}
        assert (by["1"]["correct"], by["2"]["correct"]) == (3, 0), name


def test_pictures_go_to_label_studio_with_an_image_key_on_every_task(repo):
    """Label Studio 1.23 refuses an import whose tasks lack a key the config names ("image" key
    is expected in task data): a quiz with some pictures gives every task the key."""
    (repo / "media").mkdir()
    (repo / "media" / "bag.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    rule_file = repo / "guidelines" / "pps" / "rules" / "PPS-001.yaml"
    rule_file.write_text(rule_file.read_text(encoding="utf-8").replace(
        '{input: "Bag in focus", label: product,', '{input: "Bag in focus", media: /media/bag.png, label: product,'),
        encoding="utf-8")
    result = invoke("quiz", "build", "-o", "pictures")
    assert result.exit_code == 0, result.stderr
    tasks = json.loads((repo / "pictures" / "label-studio-tasks.json").read_text(encoding="utf-8"))
    assert all("image" in t["data"] for t in tasks)
    assert sorted(t["data"]["image"] for t in tasks)[-1] == "media/bag.png" and sum(bool(t["data"]["image"]) for t in tasks) == 1
    config = (repo / "pictures" / "label-studio-config.xml").read_text(encoding="utf-8")
    root = ET.fromstring(config)  # the picture first, then the text, then the task's control on the text
    assert [(child.tag, child.get("name")) for child in root] == [
        ("Header", None), ("Image", "image"), ("Text", "text"), ("Choices", "pps")]
    assert root[1].attrib == {"name": "image", "value": "$image", "maxWidth": "640px"} and root[3].get("toName") == "text"
    rows = list(csv.DictReader((repo / "pictures" / "quiz.csv").open(encoding="utf-8")))
    assert list(rows[0]) == ["item", "input", "task", "media"] and {r["media"] for r in rows} == {"", "media/bag.png"}


def test_the_quiz_config_takes_a_push_unchanged_and_keeps_the_keys_of_the_last_push(repo):
    """A push of the task onto the quiz's config (what `publish label-studio --project` does)
    finds the quiz's control and leaves the config as it is: no second control. A task pushed
    before gives the quiz the hotkeys annotators know from their work project (publish log);
    a bad log line is a note, not a failure."""
    from guidelines_tool.integrations.publish_log import LOG_PATH, PublishEntry, append_entry

    assert invoke("quiz", "build", "-o", "quiz").exit_code == 0
    config = (repo / "quiz" / "label-studio-config.xml").read_text(encoding="utf-8")
    task = load_project(repo).tasks["pps"]
    pushed = labeling_config(config, task)
    assert pushed.before is not None and pushed.config == config
    assert [el.get("name") for el in ET.fromstring(pushed.config).iter("Choices")] == ["pps"]

    append_entry(repo, PublishEntry("label-studio", "http://ls.example", "7", "pps", "v1.1.0", "0" * 40,
                                    "2026-03-01T10:00:00+00:00", {"product": "x", "person": "y", "scene": "z"}))
    with (repo / LOG_PATH).open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    result = invoke("quiz", "build", "-o", "keyed")
    assert result.exit_code == 0, result.stderr
    assert f"{LOG_PATH}:2:" in result.stderr
    keyed = ET.fromstring((repo / "keyed" / "label-studio-config.xml").read_text(encoding="utf-8"))
    assert {c.get("alias"): c.get("hotkey") for c in keyed.iter("Choice")} == {"product": "x", "person": "y", "scene": "z"}
