"""quiz.py: questions from rules, sampling with every rule covered, changes since a release,
Wilson intervals (checked against statsmodels), and scores that find planted weaknesses."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from statsmodels.stats.proportion import proportion_confint

from guidelines_tool.project import load_project
from guidelines_tool.quiz import (
    Answer,
    Baseline,
    KeyItem,
    QuizError,
    build_quiz,
    item_id,
    rule_changes,
    rule_questions,
    score_quiz,
    task_questions,
    wilson,
)

TASK = """kind: task
id: pps
title: Photo subject
labels:
  - {id: product, name: Product}
  - {id: person, name: Person}
  - {id: scene, name: Scene}
"""


def rule(rule_id: str, *, status: str = "active", decision: str = "product", examples: str = "",
         counter: str = "", cases: str = "") -> str:
    return (f"kind: rule\nid: {rule_id}\ntask: pps\ntitle: Rule {rule_id}\nstatus: {status}\n"
            f"labels: [product, person, scene]\ndecision: {decision}\nwhen: Always.\n"
            + (f"examples:\n{examples}" if examples else "")
            + (f"counterexamples:\n{counter}" if counter else "")
            + (f"ambiguous_cases:\n{cases}" if cases else ""))


@pytest.fixture
def project_of(guideline_project):
    """project_of(root, rules) → the project at `root`: task pps with the given rule files."""

    def make(root: Path, rules: dict[str, str]):
        files = {"guidelines/pps/task.yaml": TASK, "guidelines/pps/rules/PPS-001.yaml": None}
        files.update({f"guidelines/pps/rules/{rid}.yaml": text for rid, text in rules.items()})
        return load_project(guideline_project(root, files))

    return make


def test_questions_come_from_examples_near_misses_and_labelled_cases(project_of, tmp_path):
    project = project_of(tmp_path, {"PPS-001": rule(
        "PPS-001",
        examples="  - {input: Bag in focus, label: product, why: sharp}\n"
                 "  - {input: Hidden one, label: product, quiz: false}\n"
                 "  - {input: media/bag.png, label: product}\n"
                 "  - {input: A bag on a chair, media: media/chair.png, label: product}\n",
        counter="  - {input: Face in focus, label: person, why: the face}\n",
        cases="  - {case: Mannequin, resolution: Treat as **product**, label: product}\n"
              "  - {case: Unresolved, resolution: Ask the lead}\n")})
    questions = rule_questions(project.rule("PPS-001"))
    assert [(q.kind, q.input, q.media, q.answer, q.why) for q in questions] == [
        ("example", "Bag in focus", "", ("product",), "sharp"),
        ("example", "", "media/bag.png", ("product",), ""),  # an input naming a file is a picture
        ("example", "A bag on a chair", "media/chair.png", ("product",), ""),
        ("near_miss", "Face in focus", "", ("person",), "the face"),
        ("ambiguous", "Mannequin", "", ("product",), "Treat as **product**"),
    ]
    assert [q.index for q in questions] == [0, 2, 3, 0, 0]
    assert all(q.item.startswith("q-") and len(q.item) == 12 for q in questions)
    notes = task_questions(project, "pps").notes
    assert notes == ("1 ambiguous case without a `label` left out (give a case the label its resolution gives to ask it)",)


def test_item_ids_are_stable_and_do_not_give_the_answer_away():
    one = item_id("pps", "PPS-001", "example", "Bag in focus", "")
    assert one == item_id("pps", "PPS-001", "example", "Bag in focus", "")
    assert one != item_id("pps", "PPS-001", "near_miss", "Bag in focus", "")
    assert "product" not in one and "PPS" not in one


def test_only_active_rules_are_asked_and_an_input_is_asked_once(project_of, tmp_path):
    project = project_of(tmp_path, {
        "PPS-001": rule("PPS-001", examples="  - {input: Bag in focus, label: product}\n"
                                            "  - {input: Face and bag, label: product}\n"),
        "PPS-002": rule("PPS-002", examples="  - {input: '  bag IN focus', label: product}\n"
                                            "  - {input: Face and bag, label: person}\n"
                                            "  - {input: Crowd, label: scene}\n"),
        "PPS-003": rule("PPS-003", status="draft", examples="  - {input: Draft, label: product}\n"),
        "PPS-004": rule("PPS-004", status="deprecated", examples="  - {input: Old, label: product}\n"),
    })
    found = task_questions(project, "pps")
    assert [(q.rule, q.input) for q in found.questions] == [("PPS-001", "Bag in focus"), ("PPS-002", "Crowd")]
    assert [r.id for r in found.rules] == ["PPS-001", "PPS-002"]
    assert found.notes == ("'Face and bag' is given different labels by PPS-001 (product), PPS-002 (person): "
                           "left out of the quiz",)


def _many_rules(project_of, tmp_path: Path, n_rules: int = 8):
    rules = {}
    for k in range(1, n_rules + 1):
        rid = f"PPS-{k:03d}"
        rules[rid] = rule(rid, examples="".join(f"  - {{input: 'R{k} example {j}', label: product}}\n" for j in range(3)),
                          counter=f"  - {{input: 'R{k} near miss', label: person}}\n")
    return project_of(tmp_path, rules)


def test_size_covers_every_active_rule_and_prefers_near_misses(project_of, tmp_path):
    project = _many_rules(project_of, tmp_path)
    quiz = build_quiz(project, "pps", size=10, seed=3)
    assert len(quiz.questions) == 10 and len({q.item for q in quiz.questions}) == 10
    assert sorted({q.rule for q in quiz.questions}) == [f"PPS-{k:03d}" for k in range(1, 9)]
    # the one question each rule is sure to get is its near miss
    assert sum(q.kind == "near_miss" for q in quiz.questions) == 8
    assert quiz == build_quiz(project, "pps", size=10, seed=3)  # seeded: the same quiz
    assert [q.item for q in quiz.questions] != [q.item for q in build_quiz(project, "pps", size=10, seed=4).questions]
    assert len(build_quiz(project, "pps").questions) == 32  # no size: every question, shuffled
    with pytest.raises(QuizError, match="--size 7 cannot cover the 8 active rules.*use --size 8"):
        build_quiz(project, "pps", size=7)
    with pytest.raises(QuizError, match="no task 'nope'"):
        build_quiz(project, "nope")


def test_changes_since_a_release_mark_questions_and_make_a_refresher(project_of, tmp_path):
    old = project_of(tmp_path / "old", {
        "PPS-001": rule("PPS-001", examples="  - {input: Bag, label: product}\n"),
        "PPS-002": rule("PPS-002", examples="  - {input: Box, label: product}\n"),
        "PPS-003": rule("PPS-003", examples="  - {input: Crowd, label: scene}\n"),
    })
    new = project_of(tmp_path / "new", {
        "PPS-001": rule("PPS-001", examples="  - {input: Bag, label: product}\n"),  # unchanged
        "PPS-002": rule("PPS-002", decision="person", examples="  - {input: Box, label: person}\n"),
        "PPS-003": rule("PPS-003", examples="  - {input: Crowd, label: scene}\n  - {input: Fair, label: scene}\n"),
        "PPS-004": rule("PPS-004", examples="  - {input: Shelf, label: product}\n"),
    })
    baseline = Baseline("v1.0.0", {r.id: r for r in old.rules})
    assert rule_changes(new.rules, baseline) == {"PPS-002": "decision", "PPS-004": "new"}
    quiz = build_quiz(new, "pps", baseline=baseline)
    changes = {q.input: q.change for q in quiz.questions}
    assert changes == {"Bag": "", "Box": "decision", "Crowd": "", "Fair": "question", "Shelf": "new"}
    assert [q.input for q in quiz.questions if q.marked] == ["Box"]
    refresher = build_quiz(new, "pps", baseline=baseline, refresher=True)
    assert sorted(q.input for q in refresher.questions) == ["Box", "Fair", "Shelf"]
    assert refresher.rules_covered == ("PPS-002", "PPS-003", "PPS-004") and refresher.baseline == "v1.0.0"
    with pytest.raises(QuizError, match="nothing to practise"):
        build_quiz(old, "pps", baseline=baseline, refresher=True)


@pytest.mark.parametrize("k, n", [(0, 1), (0, 10), (1, 10), (8, 10), (10, 10), (37, 50), (999, 1000), (3, 7)])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_wilson_interval_matches_statsmodels(k, n, confidence):

    low, high = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    assert wilson(k, n, confidence) == pytest.approx((low, high), abs=1e-12)


def test_wilson_published_value_and_empty():
    # Newcombe (1998), Statistics in Medicine 17:857, table I: 81/263 → 0.2553 to 0.3662 (method 3)
    low, high = wilson(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    assert wilson(0, 0) is None


def _planted(seed: int = 7):
    """40 rules × 3 questions; 8 annotators with 4 % random errors; every annotator gets rule
    R-17 wrong 70 % of the time (the rule to clarify) and `eli` gets R-05 wrong always."""
    rng = random.Random(seed)
    labels = ["a", "b", "c", "d"]
    key = {f"q{r:02d}{j}": KeyItem((labels[(r + j) % 4],), f"R-{r:02d}", "t") for r in range(40) for j in range(3)}
    answers = []
    for annotator in ["ana", "ben", "chloe", "dev", "eli", "fay", "gus", "hal"]:
        for item, truth in key.items():
            wrong = (truth.rule == "R-17" and rng.random() < 0.7) or (annotator == "eli" and truth.rule == "R-05") \
                or rng.random() < 0.04
            given = labels[(labels.index(truth.labels[0]) + 1) % 4] if wrong else truth.labels[0]
            answers.append(Answer(annotator, item, (given,)))
    return answers, key


def test_score_finds_planted_weaknesses():
    answers, key = _planted()
    score = score_quiz(answers, key, pass_mark=0.9, titles={"R-17": "The hard rule"})
    assert score.rules[0].rule == "R-17" and score.rules[0].title == "The hard rule"
    assert score.rules[0].ci[0] > 0.4  # the evidence: even the interval's low end is far above the rest
    assert all(r.miss_rate < score.rules[0].ci[0] for r in score.rules[1:] if r.rule != "R-05")
    by = {a.annotator: a for a in score.annotators}
    assert by["eli"].weak_rules[0] == ("R-05", by["eli"].weak_rules[0][1]) and by["eli"].weak_rules[0][1].correct == 0
    # with three questions a rule, one annotator's slip looks like a weak rule now and then; the
    # planted rule shows up for (nearly) everyone, the random slips for a few
    assert sum("R-17" in dict(a.weak_rules) for a in score.annotators) >= 7
    assert all(a.status == ("passed" if a.overall.accuracy >= 0.9 else "failed") for a in score.annotators)
    assert score.rules[0].annotators == 8 and score.rules[0].of_annotators == 8
    assert score.items[0].rule == "R-17"
    total_wrong = sum(r.wrong for r in score.rules)
    assert sum(r.share for r in score.rules) == pytest.approx(1.0)
    assert sum(len(a.missed) for a in score.annotators) == total_wrong


def test_score_statuses_multi_label_and_foreign_answers():
    key = {"q1": KeyItem(("a",), "R-1"), "q2": KeyItem(("a", "b"), "R-2"), "q3": KeyItem(("c",), "R-2")}
    answers = [Answer("ana", "q1", ("a",)), Answer("ana", "q2", ("b", "a")), Answer("ana", "q3", ("c",)),
               Answer("ben", "q1", ("a",)), Answer("ben", "q2", ("a",)), Answer("ben", "q3", ("c",)),
               Answer("cy", "q1", ("a",)), Answer("cy", "zz", ("a",))]
    score = score_quiz(answers, key, pass_mark=0.75)
    by = {a.annotator: a for a in score.annotators}
    assert (by["ana"].status, by["ana"].overall.correct) == ("passed", 3)  # a set answer, in any order
    assert (by["ben"].status, by["ben"].overall.correct) == ("failed", 2)  # half of a set is wrong
    assert by["cy"].status == "incomplete" and by["cy"].overall.answered == 1
    assert score.unknown_items == 1 and "1 answer to items the key does not have" in score.notes[0]
    assert score.rules[0].chosen_instead == (("a", 1),)
    # exactly at the pass mark passes
    assert score_quiz(answers[:3] + [Answer("dee", "q1", ("a",)), Answer("dee", "q2", ("a", "b")),
                                     Answer("dee", "q3", ("x",))], key, pass_mark=2 / 3).annotators[1].status == "passed"
    with pytest.raises(QuizError, match="no answer matches"):
        score_quiz([Answer("x", "zz", ("a",))], key)
    with pytest.raises(QuizError, match="between 0 and 1"):
        score_quiz(answers, key, pass_mark=80)


def test_score_json_shape_is_stable():
    answers, key = _planted()
    data = score_quiz(answers[:240], key).to_dict()
    assert set(data) == {"task", "pass_mark", "confidence", "questions", "annotators", "rules", "items",
                         "unknown_items", "notes"}
    assert set(data["annotators"][0]) == {"annotator", "correct", "answered", "accuracy", "ci", "questions",
                                          "status", "rules", "missed_items"}
    assert set(data["rules"][0]) >= {"rule", "title", "answered", "wrong", "miss_rate", "ci", "share"}
