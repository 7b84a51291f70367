"""Warning patterns: the reviewed data in warnings.toml, and the rules held to it.

The rules in rules/kb/ derive a RedFlag for each pattern; here every combination
of the answers the patterns read is enumerated, group by group, and the engine
must give a pattern's notice exactly when warnings.toml says the pattern applies,
and "no warning signs" only when every warning question was answered and none
applies.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from rules.answers import is_shown, validate
from rules.cli import main
from rules.content import Condition, catalogue
from rules.engine import EnginePool, KnowledgeBase, evaluate
from rules.explain import catalogue_of_rules
from rules.kb import MIXINS
from tests.oracle import warning_unknown

UNANSWERED = object()


def test_every_condition_names_a_real_question_and_option(cat):
    for w in cat.warnings.values():
        assert w.ways, w.id
        for way in w.ways:
            for c in way:
                assert c.question in cat.questions, f"{w.id}: {c.question}"
                for v in c.values:
                    assert v in cat.questions[c.question].values, f"{w.id}: {c}"


def test_every_warning_is_well_formed(cat):
    topics = {m.topic for m in MIXINS}
    for w in cat.warnings.values():
        assert w.id.startswith("urgent_") and w.topic in topics, w.id
        assert w.told and w.do and w.why and w.citations, w.id
        assert all(pid in cat.passages for pid in w.citations), w.id
        assert w.title.split(": ")[-1][:1].islower(), f"{w.id}: the title ends in what to do"


def test_a_quiet_notice_narrows_one_that_can_show_before_it(cat):
    """quiet_after names a notice that can apply on the way to this one's answers."""
    for w in cat.warnings.values():
        if w.quiet_after:
            assert w.quiet_after in cat.warnings and w.quiet_after != w.id, w.id
            assert set(cat.warnings[w.quiet_after].questions) <= set(w.questions), w.id


def test_how_soon_is_the_apps_own_advice(cat):
    """None of the sources says how soon to be seen: every notice that names a time says so."""
    for w in cat.warnings.values():
        assert "the app's" in w.advice_note, w.id


def test_sources_silent_on_fever_is_said(cat):
    """None of the sources mentions fever: a notice that rests on fever says so."""
    for w in cat.warnings.values():
        if "fever" in w.questions and any(
            c.question == "fever" and not c.negated for way in w.ways for c in way
        ):
            assert "None of the sources mentions fever" in w.advice_note, w.id


def test_condition_syntax():
    c = Condition.parse("overload = heavy_work | dance_standing")
    assert c.holds({"overload": ["dance_standing"]}) and not c.holds({"overload": ["none"]})
    n = Condition.parse("injury != yes")
    assert n.negated and n.holds({}) and n.holds({"injury": "no"})
    assert not n.holds({"injury": "yes"})
    assert str(n) == "injury != yes"


def test_each_warning_has_a_rule_that_says_it(cat):
    said = {sid: r.name for r in catalogue_of_rules().values() for sid in r.statements}
    for w in cat.warnings.values():
        rule = catalogue_of_rules()[said[w.id]]
        assert rule.topic == w.topic, w.id
        assert f"RedFlag(kind={w.id.removeprefix('urgent_')})" in rule.reads, w.id


def test_lumped_options_are_split(cat):
    """One option, one meaning: a limp is not "cannot bear weight"; fever is not "unwell"."""
    pattern = cat.questions["pain_pattern"]
    assert {"limping", "cannot_bear_weight"} <= set(pattern.values)
    assert "cannot" not in pattern.option("limping").label
    assert "unwell" not in cat.questions["fever"].text
    assert "unwell" in cat.questions["unwell"].text


# --- Every combination, group by group -----------------------------------------------------
#
# Each question takes one answer from every class of answers that the patterns
# tell apart (the values they name, another value, "I don't know", unanswered).
# Patterns that share a question are enumerated together; each group is run
# against backgrounds in which the other groups give no warning, or every warning.

INJURY = [
    {},
    {"injury": "no"},
    {"injury": "dont_know"},
    {"injury": "yes"},
    {"injury": "yes", "injury_kind": ["sports"]},
    {"injury": "yes", "injury_kind": ["fall_impact"]},
    {"injury": "yes", "injury_kind": ["dont_know"]},
]


def _choices(question: str, *values) -> list[dict]:
    return [{} if v is UNANSWERED else {question: v} for v in values]


GROUPS = {
    "infection": [
        _choices("fever", "yes", "no", "dont_know", UNANSWERED),
        _choices("warmth", "yes", "no", "dont_know", UNANSWERED),
        _choices("swelling", "yes", "no", "dont_know", UNANSWERED),
        _choices("unwell", "yes", "no"),
        _choices(
            "medical_history",
            ["none"],
            ["prefer_not_say"],
            ["bone_infection"],
            ["cancer"],
            ["radiation"],
            ["osteoarthritis", "bone_infection"],
            UNANSWERED,
        ),
        _choices("pain_duration", "under_2_weeks", "2_to_6_weeks", UNANSWERED),
        _choices("injury", "no", "yes", UNANSWERED),
    ],
    "load": [
        _choices("pain_sites", ["hip_groin"], ["knee"], ["knee", "hip_groin"], UNANSWERED),
        _choices("athlete", "yes", "no", UNANSWERED),
        _choices(
            "overload",
            ["none"],
            ["heavy_work"],
            ["dance_standing"],
            ["training_increase"],
            UNANSWERED,
        ),
        INJURY,
    ],
    "pattern": [
        _choices("age_band", "under_18", "18_29", "prefer_not_say", UNANSWERED),
        _choices(
            "pain_pattern",
            ["none"],
            ["night"],
            ["cannot_bear_weight"],
            ["limping", "night"],
            ["limping"],
            UNANSWERED,
        ),
        _choices("pain_course", "worse", "same", "dont_know", UNANSWERED),
        INJURY,
    ],
}

