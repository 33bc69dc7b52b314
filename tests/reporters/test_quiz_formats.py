"""`guidelines quiz score`'s text and Markdown, written out whole for small scores made by
score_quiz from real answers (the CLI tests assert the headline and the JSON): every column, the
'none' line, the plural of the headline, the cut at ten rules and four weak rules (cases for
one-line mutants of reporters/quiz.py)."""

from __future__ import annotations

from guidelines_tool.quiz import Answer, KeyItem, Tally, score_quiz
from guidelines_tool.reporters import quiz as rq

KEY = {f"q{i}": KeyItem(("a",), rule=f"R-{i}", task="pps") for i in range(1, 4)}
TITLES = {"R-1": "One", "R-2": "Two | pipe", "R-3": "Three"}


def small_score():
    answers = [Answer("ann", q, ("a",)) for q in KEY]  # all right: passed
    answers += [Answer("ben", "q1", ("b",)), Answer("ben", "q2", ("c",)), Answer("ben", "q3", ("a",))]  # failed
    answers += [Answer("cy", "q1", ("b",))]  # one of three: incomplete
    return score_quiz(answers, KEY, pass_mark=0.75, titles=TITLES, task="pps")


def render(name: str, score) -> str:
    return rq.QUIZ_SCORE_REPORTERS[name]().render(score)


def test_text_whole():
    assert render("text", small_score()) == """\
task pps: 3 annotators, 3 questions, pass mark 75%: 1 passed

  annotator  right  accuracy  95% CI       result               rules missed
  ann        3/3    100%      [44%, 100%]  passed
  ben        1/3    33%       [6%, 79%]    FAILED               R-1 (0/1), R-2 (0/1)
  cy         0/1    0%        [0%, 79%]    incomplete (1 of 3)  R-1 (0/1)

Rules most often missed — the rules to clarify (wrong answers across annotators; share: of all wrong
answers):
  rule  wrong  rate  95% CI      share  annotators  chosen instead  title
  R-1   2/3    67%   [21%, 94%]  67%    2 of 3      b ×2            One
  R-2   1/2    50%   [9%, 91%]   33%    1 of 2      c ×1            Two | pipe

Questions most often missed:
  item  rule  answer  wrong  chosen instead
  q1    R-1   a       2/3    b ×2
  q2    R-2   a       1/2    c ×1
"""


def test_markdown_whole():
    assert render("md", small_score()) == """\
### Quiz results — pps

task pps: 3 annotators, 3 questions, pass mark 75%: 1 passed

| annotator | right | accuracy (95% CI) | result | rules missed |
|---|---|---|---|---|
| ann | 3/3 | 100% [44%, 100%] | passed |  |
| ben | 1/3 | 33% [6%, 79%] | FAILED | R-1 (0/1), R-2 (0/1) |
| cy | 0/1 | 0% [0%, 79%] | incomplete | R-1 (0/1) |

| rule to clarify | wrong | miss rate (95% CI) | share of wrong answers | annotators | chosen instead | title |
|---|---|---|---|---|---|---|
| `R-1` | 2/3 | 67% [21%, 94%] | 67% | 2 of 3 | b ×2 | One |
| `R-2` | 1/2 | 50% [9%, 91%] | 33% | 1 of 2 | c ×1 | Two \\| pipe |
"""


def test_all_right_one_annotator_no_task():
    score = score_quiz([Answer("ann", q, ("a",)) for q in KEY], KEY, pass_mark=0.75)
    text = render("text", score).splitlines()
    assert text[0] == "task (from the answers): 1 annotator, 3 questions, pass mark 75%: 1 passed"
    assert text[-1] == "  none: every answer was right" and "Questions most often missed:" not in text
    md = render("md", score).splitlines()
    assert md[:3] == ["### Quiz results", "", "task (from the answers): 1 annotator, 3 questions, pass mark 75%: 1 passed"]
    assert md[-2:] == ["| rule to clarify | wrong | miss rate (95% CI) | share of wrong answers | annotators "
                       "| chosen instead | title |", "|---|---|---|---|---|---|---|"]


def test_ten_rules_listed_then_how_many_more_and_notes():
    key = {f"q{i:02}": KeyItem(("a",), rule=f"R-{i:02}", task="pps") for i in range(1, 13)}
    answers = [Answer("ben", q, ("b",)) for q in key] + [Answer("ben", "elsewhere", ("a",))]
    score = score_quiz(answers, key, task="pps")
    more = "… and 2 more rules with wrong answers (--format json lists every rule)"
    note = ("1 answer to items the key does not have were ignored (answers from another quiz, or a different "
            "gold file?)")
    text = render("text", score).splitlines()
    listed = text[text.index("Questions most often missed:") - 3]
    assert listed.split()[0] == "R-10" and text[text.index("Questions most often missed:") - 2] == "  " + more
    assert text[-2:] == ["", f"note: {note}"]
    md = render("md", score).splitlines()
    assert sum(line.startswith("| `R-") for line in md) == 10
    assert md[-4:] == ["", more, "", f"> {note}"]
    assert "ben | 0/12 | 0% " in render("md", score) and "R-04 (0/1) +8 |" in render("md", score)


def test_helpers_at_their_limits():
    assert rq._more(list(range(10))) == [] and rq._more(list(range(11))) == [
        "… and 1 more rule with wrong answers (--format json lists every rule)"]
    assert rq._pct(None) == "–" and rq._pct(0.5) == "50%" and rq._ci(None) == "" and rq._ci((0.1, 0.25)) == "[10%, 25%]"
    assert rq._instead([("b", 3), ("c", 2), ("d", 1), ("e", 1)]) == "b ×3, c ×2, d ×1"
    tally = Tally(0, 1, None)
    four = [(f"R-{i}", tally) for i in range(4)]
    assert rq.weak_text(four) == "R-0 (0/1), R-1 (0/1), R-2 (0/1), R-3 (0/1)"
    assert rq.weak_text(four + [("R-4", tally)]) == "R-0 (0/1), R-1 (0/1), R-2 (0/1), R-3 (0/1) +1"
    assert rq.weak_text(four, limit=2) == "R-0 (0/1), R-1 (0/1) +2"


def test_markdown_with_exactly_ten_rules_missed_has_no_more_line():
    key = {f"q{i:02}": KeyItem(("a",), rule=f"R-{i:02}", task="pps") for i in range(1, 11)}
    score = score_quiz([Answer("ben", q, ("b",)) for q in key] + [Answer("ben", "elsewhere", ("a",))], key, task="pps")
    md = render("md", score).splitlines()
    assert md[-3].startswith("| `R-10` |") and md[-2:] == ["", "> " + score.notes[0]]


def test_json_keys_sorted():
    import json

    text = render("json", small_score())
    data = json.loads(text)
    assert list(data) == sorted(data) and list(data["annotators"][0]) == sorted(data["annotators"][0])
    assert data["task"] == "pps" and [a["status"] for a in data["annotators"]] == ["passed", "failed", "incomplete"]
    assert text.endswith("}\n")
