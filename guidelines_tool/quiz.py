"""Quizzes built from the rules, and their scores. Pure: rules → questions; answers + key → scores.

Every rule already carries the training material: its examples, its near misses (counterexamples:
inputs that look alike but get another label — the valuable questions) and its resolved ambiguous
cases (a case with a `label` is a question; its resolution is the why). Each question knows its
answer, the rule that decides it and why, so feedback can quote the rule.

- Only active rules are asked about; an example with `quiz: false` never is.
- Item ids are stable (`q-` and a hash of the task, rule, kind, input and media): the same
  question keeps its id from build to build and release to release, and the id does not give
  the answer away.
- The same input asked twice in a task is asked once; asked twice with different answers, it is
  left out (two rules contradict each other: a lint matter, not a fair question) with a note.
- `size` samples with every active rule covered: one question per rule first (near misses and
  ambiguous cases preferred), the rest drawn with near misses weighted twice.
- Against a baseline release: a question whose rule changed its `decision` since then is marked,
  and a refresher keeps only what changed (new rules, rules whose meaning changed, and new or
  relabelled questions), for annotators who learned that release.

Scores: each annotator's accuracy overall and per rule with a Wilson interval, who passes the
project's `quiz.pass_mark` (an incomplete quiz neither passes nor fails), and the rules and items
most often missed across annotators — the rules to clarify, as `hotspots` lists them.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from statistics import NormalDist
from typing import Any, Iterable, Literal, Mapping, Sequence

from guidelines_tool.errors import GuidelinesError
from guidelines_tool.model import Project, Rule, Source

Kind = Literal["example", "near_miss", "ambiguous"]
KIND_OF_FIELD: dict[str, Kind] = {"examples": "example", "counterexamples": "near_miss",
                                  "ambiguous_cases": "ambiguous"}
KIND_WORDS: dict[str, str] = {"example": "example", "near_miss": "near miss", "ambiguous": "ambiguous case"}
# Near misses and resolved ambiguous cases teach the boundary: drawn first and twice as often.
WEIGHT: dict[str, float] = {"near_miss": 2.0, "ambiguous": 2.0, "example": 1.0}
CHANGE_WORDS: dict[str, str] = {"new": "new rule", "decision": "decision changed", "changed": "rule changed",
                                "question": "new question"}


class QuizError(GuidelinesError):
    """A quiz cannot be built or scored as asked (exit 2)."""


@dataclass(frozen=True)
class Question:
    """One quiz question: what is shown (`input`, and `media` when the item is a picture) and its key."""

    item: str
    task: str
    rule: str
    rule_title: str
    kind: Kind
    input: str
    answer: tuple[str, ...]
    why: str = ""
    media: str = ""  # a path or URL as written in the rule (an `input` that names a file is here too)
    source: Source = field(default=Source(""), compare=False)
    change: str = ""  # against the baseline release: "", new, decision, changed, question
    index: int = 0  # position in its rule field (examples[index], ...)

    @property
    def marked(self) -> bool:
        """The rule's decision changed since the baseline release: what annotators learned is wrong now."""
        return self.change == "decision"

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "task": self.task, "rule": self.rule, "rule_title": self.rule_title,
                "kind": self.kind, "input": self.input, "media": self.media or None,
                "answer": list(self.answer), "why": self.why, "change": self.change or None,
                "source": f"{self.source.path}", "field": _field_of(self.kind), "index": self.index}


def _field_of(kind: str) -> str:
    return {value: key for key, value in KIND_OF_FIELD.items()}[kind]


@dataclass(frozen=True)
class Quiz:
    """The questions of one task's quiz, in the order they are asked."""

    task: str
    title: str
    labels: tuple[tuple[str, str], ...]  # (id, name) in the task's order: the options
    multi_label: bool
    questions: tuple[Question, ...]
    rules_covered: tuple[str, ...]  # active rules with a question in the quiz
    rules_without_questions: tuple[str, ...]  # active rules that have nothing to ask
    baseline: str | None = None  # the release changes are measured against
    refresher: bool = False
    seed: int = 0
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, "title": self.title, "multi_label": self.multi_label,
                "labels": [{"id": i, "name": n} for i, n in self.labels],
                "baseline": self.baseline, "refresher": self.refresher, "seed": self.seed,
                "rules_covered": list(self.rules_covered),
                "rules_without_questions": list(self.rules_without_questions),
                "questions": [q.to_dict() for q in self.questions], "notes": list(self.notes)}


