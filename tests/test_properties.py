"""Promises every result keeps, whatever the (valid) answers.

Hypothesis generates answer sets from the catalogue; every result must be
free of diagnosis-like wording, fully cited, fully rendered, reproducible,
grounded in the answers actually given, and ordered with urgent notices first.
"""

from __future__ import annotations

from hypothesis import given, settings

from rules.answers import chosen
from rules.content import LEVELS, catalogue
from rules.engine import evaluate, evaluate_naive
from rules.language import check
from rules.results import Result
from rules.wording import FALLBACK
from tests.answer_sets import valid_answers

# --- The promises, one check each ------------------------------------------------------


def check_wording(result: Result) -> None:
    """No diagnosis, and every sentence in one of the allowed frames (rules/language.py)."""
    for s in result.statements:
        assert check(s.title, title=True) == [], (s.id, "title", check(s.title, title=True))
        assert check(s.text) == [], (s.id, "text", check(s.text))


def check_citations(result: Result) -> None:
    passages = catalogue().passages
    for s in result.statements:
        assert s.citations, f"{s.id} has no citation"
        unknown = [pid for pid in s.citations if pid not in passages]
        assert not unknown, (s.id, unknown)


def check_rendered(result: Result) -> None:
    for s in result.statements:
        assert not set("{}[]") & set(s.text), (s.id, s.text)
        assert FALLBACK not in s.text, (s.id, s.text)


def check_rests_on_given_answers(result: Result, answers: dict) -> None:
    for s in result.statements:
        for question_id, value in s.rests_on:
            assert value in chosen(answers, question_id), (s.id, question_id, value)


def check_urgent_first(result: Result) -> None:
    levels = [s.level for s in result.statements]
    assert all(level in LEVELS for level in levels), levels
    urgent = [n for n, level in enumerate(levels) if level == "urgent"]
    assert urgent == list(range(len(urgent))), levels


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(valid_answers())
def test_every_result_keeps_its_promises(answers):
    result = evaluate(answers)  # never raises on valid answers
    check_wording(result)
    check_citations(result)
    check_rendered(result)
    check_rests_on_given_answers(result, answers)
    check_urgent_first(result)
    # The web app reads the patterns to decide when to interrupt (webapp/patient.py):
    # the engine makes a notice exactly when its pattern applies.
    urgent = {s.id for s in result.statements if s.level == "urgent"}
    assert urgent == {w.id for w in catalogue().warnings.values() if w.applies(answers)}
    # Reproducible: the pooled engine, reset and reused, gives the same result.
    assert evaluate(answers).to_dict() == result.to_dict()


@settings(max_examples=100, deadline=None, derandomize=True)
@given(valid_answers())
def test_a_reused_engine_gives_what_a_fresh_engine_gives(answers):
    assert evaluate(answers).to_dict() == evaluate_naive(answers).to_dict()
