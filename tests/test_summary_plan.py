"""The shape of a summary (rules/summary.py): what to do now, key points, the rest.

Over thousands of generated answer sets, and on hand-made stored results.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from rules.content import catalogue
from rules.engine import evaluate
from rules.kb import safety
from rules.summary import KEY_POINTS, KEY_WORDS, explain_terms, glossary, plan

from .answer_sets import long_case, valid_answers

CORE = "about_bme"


def check_shape(result) -> None:
    cat = catalogue()
    stored = result.to_dict()
    shape = plan(stored)
    ids = [s["id"] for s in shape.reading_order()]
    # Every statement once, nothing added.
    assert sorted(ids) == sorted(result.statement_ids)
    # One instruction, decided by the engine: the emergency department now when a notice
    # says so; else the soonest time a notice gives (today; "by the soonest time given
    # below" when it depends on what the person finds out; today or tomorrow); else
    # the visit.
    kinds = {s["id"].removeprefix("urgent_") for s in shape.urgent}
    if not shape.urgent:
        first = "next_step_visit"
    elif shape.go_now:
        first = "next_step_emergency"
    elif kinds & set(safety.TODAY_KINDS):
        first = "next_step_today"
    elif kinds & set(safety.TIME_GIVEN_KINDS):
        first = "next_step_time_given"
    else:
        first = "next_step_soon"  # every notice says today or tomorrow
    assert [s["id"] for s in shape.next_step] == [first]
    # The engine says "go now" exactly when a notice does (warnings.toml), which comes first.
    assert shape.go_now == any(cat.warnings[s["id"]].emergency for s in shape.urgent)
    assert not shape.go_now or cat.warnings[shape.urgent[0]["id"]].emergency
    assert all(s["level"] == "urgent" for s in shape.urgent)
    # Key points: the core message first, at most six, ranked, within the word budget.
    keys = [s["id"] for s in shape.key_points]
    assert keys[0] == CORE
    assert len(keys) <= KEY_POINTS
    ranks = [cat.statements[k].rank for k in keys]
    assert all(ranks) and ranks == sorted(ranks)
    # The budget counts the statements' own words (the glossary's come on top).
    texts = {s["id"]: s["text"] for s in stored["statements"]}
    assert len(keys) == 1 or sum(len(texts[k].split()) for k in keys) <= KEY_WORDS
    # No ranked statement left out while a lower-ranked one is in.
    left = [cat.statements[s["id"]].rank for s in shape.more if cat.statements[s["id"]].rank]
    assert not left or min(left) >= max(ranks)
    spine = "spine" in stored["answers"].get("pain_sites", [])
    assert [s["id"] for s in shape.end] == ["safety_net_spine" if spine else "safety_net"]


@settings(max_examples=400, deadline=None, derandomize=True)
@given(valid_answers())
def test_every_summary_has_its_shape(answers):
    check_shape(evaluate(answers))


def test_the_long_case_has_its_shape():
    check_shape(evaluate(long_case()))


def test_without_answers_the_core_message_is_still_a_key_point():
    shape = plan(evaluate({}).to_dict())
    assert [s["id"] for s in shape.key_points][:1] == [CORE]
    text = shape.key_points[0]["text"]
    assert all(word in text for word in ("MRI", "X-rays", "CT", "Only a clinician"))


def test_a_stored_statement_the_knowledge_base_no_longer_has_goes_under_more():
    stored = evaluate({"fever": "yes"}).to_dict()
    retired = {"id": "retired_topic", "level": "discuss", "title": "Old", "text": "Old words."}
    old_notice = {"id": "urgent_retired", "level": "urgent", "title": "Old notice", "text": "x"}
    stored["statements"] += [retired, old_notice]
    shape = plan(stored)
    assert retired in shape.more
    assert old_notice in shape.urgent


# --- Terms explained on first use -------------------------------------------------------


def test_a_term_is_explained_once_at_its_first_use():
    mri = next(t for t in glossary() if t.term == "MRI")
    explained: set[str] = set()
    first = explain_terms("Ask about an MRI scan.", explained)
    assert first == f"Ask about an MRI scan ({mri.explain})."
    assert explain_terms("An MRI scan again.", explained) == "An MRI scan again."


def test_a_longer_term_is_not_explained_as_the_shorter_one_inside_it():
    text = explain_terms("transient osteoporosis of the hip, not osteoporosis.", set())
    osteoporosis = next(t for t in glossary() if t.term == "osteoporosis")
    assert text.count("(") == 2  # each once, the long one not twice
    assert f"osteoporosis ({osteoporosis.explain})." in text


def test_a_term_the_text_explains_in_brackets_is_left_alone():
    text = "Bone infections (osteomyelitis) and core decompression (surgery)."
    assert explain_terms(text, set()) == text


@pytest.mark.parametrize("case_id", ["steroids_hip_osteonecrosis", "everything_at_once"])
def test_in_a_summary_each_term_is_explained_at_its_first_use(case_id):
    from rules.content import cases

    shape = plan(evaluate(cases()[case_id].answers).to_dict())
    text = " ".join(s["text"] for s in shape.reading_order())
    for term in glossary():
        at = text.lower().find(term.term.lower())
        if at >= 0:
            rest = text[at:].split(")", 1)[0]
            assert "(" in rest, (term.term, text[at : at + 80])