# --- questions from rules --------------------------------------------------------------------


def item_id(task: str, rule: str, kind: str, text: str, media: str) -> str:
    """A question's stable id: the same question keeps it; it says nothing about the answer."""
    digest = hashlib.sha256("\x00".join((task, rule, kind, text, media)).encode("utf-8", "surrogatepass"))
    return "q-" + digest.hexdigest()[:10]


def rule_questions(rule: Rule) -> list[Question]:
    """Every question a rule can be asked with: examples, near misses, labelled ambiguous cases.

    An example whose `input` itself names a file carries it as `media` (with no text to show)."""
    from guidelines_tool.docs.assets import classify

    out = []
    for field_name in ("examples", "counterexamples"):
        kind = KIND_OF_FIELD[field_name]
        for index, example in enumerate(getattr(rule, field_name)):
            labels = tuple(label for label in example.labels if label)
            if not example.quiz or not labels:
                continue
            text, media = example.input.strip(), example.media.strip()
            if not media and classify(text, rule.source.path) is not None:
                text, media = "", text
            if not text and not media:
                continue
            out.append(Question(item_id(rule.task, rule.id, kind, text, media), rule.task, rule.id, rule.title,
                                kind, text, labels, example.why, media, example.source, index=index))
    for index, case in enumerate(rule.ambiguous_cases):
        labels = tuple(label for label in case.labels if label)
        if not case.quiz or not labels or not case.case.strip():
            continue
        text = case.case.strip()
        out.append(Question(item_id(rule.task, rule.id, "ambiguous", text, ""), rule.task, rule.id, rule.title,
                            "ambiguous", text, labels, case.resolution, "", case.source, index=index))
    return out


@dataclass(frozen=True)
class TaskQuestions:
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]  # the task's active rules, by id
    notes: tuple[str, ...] = ()


def task_questions(project: Project, task_id: str) -> TaskQuestions:
    """All questions of a task's active rules, in rule order, each input asked once."""
    rules = tuple(sorted((r for r in project.rules_of(task_id) if r.status == "active"), key=lambda r: r.id))
    notes: list[str] = []
    unlabelled = sum(1 for rule in rules for case in rule.ambiguous_cases if case.quiz and not case.labels)
    if unlabelled:
        notes.append(f"{unlabelled} ambiguous case{'s' if unlabelled != 1 else ''} without a `label` "
                     "left out (give a case the label its resolution gives to ask it)")
    by_input: dict[tuple[str, str], list[Question]] = defaultdict(list)
    ordered: list[Question] = []
    for rule in rules:
        for question in rule_questions(rule):
            key = (" ".join(question.input.split()).casefold(), question.media)
            if not by_input[key]:
                ordered.append(question)
            by_input[key].append(question)
    kept = []
    for question in ordered:
        same = by_input[(" ".join(question.input.split()).casefold(), question.media)]
        answers = {frozenset(q.answer) for q in same}
        if len(answers) > 1:
            where = ", ".join(f"{q.rule} ({'; '.join(q.answer)})" for q in same)
            notes.append(f"{_shown(question)} is given different labels by {where}: left out of the quiz")
            continue
        kept.append(question)
    return TaskQuestions(tuple(kept), rules, tuple(notes))


def _shown(question: Question) -> str:
    text = question.input or question.media
    return repr(text if len(text) <= 60 else text[:57] + "...")


# --- changes since a release ----------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """A release the annotators learned: its tag and its rules (id → Rule)."""

    tag: str
    rules: Mapping[str, Rule]


MEANING_FIELDS = ("decision", "when", "unless", "labels", "overrides", "status")


