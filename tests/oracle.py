"""An independent oracle for the knowledge base: plain Python, no experta.

``expected_statements(answers)`` says which statements the rules in
``rules/kb/*.py`` must produce for a validated answers dict. It is written by
reading each rule, as plain boolean logic, so that it can be compared with the
rules line by line; it deliberately imports nothing from ``rules.kb``,
``rules.facts`` or ``rules.engine``.

How the experta rules read here:

- Derivations (salience ``DERIVE``) all finish before any statement rule
  (salience ``STATE``) fires, so "derived fact X exists" below means X exists
  after every derivation, and ``NOT(X)`` means "not X" on that final state.
- ``A.q()`` with no value matches any answer to ``q``: "q was answered".
- ``A.q(value=L("a") | L("b"))`` matches if one of the chosen values is a or b;
  ``A.q(value=~L("none"))`` matches if some chosen value is not "none".
- ``OR(...)`` fires once per matching branch, but a statement is made once.
- A rule without conditions always fires.

Warning patterns are not re-read from the rules: the oracle applies their
reviewed definition in ``rules/data/warnings.toml`` (``WarningPattern.applies``),
so the test holds the rules to the data that clinicians review.
"""

from __future__ import annotations

from rules.answers import chosen, is_shown
from rules.content import catalogue

#: Every id the oracle can return, one per statement rule of rules/kb.
ALL_STATEMENTS = frozenset(
    {
        # sites_symptoms
        "weight_bearing_site",
        "knee_site",
        "hip_site",
        "ankle_foot_site",
        "spine_site",
        "night_pain",
        "weight_bearing_pain",
        "limping",
        "swelling_warmth",
        # injury_overload
        "urgent_hip_stress",
        "urgent_cannot_bear_weight",
        "urgent_cannot_bear_weight_no_injury",
        "urgent_cannot_bear_weight_injury",
        "urgent_cannot_bear_weight_unsure",
        "injury_link",
        "knee_injury",
        "meniscus_edema",
        "overload_link",
        "athlete_care",
        # inflammatory
        "inflammatory_link",
        "degenerative_link",
        # infection
        "urgent_infection",
        "urgent_fever_unsure",
        "urgent_hot_swollen",
        "urgent_past_infection",
        "infection_history",
        # vascular_steroids
        "steroid_link",
        "osteonecrosis_link",
        # metabolic
        "metabolic_link",
        "bmes_profile",
        "bmes_related",
        # cancer
        "urgent_cancer",
        "urgent_child_pain",
        # pregnancy
        "pregnancy_hip",
        "pregnancy_other",
        # imaging
        "imaging_mri",
        "xray_ct_clear",
        "mri_showed_bme",
        "blood_tests",
        "dexa_scan",
        # treatment
        "conservative_care",
        "no_improvement",
        "clinic_claims",
        "surgery_options",
        "surgery_had",
        "other_treatments",
        # course
        "about_bme",
        "about_bme_more",
        "recovery_time",
        "persistent_pain",
        "worse_or_back",
        "check_early",
        # safety
        "no_urgent_signs",
        "warning_signs_unknown",
        "felt_unwell",
        "next_step_today",
        "next_step_soon",
        "next_step_time_given",
        "next_step_emergency",
        "next_step_visit",
        "safety_net",
        "safety_net_spine",
    }
)

#: Not able to bear weight, once the injury question says whether it began with one.
NO_WEIGHT = (
    "cannot_bear_weight_no_injury",
    "cannot_bear_weight_injury",
    "cannot_bear_weight_unsure",
)

METABOLIC_CONDITIONS = {
    "osteoporosis",
    "kidney_disease",
    "cushings",
    "hyperparathyroidism",
    "low_vitamin_d",
}


def warning_unknown(answers: dict) -> bool:
    """A question that a warning pattern reads was asked but not answered, or answered
    with an honest unknown ("I don't know", "prefer not to say"): then no reassurance."""
    cat = catalogue()
    read = {qid for w in cat.warnings.values() for qid in w.questions}
    for qid in read:
        question = cat.questions[qid]
        if not is_shown(question, answers):
            continue
        values = set(chosen(answers, qid))
        if not values or any(question.option(v).unknown for v in values):
            return True
    return False


