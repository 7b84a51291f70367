"""Promises every result keeps, whatever the (valid) answers.

Hypothesis generates answer sets from the catalogue; every result must be
free of diagnosis-like wording, fully cited, fully rendered, reproducible,
grounded in the answers actually given, and ordered with urgent notices first.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings

from rules.answers import chosen
from rules.content import LEVELS, catalogue
from rules.engine import FALLBACK, Result, evaluate, evaluate_naive
from rules.language import FORBIDDEN, problems
from tests.answer_sets import valid_answers

# --- The promises, one check each ------------------------------------------------------


def check_wording(result: Result) -> None:
    for s in result.statements:
        assert problems(s.title) == [], (s.id, "title", problems(s.title))
        assert problems(s.text) == [], (s.id, "text", problems(s.text))


def check_citations(result: Result) -> None:
    passages = catalogue().passages
    for s in result.statements:
        assert s.citations, f"{s.id} has no citation"
        unknown = [pid for pid in s.citations if pid not in passages]
        assert not unknown, (s.id, unknown)


def check_rendered(result: Result) -> None:
    for s in result.statements:
        assert "{" not in s.text and "}" not in s.text, (s.id, s.text)
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
    # Reproducible: the pooled engine, reset and reused, gives the same result.
    assert evaluate(answers).to_dict() == result.to_dict()


@settings(max_examples=100, deadline=None, derandomize=True)
@given(valid_answers())
def test_a_reused_engine_gives_what_a_fresh_engine_gives(answers):
    assert evaluate(answers).to_dict() == evaluate_naive(answers).to_dict()


# --- The never-a-diagnosis checker itself ------------------------------------------------

FORBIDDEN_EXAMPLES = [
    "You have bone marrow edema.",
    "You've got a stress fracture.",
    "You’ve got a stress fracture.",  # a typographic apostrophe
    "You may have osteonecrosis.",
    "You could have a stress fracture.",
    "You are suffering from arthritis.",
    "This is likely BME.",
    "Infection is unlikely.",
    "It is probably transient osteoporosis.",
    "The chances of a fracture are small.",
    "The odds favour an injury.",
    "Your answers are consistent with osteonecrosis.",
    "This pattern is suggestive of bone marrow edema syndrome.",
    "Your pain suggests that you need an MRI.",
    "Your diagnosis is bone marrow edema.",
    "You were diagnosed with osteoporosis.",
    "People diagnosed with BMES recover.",
    "We diagnose bone marrow edema from your answers.",
    "The diagnosis for you is BMES.",
    "You are at high risk of a fracture.",
    "You're at risk of osteonecrosis.",
    "Your risk is raised.",
    "40% of cases are in men.",
    "Ten percent of people need surgery.",
    "Your risk score is 7.",
    "The most probable cause is an injury.",
    "Here are the top causes of your pain.",
    "1. Osteonecrosis",
    "Possible causes:\n2) Injury",
    "#1 Osteonecrosis",
    "Injury is the first most common cause for you.",
]

SAFE_EXAMPLES = [
    "You said you take steroid tablets.",
    "You told us about pain in the knee and the hip or groin.",
    "The sources list osteoarthritis among the causes of bone marrow edema.",
    "One source says men between 30 and 60.",
    "Contact a clinician promptly, today if you can.",
    "Tell your clinician how long the pain has lasted.",
    "Only a clinician can say what is behind your pain.",
    "Symptoms often go in 4 to 12 months.",
]


@pytest.mark.parametrize("sentence", FORBIDDEN_EXAMPLES)
def test_forbidden_phrasings_are_flagged(sentence):
    assert problems(sentence), sentence


@pytest.mark.parametrize("pattern", [p for p, _ in FORBIDDEN])
def test_every_forbidden_pattern_has_an_example(pattern):
    rx = re.compile(pattern, re.IGNORECASE)
    assert any(rx.search(s.replace("’", "'")) for s in FORBIDDEN_EXAMPLES), pattern


@pytest.mark.parametrize("sentence", SAFE_EXAMPLES)
def test_safe_sentences_are_not_flagged(sentence):
    assert problems(sentence) == []