def rule_changes(rules: Iterable[Rule], baseline: Baseline) -> dict[str, str]:
    """Rule id → how it changed since the baseline: new, decision (its decision changed), changed
    (its condition, exceptions, labels or overrides changed); unchanged rules are left out."""
    out = {}
    for rule in rules:
        before = baseline.rules.get(rule.id)
        if before is None:
            out[rule.id] = "new"
        elif before.decision != rule.decision:
            out[rule.id] = "decision"
        elif any(_meaning(getattr(before, name)) != _meaning(getattr(rule, name)) for name in MEANING_FIELDS):
            out[rule.id] = "changed"
    return out


def _meaning(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, tuple):
        return tuple(_meaning(v) for v in value)
    return value


def mark_changes(questions: Sequence[Question], rules: Iterable[Rule], baseline: Baseline | None) -> list[Question]:
    """Each question with its `change` against the baseline: its rule's change, else `question`
    when the baseline's version of the rule did not ask it (a new or relabelled example)."""
    if baseline is None:
        return list(questions)
    changes = rule_changes(rules, baseline)
    asked_before: dict[str, set] = {}
    out = []
    for question in questions:
        change = changes.get(question.rule, "")
        if not change:
            if question.rule not in asked_before:
                asked_before[question.rule] = {(q.item, q.answer) for q in rule_questions(baseline.rules[question.rule])}
            if (question.item, question.answer) not in asked_before[question.rule]:
                change = "question"
        out.append(replace(question, change=change))
    return out


# --- the quiz ---------------------------------------------------------------------------------


def build_quiz(project: Project, task_id: str, *, size: int | None = None, seed: int = 0,
               baseline: Baseline | None = None, refresher: bool = False) -> Quiz:
    """One task's quiz: every question (shuffled), or `size` of them covering every active rule.

    With `baseline`, questions are marked with their change since that release; `refresher`
    keeps only the changed ones (it needs a baseline)."""
    import numpy as np

    task = project.tasks.get(task_id)
    if task is None:
        known = ", ".join(sorted(project.tasks)) or "none"
        raise QuizError(f"no task {task_id!r} in the project (tasks: {known})")
    found = task_questions(project, task_id)
    notes = list(found.notes)
    questions = list(found.questions)
    if baseline is not None:
        questions = mark_changes(questions, found.rules, baseline)
    elif refresher:
        raise QuizError("a refresher quiz needs the release to compare with (--since)")
    if refresher:
        questions = [q for q in questions if q.change]
        if not questions:
            raise QuizError(f"nothing to practise: no rule of task {task_id} changed since {baseline.tag}"
                            " in a way a question shows")
    with_questions = sorted({q.rule for q in questions})
    rules_considered = [r.id for r in found.rules if not refresher or r.id in with_questions]
    without = tuple(r for r in rules_considered if r not in with_questions)
    if not questions:
        raise QuizError(f"task {task_id} has no questions to ask: its active rules have no examples, "
                        "near misses or labelled ambiguous cases")
    rng = np.random.default_rng(seed)
    if size is not None:
        questions = _sample(questions, size, rng)
    order = rng.permutation(len(questions))
    questions = [questions[i] for i in order]
    return Quiz(task.id, task.title, tuple((label.id, label.name) for label in task.labels), task.multi_label,
                tuple(questions), tuple(sorted({q.rule for q in questions})), without,
                baseline.tag if baseline else None, refresher, seed, tuple(notes))


def _sample(questions: list[Question], size: int, rng: Any) -> list[Question]:
    """`size` questions with every rule covered: one per rule (near misses preferred), then the
    rest drawn with near misses and ambiguous cases weighted twice."""
    import numpy as np

    if size < 1:
        raise QuizError("--size must be at least 1")
    rules = sorted({q.rule for q in questions})
    if size < len(rules):
        raise QuizError(f"--size {size} cannot cover the {len(rules)} active rules that have questions: "
                        f"use --size {len(rules)} or more (or leave --size out for every question)")
    if size >= len(questions):
        return list(questions)
    chosen: list[int] = []
    for rule in rules:
        mine = [i for i, q in enumerate(questions) if q.rule == rule]
        best = max(WEIGHT[questions[i].kind] for i in mine)
        preferred = [i for i in mine if WEIGHT[questions[i].kind] == best]
        chosen.append(preferred[int(rng.integers(len(preferred)))])
    rest = [i for i in range(len(questions)) if i not in set(chosen)]
    weights = np.array([WEIGHT[questions[i].kind] for i in rest])
    extra = rng.choice(len(rest), size=size - len(chosen), replace=False, p=weights / weights.sum())
    picked = sorted(chosen + [rest[int(k)] for k in extra])
    return [questions[i] for i in picked]