def expected_statements(answers: dict) -> set[str]:
    """The statement ids the knowledge base must produce for validated ``answers``."""

    def values(qid: str) -> set[str]:
        return set(chosen(answers, qid))

    def answered(qid: str) -> bool:
        return qid in answers

    age = values("age_band")
    sites = values("pain_sites")
    duration = values("pain_duration")
    course = values("pain_course")
    pattern = values("pain_pattern")
    swelling = values("swelling")
    warmth = values("warmth")
    unwell = values("unwell")
    injury = values("injury")
    injury_kind = values("injury_kind")
    athlete = values("athlete")
    overload = values("overload")
    steroids = values("steroid_use")
    history = values("medical_history")
    pregnancy = values("pregnancy")
    imaging = values("imaging")
    mri_result = values("mri_result")
    xray_ct_result = values("xray_ct_result")
    treatments = values("treatments")

    # --- Derived facts (salience DERIVE) --------------------------------------------

    # sites.py
    weight_bearing_site = bool(sites & {"knee", "hip_groin", "ankle_foot"})
    inflamed_site = "yes" in swelling or "yes" in warmth
    tender = "yes" in values("tenderness")

    # course.py
    lasting_pain = bool(
        duration & {"6_weeks_to_3_months", "3_to_12_months", "over_12_months"}
        or course & {"worse", "came_back"}
    )
    not_improving = bool(course & {"same", "worse", "came_back"})

    # injury.py
    injured = "yes" in injury
    athletic = "yes" in athlete or "training_increase" in overload or "sports" in injury_kind
    loaded = bool(overload & {"training_increase", "heavy_work", "dance_standing"})
    overloaded = loaded or athletic

    # vascular.py
    steroid_exposure = bool(steroids & {"tablets", "injections"})

    # pregnancy.py
    pregnant = bool(pregnancy & {"pregnant", "recent_birth"})

    # Cause families (CauseFamily(name=...)).
    families: set[str] = set()
    if injured:
        families.add("trauma")  # injury.trauma_cause
    if overloaded:
        families.add("overload")  # injury.overload_cause
    if history & {"inflammatory_arthritis", "ankylosing_spondylitis"}:
        families.add("inflammatory")  # inflammatory.inflammatory_condition
    if "osteoarthritis" in history:
        families.add("degenerative")  # inflammatory.degenerative_condition
    if "bone_infection" in history:
        families.add("infection")  # infection.infection_history
    if steroid_exposure:
        families.add("steroid")  # vascular.steroid_cause
    if "osteonecrosis" in history:
        families.add("vascular")  # vascular.poor_blood_supply
    if history & METABOLIC_CONDITIONS:
        families.add("metabolic")  # metabolic.metabolic_condition
    if history & {"cancer", "radiation"}:
        families.add("cancer")  # cancer.cancer_history

    # Red flags (RedFlag(kind=...)): the warning patterns that apply, read from the data.
    red_flags = {
        w.id.removeprefix("urgent_") for w in catalogue().warnings.values() if w.applies(answers)
    }
    infection_flags = red_flags & {"infection", "fever_unsure", "past_infection"}
    local_sign_flags = infection_flags | (red_flags & {"hot_swollen"})
    emergency_flags = {
        "cannot_bear_weight_injury",
        "cannot_bear_weight_unsure",
    }  # safety.EMERGENCY_KINDS
    pregnant_or_postpartum = pregnant

    # --- Statements (salience STATE) ------------------------------------------------

    out: set[str] = set()

    def say(statement_id: str, condition: bool) -> None:
        if condition:
            out.add(statement_id)

    # Where it hurts and how the pain behaves (sites.py)
    say("weight_bearing_site", weight_bearing_site)
    say("knee_site", "knee" in sites)
    say(
        "hip_site",
        "hip_groin" in sites and not red_flags & {"hip_stress", "cannot_bear_weight", *NO_WEIGHT},
    )
    say("ankle_foot_site", "ankle_foot" in sites)
    say("spine_site", "spine" in sites)
    say("night_pain", "night" in pattern and "child_pain" not in red_flags)
    say("weight_bearing_pain", bool(pattern & {"weight_bearing", "stairs"}))
    say("limping", "limping" in pattern)
    say("swelling_warmth", (inflamed_site or tender) and not local_sign_flags)

    # Injuries, sport and repeated strain (injury.py)
    say("urgent_hip_stress", "hip_stress" in red_flags)
    say("urgent_cannot_bear_weight", "cannot_bear_weight" in red_flags)
    for kind in NO_WEIGHT:
        say(f"urgent_{kind}", kind in red_flags)
    say("injury_link", injured)
    say(
        "knee_injury",
        "knee" in sites and bool(injury_kind & {"ligament_meniscus", "fracture_dislocation"}),
    )
    say("meniscus_edema", "knee" in sites and "ligament_meniscus" in injury_kind)
    say("overload_link", loaded or (athletic and "hip_stress" in red_flags))
    say("athlete_care", athletic and "hip_stress" not in red_flags)

    # Inflammatory and degenerative conditions (inflammatory.py)
    say("inflammatory_link", "inflammatory" in families)
    say("degenerative_link", "degenerative" in families)

    # Infection (infection.py)
    say("urgent_infection", "infection" in red_flags)
    say("urgent_fever_unsure", "fever_unsure" in red_flags)
    say("urgent_hot_swollen", "hot_swollen" in red_flags)
    say("urgent_past_infection", "past_infection" in red_flags)
    say(
        "infection_history",
        "infection" in families and not ({"infection", "past_infection"} & red_flags),
    )

    # Blood supply and steroids (vascular.py)
    say("steroid_link", steroid_exposure)
    say("osteonecrosis_link", "vascular" in families)

    # Metabolic conditions and bone marrow edema syndrome (metabolic.py)
    say("metabolic_link", "metabolic" in families)
    say(
        "bmes_profile",
        weight_bearing_site and not families and not pregnant_or_postpartum and not red_flags,
    )
    say("bmes_related", bool(history & {"high_cholesterol", "low_vitamin_d"}))

    # Cancer (cancer.py)
    say("urgent_cancer", "cancer" in red_flags)
    say("urgent_child_pain", "child_pain" in red_flags)

    # Pregnancy (pregnancy.py)
    say("pregnancy_hip", pregnant and "hip_groin" in sites)
    say("pregnancy_other", pregnant and "hip_groin" not in sites)

    # Scans and tests (imaging.py)
    scans_known = bool(imaging - {"dont_know"})  # answered, and not "I don't know"
    say("imaging_mri", lasting_pain and scans_known and "mri" not in imaging)
    say("xray_ct_clear", "nothing" in xray_ct_result and lasting_pain)
    say("mri_showed_bme", "bme" in mri_result)
    say("blood_tests", bool(families & {"inflammatory", "infection", "metabolic"}))
    say(
        "dexa_scan",
        bool(families & {"metabolic", "steroid"}) and scans_known and "dexa" not in imaging,
    )

    # Treatments (treatment.py)
    say("conservative_care", answered("pain_sites") and not red_flags)
    say("no_improvement", bool(treatments - {"none"}) and not_improving)
    months_of_pain = bool(duration & {"3_to_12_months", "over_12_months"})
    say(
        "clinic_claims",
        ("biologic" in treatments or ("bme" in mri_result and months_of_pain))
        and "under_18" not in age
        and not pregnant_or_postpartum
        and not red_flags,
    )
    say("surgery_options", "vascular" in families and "surgery" not in treatments)
    say("surgery_had", "surgery" in treatments)
    say("other_treatments", bool(treatments & {"shock_wave", "bone_medicines"}))

    # Course, and when to see a clinician (course.py)
    say("about_bme", True)
    say("about_bme_more", True)
    say("recovery_time", not red_flags)
    say("persistent_pain", bool(duration & {"3_to_12_months", "over_12_months"}))
    say("worse_or_back", "came_back" in course)
    weeks = "6_weeks_to_3_months" in duration
    say("check_early", (bool(age & {"40_60", "over_60"}) or athletic) and weeks)

    # Warning signs not known, no false reassurance, the safety net (safety.py)
    unknown = warning_unknown(answers)
    say("no_urgent_signs", not red_flags and not unknown and "yes" not in unwell)
    say("warning_signs_unknown", not red_flags and unknown)
    say("felt_unwell", "yes" in unwell and not infection_flags)
    today_flags = {"infection", "hot_swollen", "past_infection", "cannot_bear_weight_no_injury"}
    time_given_flags = {"cannot_bear_weight", "fever_unsure"}
    say("next_step_today", bool(red_flags & today_flags) and not red_flags & emergency_flags)
    say(
        "next_step_soon",
        bool(red_flags) and not red_flags & (today_flags | emergency_flags | time_given_flags),
    )
    say(
        "next_step_time_given",
        bool(red_flags & time_given_flags) and not red_flags & (today_flags | emergency_flags),
    )
    say("next_step_emergency", bool(red_flags & emergency_flags))
    say("next_step_visit", not red_flags)
    say("safety_net", "spine" not in sites)
    say("safety_net_spine", "spine" in sites)

    assert out <= ALL_STATEMENTS, out - ALL_STATEMENTS
    return out