QUIET = {
    "age_band": "40_60",
    "pain_sites": ["knee"],
    "pain_course": "same",
    "pain_pattern": ["weight_bearing"],
    "swelling": "no",
    "warmth": "no",
    "fever": "no",
    "unwell": "no",
    "injury": "no",
    "athlete": "no",
    "overload": ["none"],
    "medical_history": ["none"],
}

ALARMED = {
    **QUIET,
    "age_band": "under_18",
    "pain_sites": ["hip_groin"],
    "pain_pattern": ["night", "cannot_bear_weight"],
    "fever": "yes",
    "swelling": "yes",
    "athlete": "yes",
    "medical_history": ["cancer", "bone_infection"],
}


def _combinations(group: str, background: dict):
    questions = {q for choices in GROUPS[group] for c in choices for q in c}
    base = {k: v for k, v in background.items() if k not in questions | {"injury_kind"}}
    for parts in itertools.product(*GROUPS[group]):
        answers = dict(base)
        for part in parts:
            answers.update(part)
        if "injury_kind" in answers and answers.get("injury") != "yes":
            continue  # not asked
        yield answers


def _check(answers: dict, cat, pool: EnginePool | None = None) -> None:
    answers = validate(answers)
    ids = set(evaluate(answers, pool=pool).statement_ids)
    applies = {w.id for w in cat.warnings.values() if w.applies(answers)}
    notices = {sid for sid in ids if cat.statements[sid].level == "urgent"}
    assert notices == applies, answers
    unwell = answers.get("unwell") == "yes"  # said, so never "no warning signs" beside it
    reassured = not applies and not warning_unknown(answers) and not unwell
    assert ("no_urgent_signs" in ids) == reassured, answers
    assert ("warning_signs_unknown" in ids) == (not applies and warning_unknown(answers)), answers
    assert len({"safety_net", "safety_net_spine"} & ids) == 1


@pytest.mark.parametrize("background", [QUIET, ALARMED], ids=["quiet", "alarmed"])
@pytest.mark.parametrize("group", list(GROUPS))
def test_a_notice_exactly_when_a_pattern_applies(cat, group, background):
    count = 0
    for answers in _combinations(group, background):
        _check(answers, cat)
        count += 1
    assert count >= 300  # the enumeration really ran


def test_the_enumeration_reaches_every_pattern(cat):
    """Each pattern applies in some enumerated combination, and is absent in another."""
    seen: dict[str, set[bool]] = {w: set() for w in cat.warnings}
    for group in GROUPS:
        for answers in _combinations(group, QUIET):
            for w in cat.warnings.values():
                seen[w.id].add(w.applies(answers))
    assert all(v == {True, False} for v in seen.values()), seen


class WithoutFeverRule(KnowledgeBase):
    """The knowledge base with the rule for a fever alone taken out."""

    fever = None


def test_the_check_can_fail(cat):
    """A knowledge base that misses a pattern fails the enumeration."""
    pool = EnginePool(WithoutFeverRule)
    with pytest.raises(AssertionError):
        for answers in _combinations("infection", QUIET):
            _check(answers, cat, pool)


# --- bme explain: the right notice first ------------------------------------------------------


def _first_way(w) -> dict:
    """QUIET answers changed just enough to make the pattern apply, by its first way."""
    answers = dict(QUIET)
    for c in w.ways[0]:
        question = catalogue().questions[c.question]
        # A negated condition: the question's first answer that it leaves out, or no
        # answer at all when it leaves out every one.
        others = [v for v in question.values if v not in c.values]
        if c.negated and not others:
            answers.pop(c.question, None)
            continue
        value = others[0] if c.negated else c.values[0]
        answers[c.question] = [value] if question.type == "multi" else value
    if "injury_kind" in answers:
        answers["injury"] = "yes"
    return answers


@pytest.mark.parametrize("warning_id", list(catalogue().warnings))
def test_explain_puts_the_notice_first(cat, capsys, tmp_path, warning_id):
    answers = _first_way(cat.warnings[warning_id])
    assert all(is_shown(cat.questions[q], answers) for q in answers)
    assert {w.id for w in cat.warnings.values() if w.applies(answers)} == {warning_id}
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers))
    assert main(["explain", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ids = [s["id"] for s in out["statements"]]
    assert ids[0] == warning_id
    assert "no_urgent_signs" not in ids


def test_the_readme_lists_every_warning(cat):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Warning signs", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) - 1 == len(cat.warnings)  # one header row


@pytest.mark.parametrize("sites", [["spine"], ["knee", "spine"], ["knee"], ["hip_groin"]])
def test_back_pain_is_told_the_signs_that_need_help_at_once(sites):
    """Leg weakness or numbness, or bladder or bowel trouble, with back pain need help at
    once (the app's own advice: no source covers them); the safety net of anyone whose
    back hurts says so, and only theirs."""
    statements = {s.id: s for s in evaluate({"pain_sites": sites}).statements}
    nets = [s for s in statements.values() if s.id.startswith("safety_net")]
    assert len(nets) == 1
    spine_signs = "numbness in the legs" in nets[0].text and "urine" in nets[0].text
    assert spine_signs == ("spine" in sites)
    assert "emergency number" in nets[0].text or "spine" not in sites