# --- scoring ----------------------------------------------------------------------------------


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float] | None:
    """Wilson score interval of a proportion (None for n = 0): sound at small n and at 0 or n
    successes, where the normal interval collapses to a point."""
    if n <= 0:
        return None
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class KeyItem:
    """One question's key: the right labels, the deciding rule, and the task."""

    labels: tuple[str, ...]
    rule: str = ""
    task: str = ""


@dataclass(frozen=True)
class Answer:
    annotator: str
    item: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Tally:
    """Right answers out of answered ones, with a Wilson interval."""

    correct: int
    answered: int
    ci: tuple[float, float] | None

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answered if self.answered else None

    def to_dict(self) -> dict[str, Any]:
        return {"correct": self.correct, "answered": self.answered, "accuracy": _round(self.accuracy),
                "ci": [_round(v) for v in self.ci] if self.ci else None}


@dataclass(frozen=True)
class AnnotatorScore:
    annotator: str
    overall: Tally
    questions: int  # in the quiz
    status: Literal["passed", "failed", "incomplete"]
    rules: tuple[tuple[str, Tally], ...]  # per rule, rule id order
    missed: tuple[str, ...]  # items answered wrongly

    def to_dict(self) -> dict[str, Any]:
        return {"annotator": self.annotator, **self.overall.to_dict(), "questions": self.questions,
                "status": self.status, "rules": {rule: tally.to_dict() for rule, tally in self.rules},
                "missed_items": list(self.missed)}

    @property
    def weak_rules(self) -> list[tuple[str, Tally]]:
        """Rules this annotator got wrong at least once, the worst first."""
        return sorted(((r, t) for r, t in self.rules if t.correct < t.answered),
                      key=lambda rt: (rt[1].accuracy, -rt[1].answered, rt[0]))


@dataclass(frozen=True)
class MissedRule:
    """A rule across annotators: its answers, how many were wrong, and what was chosen instead."""

    rule: str
    title: str
    answered: int
    wrong: int
    ci: tuple[float, float] | None  # of the miss rate
    share: float  # of all wrong answers
    annotators: int  # who missed it at least once
    of_annotators: int  # who answered it
    chosen_instead: tuple[tuple[str, int], ...]  # wrong answers, most common first

    @property
    def miss_rate(self) -> float:
        return self.wrong / self.answered if self.answered else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "title": self.title, "answered": self.answered, "wrong": self.wrong,
                "miss_rate": _round(self.miss_rate), "ci": [_round(v) for v in self.ci] if self.ci else None,
                "share": _round(self.share), "annotators_missing": self.annotators,
                "annotators_answering": self.of_annotators,
                "chosen_instead": [{"labels": k, "n": n} for k, n in self.chosen_instead]}


@dataclass(frozen=True)
class MissedItem:
    item: str
    rule: str
    answer: str
    answered: int
    wrong: int
    chosen_instead: tuple[tuple[str, int], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "rule": self.rule, "answer": self.answer, "answered": self.answered,
                "wrong": self.wrong, "chosen_instead": [{"labels": k, "n": n} for k, n in self.chosen_instead]}


@dataclass(frozen=True)
class QuizScore:
    task: str | None
    pass_mark: float
    confidence: float
    questions: int
    annotators: tuple[AnnotatorScore, ...]
    rules: tuple[MissedRule, ...]  # every rule answered, most missed first
    items: tuple[MissedItem, ...]  # questions missed at least once, most missed first
    unknown_items: int = 0  # answers to items the key does not have
    notes: tuple[str, ...] = ()

    @property
    def passed(self) -> list[str]:
        return [a.annotator for a in self.annotators if a.status == "passed"]

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, "pass_mark": self.pass_mark, "confidence": self.confidence,
                "questions": self.questions, "annotators": [a.to_dict() for a in self.annotators],
                "rules": [r.to_dict() for r in self.rules], "items": [i.to_dict() for i in self.items],
                "unknown_items": self.unknown_items, "notes": list(self.notes)}


