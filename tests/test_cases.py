"""The bundled example cases, run as tests; every rule must fire in at least one."""

import pytest

from rules.content import cases
from rules.engine import evaluate, rules

CASES = cases()


def test_there_are_cases():
    assert len(CASES) >= 10


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_case(case, cat):
    ids = evaluate(case.answers).statement_ids
    assert case.expect, "a case must expect something"
    for sid in (*case.expect, *case.expect_absent):
        assert sid in cat.statements, f"{case.id}: unknown statement {sid}"
    assert [s for s in case.expect if s not in ids] == []
    assert [s for s in case.expect_absent if s in ids] == []


def test_every_rule_fires_in_some_case():
    fired = {f.rule for case in CASES.values() for f in evaluate(case.answers).trace}
    assert sorted(set(rules()) - fired) == []


def test_every_statement_appears_in_some_case(cat):
    made = {sid for case in CASES.values() for sid in evaluate(case.answers).statement_ids}
    assert sorted(set(cat.statements) - made) == []


def test_knowledge_base_derives_at_least_two_levels():
    """Forward chaining for real: some statement rests on a fact derived from a derived fact."""

    def depth(result, idx, seen=()):
        fact = result.facts[idx]
        if fact.kind == "answer" or idx in seen:
            return 0
        makers = [f for f in result.trace if idx in f.declared]
        return 1 + max(
            (depth(result, m, (*seen, idx)) for f in makers for m in f.matched), default=0
        )

    deepest = 0
    for case in CASES.values():
        result = evaluate(case.answers)
        for idx, fact in result.facts.items():
            if fact.kind == "derived":
                deepest = max(deepest, depth(result, idx))
    assert deepest >= 2


def test_trace_records_matches_and_declarations():
    result = evaluate(CASES["runner_hip_pain"].answers)
    steps = {f.rule: f for f in result.trace}
    hip = steps["hip_under_strain"]
    matched = {str(result.facts[i]) for i in hip.matched}
    assert matched == {"pain_sites = hip_groin", "Overloaded()"}
    assert [str(result.facts[i]) for i in hip.declared] == ["RedFlag(kind=hip_stress)"]
    assert [f.step for f in result.trace] == list(range(1, len(result.trace) + 1))
    # Derivations all fire before the first statement (salience), so NOT-conditions are sound.
    kinds = [result.facts[f.declared[0]].kind for f in result.trace if f.declared]
    assert kinds == sorted(kinds, key=lambda k: k == "statement")


def test_statements_rest_on_the_answers_behind_them():
    result = evaluate(CASES["cancer_history_back_pain"].answers)
    cancer = next(s for s in result.statements if s.id == "urgent_cancer")
    assert ("medical_history", "cancer") in cancer.rests_on
    assert ("medical_history", "radiation") in cancer.rests_on
    assert ("medical_history", "osteoporosis") not in cancer.rests_on
    assert "cancer (now or in the past) and radiation therapy" in cancer.text
    assert cancer.rules == ("warn_cancer",)


def test_urgent_first_then_discuss_then_info():
    result = evaluate(CASES["cancer_history_back_pain"].answers)
    levels = [s.level for s in result.statements]
    assert levels == sorted(levels, key=["urgent", "discuss", "info"].index)
    assert levels[0] == "urgent"


def test_pregnancy_adds_ask_your_midwife_to_medicines_and_procedures(cat):
    """In pregnancy, each statement about medicines, scans or procedures says to ask first."""
    answers = CASES["pregnant_hip_pain"].answers
    cautious = {sid for sid, s in cat.statements.items() if s.in_pregnancy}
    # steroid_link already says not to stop a steroid without advice, in pregnancy or not.
    assert {"conservative_care", "other_treatments", "surgery_options"} <= cautious
    pregnant = {s.id: s for s in evaluate(answers).statements}
    not_pregnant = {s.id: s for s in evaluate({**answers, "pregnancy": "no"}).statements}
    assert "conservative_care" in pregnant and "clinic_claims" not in pregnant
    care = pregnant["conservative_care"]
    assert "ask your midwife or clinician before you take any medicine" in care.text
    assert ("pregnancy", "pregnant") in care.rests_on
    assert "midwife" not in not_pregnant["conservative_care"].text


def test_the_x_ray_caution_is_for_pregnancy_only():
    """A caution that names its answer ("[... {pregnancy=pregnant} ...]") shows only with it:
    after a birth, no "ask before any scan that uses X-rays", nor that answer as its reason."""
    answers = {
        **CASES["pregnant_hip_pain"].answers,
        "medical_history": ["osteoporosis"],
        "imaging": ["none"],
    }
    made = {
        p: {s.id: s for s in evaluate({**answers, "pregnancy": p}).statements}
        for p in ("pregnant", "recent_birth", "no")
    }
    assert all("dexa_scan" in m for m in made.values())
    assert "that you are pregnant: ask your midwife" in made["pregnant"]["dexa_scan"].text
    assert ("pregnancy", "pregnant") in made["pregnant"]["dexa_scan"].rests_on
    for p in ("recent_birth", "no"):
        dexa = made[p]["dexa_scan"]
        assert "X-rays" not in dexa.text and "pregnan" not in dexa.text
        assert "pregnancy" not in dict(dexa.rests_on)


def test_weight_advice_only_for_a_joint_that_carries_weight():
    """Keeping weight off, with crutches, is the blog's advice for the knee, hip or ankle:
    not said to someone whose back, or another place, hurts (the issue's "no put weight
    on the leg when only the back hurts")."""
    quiet = {"pain_sites": ["knee"], "fever": "no", "warmth": "no", "swelling": "no"}
    care = {}
    for sites in (["spine"], ["other"], ["knee"], ["spine", "ankle_foot"]):
        made = {s.id: s for s in evaluate({**quiet, "pain_sites": sites}).statements}
        care[tuple(sites)] = made["conservative_care"].text
    for sites in (("spine",), ("other",)):
        assert "crutches" not in care[sites] and "weight" not in care[sites]
    advice = "It says to keep weight off a knee, hip or ankle with bone marrow edema"
    assert advice in care[("knee",)] and advice in care[("spine", "ankle_foot")]
