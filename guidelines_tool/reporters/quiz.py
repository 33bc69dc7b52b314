"""Output of `quiz score`: text, json and md (a pull-request comment or a lead's report), by name."""

from __future__ import annotations

from guidelines_tool.quiz import QuizScore, Tally
from guidelines_tool.reporters.base import Reporter, registry
from guidelines_tool.reporters.impact import _align, _fit, _wrap
from guidelines_tool.reporters.output import json_text, md_cell

STATUS_WORDS = {"passed": "passed", "failed": "FAILED", "incomplete": "incomplete"}
TOP = 10  # rules listed in text and md; json lists every rule


def _more(missed: list) -> list[str]:
    more = len(missed) - TOP
    return [f"… and {more} more rule{'s' if more != 1 else ''} with wrong answers (--format json lists every rule)"] \
        if more > 0 else []


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _ci(tally_ci: tuple[float, float] | None) -> str:
    return f"[{tally_ci[0]:.0%}, {tally_ci[1]:.0%}]" if tally_ci else ""


def _fraction(tally: Tally) -> str:
    return f"{tally.correct}/{tally.answered}"


def _instead(pairs) -> str:
    return ", ".join(f"{labels} ×{n}" for labels, n in pairs[:3])


def weak_text(score_rules, limit: int = 4) -> str:
    """An annotator's rules with wrong answers: `PPS-004 (0/2), PPS-007 (1/2)`."""
    weak = [f"{rule} ({tally.correct}/{tally.answered})" for rule, tally in score_rules[:limit]]
    more = len(score_rules) - limit
    return ", ".join(weak) + (f" +{more}" if more > 0 else "")


def headline(score: QuizScore) -> str:
    passed = len(score.passed)
    n = len(score.annotators)
    return (f"task {score.task or '(from the answers)'}: {n} annotator{'s' if n != 1 else ''}, "
            f"{score.questions} questions, pass mark {score.pass_mark:.0%}: {passed} passed")


class QuizTextReporter(Reporter):
    """Who passed, each annotator's weak rules, then the rules most often missed (the rules to
    clarify) and the questions behind them. Laid out for 100 columns."""

    name = "text"

    def render(self, score: QuizScore) -> str:
        level = f"{score.confidence:.0%}"
        out = [headline(score), ""]
        rows = [("annotator", "right", "accuracy", f"{level} CI", "result", "rules missed")]
        rows += [(a.annotator, _fraction(a.overall), _pct(a.overall.accuracy), _ci(a.overall.ci),
                  STATUS_WORDS[a.status] + ("" if a.status != "incomplete" else f" ({a.overall.answered} of {a.questions})"),
                  weak_text(a.weak_rules)) for a in score.annotators]
        out += [_fit("  " + line) for line in _align(rows)]
        out += [""] + _wrap("Rules most often missed — the rules to clarify (wrong answers across annotators; "
                            "share: of all wrong answers):")
        missed = [r for r in score.rules if r.wrong]
        if missed:
            rows = [("rule", "wrong", "rate", f"{level} CI", "share", "annotators", "chosen instead", "title")]
            rows += [(r.rule, f"{r.wrong}/{r.answered}", _pct(r.miss_rate), _ci(r.ci), _pct(r.share),
                      f"{r.annotators} of {r.of_annotators}", _instead(r.chosen_instead), r.title) for r in missed[:TOP]]
            out += [_fit("  " + line) for line in _align(rows)] + ["  " + line for line in _more(missed)]
        else:
            out.append("  none: every answer was right")
        if score.items:
            out += ["", "Questions most often missed:"]
            rows = [("item", "rule", "answer", "wrong", "chosen instead")]
            rows += [(i.item, i.rule, i.answer, f"{i.wrong}/{i.answered}", _instead(i.chosen_instead))
                     for i in score.items]
            out += [_fit("  " + line) for line in _align(rows)]
        out += [""] * bool(score.notes) + [f"note: {note}" for note in score.notes]
        return "\n".join(out) + "\n"


class QuizJsonReporter(Reporter):
    """The score as JSON (what the site's quality page reads as `quiz.results`)."""

    name = "json"

    def render(self, score: QuizScore) -> str:
        return json_text(score.to_dict(), sort_keys=True) + "\n"


class QuizMarkdownReporter(Reporter):
    """Markdown tables: annotators, then the rules most often missed."""

    name = "md"

    def render(self, score: QuizScore) -> str:
        level = f"{score.confidence:.0%}"
        out = [f"### Quiz results — {md_cell(str(score.task or ''))}".rstrip(" —"), "", md_cell(headline(score)), "",
               f"| annotator | right | accuracy ({level} CI) | result | rules missed |", "|---|---|---|---|---|"]
        out += [f"| {md_cell(a.annotator)} | {_fraction(a.overall)} | {_pct(a.overall.accuracy)} {_ci(a.overall.ci)} "
                f"| {STATUS_WORDS[a.status]} | {md_cell(weak_text(a.weak_rules))} |" for a in score.annotators]
        out += ["", f"| rule to clarify | wrong | miss rate ({level} CI) | share of wrong answers | annotators "
                    "| chosen instead | title |", "|---|---|---|---|---|---|---|"]
        missed = [r for r in score.rules if r.wrong]
        out += [f"| `{md_cell(r.rule)}` | {r.wrong}/{r.answered} | {_pct(r.miss_rate)} {_ci(r.ci)} | {_pct(r.share)} "
                f"| {r.annotators} of {r.of_annotators} | {md_cell(_instead(r.chosen_instead))} | {md_cell(r.title)} |"
                for r in missed[:TOP]]
        out += ["", *_more(missed)] if len(missed) > TOP else []
        out += [""] + [f"> {md_cell(note)}" for note in score.notes]
        return "\n".join(out).rstrip("\n") + "\n"


QUIZ_SCORE_REPORTERS = registry(QuizTextReporter, QuizJsonReporter, QuizMarkdownReporter)