def score_quiz(answers: Iterable[Answer], key: Mapping[str, KeyItem], *, pass_mark: float = 0.8,
               confidence: float = 0.95, titles: Mapping[str, str] | None = None,
               task: str | None = None, top: int = 10) -> QuizScore:
    """Score every annotator's answers against the key (see the module docstring)."""
    if not key:
        raise QuizError("the answer key (gold) holds no questions")
    if not 0 <= pass_mark <= 1:
        raise QuizError(f"the pass mark is a share of right answers between 0 and 1, not {pass_mark}")
    titles = titles or {}
    by_annotator: dict[str, dict[str, tuple[str, ...]]] = defaultdict(dict)
    unknown = 0
    for answer in answers:
        if answer.item not in key:
            unknown += 1
            continue
        by_annotator[answer.annotator][answer.item] = tuple(sorted(answer.labels))
    if not by_annotator:
        raise QuizError("no answer matches a question of the key: are the answers and the gold from the same quiz?")
    rule_wrong: Counter = Counter()
    rule_answered: Counter = Counter()
    rule_instead: dict[str, Counter] = defaultdict(Counter)
    rule_people: dict[str, set] = defaultdict(set)
    rule_missers: dict[str, set] = defaultdict(set)
    item_answered: Counter = Counter()
    item_instead: dict[str, Counter] = defaultdict(Counter)
    scores = []
    for annotator in sorted(by_annotator):
        given = by_annotator[annotator]
        per_rule: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        missed = []
        for item in sorted(given):
            truth = key[item]
            right = given[item] == tuple(sorted(truth.labels))
            counts = per_rule[truth.rule]
            counts[0] += right
            counts[1] += 1
            rule_answered[truth.rule] += 1
            rule_people[truth.rule].add(annotator)
            item_answered[item] += 1
            if not right:
                missed.append(item)
                chosen = ";".join(given[item]) or "(none)"
                rule_wrong[truth.rule] += 1
                rule_instead[truth.rule][chosen] += 1
                rule_missers[truth.rule].add(annotator)
                item_instead[item][chosen] += 1
        correct = sum(c for c, _ in per_rule.values())
        overall = Tally(correct, len(given), wilson(correct, len(given), confidence))
        if len(given) < len(key):
            status = "incomplete"
        else:
            status = "passed" if overall.accuracy >= pass_mark - 1e-12 else "failed"
        rules = tuple((rule, Tally(c, n, wilson(c, n, confidence))) for rule, (c, n) in sorted(per_rule.items()))
        scores.append(AnnotatorScore(annotator, overall, len(key), status, rules, tuple(missed)))
    total_wrong = sum(rule_wrong.values())
    rules_out = [
        MissedRule(rule, titles.get(rule, ""), rule_answered[rule], rule_wrong[rule],
                   wilson(rule_wrong[rule], rule_answered[rule], confidence),
                   rule_wrong[rule] / total_wrong if total_wrong else 0.0, len(rule_missers[rule]),
                   len(rule_people[rule]), tuple(sorted(rule_instead[rule].items(), key=lambda kv: (-kv[1], kv[0]))))
        for rule in rule_answered
    ]
    # the most missed first: by miss rate, then by how many missed it, then by the evidence (answers)
    rules_out.sort(key=lambda r: (-r.miss_rate, -r.wrong, -r.answered, r.rule))
    items_out = [
        MissedItem(item, key[item].rule, ";".join(key[item].labels), item_answered[item],
                   sum(item_instead[item].values()),
                   tuple(sorted(item_instead[item].items(), key=lambda kv: (-kv[1], kv[0]))))
        for item in item_instead
    ]
    items_out.sort(key=lambda i: (-i.wrong / i.answered, -i.wrong, i.item))
    notes = []
    if unknown:
        notes.append(f"{unknown} answer{'s' if unknown != 1 else ''} to items the key does not have were ignored "
                     "(answers from another quiz, or a different gold file?)")
    return QuizScore(task, pass_mark, confidence, len(key), tuple(scores), tuple(rules_out),
                     tuple(items_out[:top]), unknown, tuple(notes))


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)
