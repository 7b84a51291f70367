"""Content is data, and these tests are its checks: verbatim quotes, citations,
no orphans, a sound question catalogue, attributed claims, stated differences."""

import ast
import re
from pathlib import Path

import pytest

from rules import content
from rules.content import ELLIPSIS, EMERGENCY, LEVELS, QUESTION_TYPES, quote_in
from rules.engine import rule_topics
from rules.kb import MIXINS
from rules.language import check
from rules.wording import PLACEHOLDER, wanted

RULES_DIR = Path(content.__file__).parent
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


# --- Sources and passages ---------------------------------------------------------


def test_every_quote_is_verbatim(cat, source_texts):
    missing = [p.id for p in cat.passages.values() if not quote_in(p.quote, source_texts[p.source])]
    assert missing == []


def test_quote_check_can_fail(source_texts):
    text = source_texts["cleveland"]
    assert quote_in("CT scans and X-rays don’t show bone marrow edemas.", text)
    assert quote_in("CT  scans and\nX-rays don't show bone marrow edemas.", text)
    assert not quote_in("CT scans and X-rays always show bone marrow edemas.", text)
    # "…" may skip text, but only forwards.
    assert quote_in("Types of cancer that may cause BME include: … Radiation therapy", text)
    assert not quote_in("Radiation therapy … Types of cancer that may cause BME", text)


def test_passages_are_short_and_well_formed(cat):
    for p in cat.passages.values():
        assert SNAKE.match(p.id), p.id
        assert p.source in cat.sources, p.id
        assert p.topic, p.id
        assert 20 <= len(p.quote) <= 320, f"{p.id}: a passage is a short quote"
        sentences = [
            s
            for s in re.split(r"(?<=[.?!])\s+", p.quote.replace(ELLIPSIS, " "))
            if len(s.split()) >= 6
        ]
        assert 1 <= len(sentences) <= 3, f"{p.id}: one to three sentences"


def test_sources_are_described(cat):
    for s in cat.sources.values():
        assert s.title and s.publisher and s.short and s.kind and s.review, s.id
    promotional = [s for s in cat.sources.values() if "promotional" in s.kind]
    assert [s.id for s in promotional] == ["ozer"]


def test_no_orphan_passages(cat):
    """Every passage is shown: cited by a statement or by the learn page (learn.toml)."""
    from rules.content import cited_passages

    assert sorted(set(cat.passages) - cited_passages()) == []


def test_every_source_is_used(cat):
    used = {p.source for p in cat.passages.values()}
    assert used == set(cat.sources)


@pytest.mark.parametrize(
    "topic",
    [
        "definition",
        "types",
        "bme_syndrome",
        "imaging",
        "tests",
        "injury",
        "overload",
        "sites",
        "symptoms",
        "inflammatory",
        "degenerative",
        "infection",
        "vascular",
        "steroids",
        "metabolic",
        "cancer",
        "pregnancy",
        "athletes",
        "treatment",
        "promotional",
        "course",
        "recovery",
        "recurrence",
        "when_to_see",
    ],
)
def test_sources_are_covered_broadly(cat, topic):
    assert any(p.topic == topic for p in cat.passages.values())


# --- Statements -----------------------------------------------------------------


def test_every_statement_is_cited_and_well_formed(cat):
    topics = {m.topic for m in MIXINS}
    for s in cat.statements.values():
        assert SNAKE.match(s.id), s.id
        assert s.level in LEVELS, s.id
        assert s.topic in topics, f"{s.id}: unknown topic {s.topic}"
        assert s.citations, f"{s.id}: every statement cites at least one passage"
        assert len(set(s.citations)) == len(s.citations), s.id
        for pid in s.citations:
            assert pid in cat.passages, f"{s.id} cites unknown passage {pid}"


def test_no_statement_wording_diagnoses(cat):
    """Titles and texts (with the pregnancy caution), answers filled in by a stand-in."""

    def filled(text: str) -> str:
        return PLACEHOLDER.sub("the knee", text.replace("[", "").replace("]", ""))

    found = {
        s.id: check(s.title, title=True) + check(filled(f"{s.text} {s.in_pregnancy}"))
        for s in cat.statements.values()
    }
    assert {k: v for k, v in found.items() if v} == {}


def test_placeholders_name_questions(cat):
    for s in cat.statements.values():
        for group in PLACEHOLDER.findall(s.text):
            for qid, value in wanted(group):
                assert qid in cat.questions, f"{s.id}: {{{qid}}} is not a question"
                assert not value or value in cat.questions[qid].values, f"{s.id}: {{{group}}}"


def test_urgent_notices_say_what_to_do_first_and_not_for_emergencies(cat):
    """Each notice: what they told us, then how soon to get care, and never an emergency service."""
    urgent = {s.id for s in cat.statements.values() if s.level == "urgent"}
    assert urgent == set(cat.warnings), "urgent notices are defined only in warnings.toml"
    for w in cat.warnings.values():
        text = cat.statements[w.id].text
        if w.emergency:
            assert w.do.startswith("Go to an emergency department now."), w.id
            assert w.title.endswith(": go to an emergency department now"), w.id
        else:
            assert re.search(r"\b(promptly|today|tomorrow)\b", w.do), w.id
        assert text.index(w.do) < text.index(w.why), f"{w.id}: what to do comes before why"
        # The emergency words are said once by the page that shows the notices.
        assert EMERGENCY not in text, w.id


def test_parts_and_ranks(cat):
    """One instruction for each case (next), the safety net at the end, ranks for key points."""
    from rules.content import PARTS

    for s in cat.statements.values():
        assert s.part in PARTS, s.id
        assert s.rank >= 0, s.id
        assert not (s.rank and s.part != "body"), f"{s.id}: only body statements are key points"
        assert not (s.rank and s.level == "urgent"), f"{s.id}: notices go under What to do now"
    assert {s.id for s in cat.statements.values() if s.part == "next"} == {
        "next_step_today",
        "next_step_soon",
        "next_step_time_given",
        "next_step_emergency",
        "next_step_visit",
    }
    assert cat.statements["about_bme"].rank == 1, "the core message is the first key point"


def test_promotional_claims_are_attributed(cat):
    """Citing the clinic blog's treatment claims means saying they are that clinic's."""
    promo = {p.id for p in cat.passages.values() if p.topic == "promotional"}
    for s in cat.statements.values():
        if promo & set(s.citations):
            assert "clinic's claims" in s.text, s.id


# --- Who says what (issue 10) ----------------------------------------------------

#: Saying that more than one source says it ("none of the sources mentions fever" does not).
PLURAL = re.compile(
    r"\b(?:(?<!none of )the sources(?! do not)|they (?:agree|differ|name|say|list|describe)"
    r"|both|two (?:of the )?sources|all three)\b",
    re.IGNORECASE,
)


def texts(cat):
    """Every text of ours that cites passages: statements (with their pregnancy line)
    and the urgent notices' reasons."""
    for s in cat.statements.values():
        if s.level == "urgent":  # only its reason is backed by passages; the rest is ours
            yield s.id, cat.warnings[s.id].why, s.citations
        else:
            yield s.id, f"{s.text} {s.in_pregnancy}", s.citations


def named(cat, text: str) -> set[str]:
    low = text.lower()
    return {s.id for s in cat.sources.values() if any(c.lower() in low for c in s.called)}


def test_every_source_has_names(cat):
    for s in cat.sources.values():
        assert s.called, s.id


def test_sources_are_named_as_cited(cat):
    """Each source said by name, only when cited; "the sources" only when two are."""
    for sid, text, citations in texts(cat):
        cited = {cat.passages[p].source for p in citations}
        said = named(cat, text)
        assert said <= cited, f"{sid} names {sorted(said - cited)} without citing it"
        if PLURAL.search(text):
            assert len(cited) >= 2, f"{sid} says the sources, citing one: {sorted(cited)}"
        else:
            assert cited <= said, f"{sid} cites {sorted(cited - said)} without naming it"


def test_naming_check_can_fail(cat):
    one = ("x", "The sources say it is fluid in the bone.", ("cc_definition",))
    unnamed = ("y", "Cleveland Clinic says X. It says Y.", ("cc_definition", "vw_mri"))
    wrong = ("z", "Verywell Health says so.", ("cc_definition",))
    for sid, text, citations in (one, unnamed, wrong):
        cited = {cat.passages[p].source for p in citations}
        said = named(cat, text)
        ok = said <= cited and (len(cited) >= 2 if PLURAL.search(text) else cited <= said)
        assert not ok, sid


def test_the_clinic_blog_is_always_named(cat):
    """The promotional source is never hidden in "the sources" (review D)."""
    promotional = {s.id for s in cat.sources.values() if "promotional" in s.kind}
    for sid, text, citations in texts(cat):
        if promotional & {cat.passages[p].source for p in citations}:
            assert promotional <= named(cat, text), sid


def test_differences_between_sources_are_stated(cat):
    """A statement touching a point where the sources differ says so, with both sides."""
    assert cat.differences
    for d in cat.differences:
        sides = {cat.passages[pid].source for pid in d.passages}
        assert len(sides) >= 2, d.id
        assert set(d.touched_by) <= set(d.passages), d.id
        for sid, text, citations in texts(cat):
            if not d.touched_by & set(citations):
                continue
            cited_sides = {cat.passages[p].source for p in citations if p in d.passages}
            assert len(cited_sides) >= 2, f"{sid} touches {d.id} citing one side only"
            assert "differ" in text, f"{sid} touches {d.id} without saying the sources differ"


#: Claims that carry a number, a duration or a treatment, with the passage that backs
#: each: (statement, our words, the passage, its words). Every such claim must be here
#: (test_numbers_and_treatments_are_backed), so that a new one is checked too.
CLAIMS = [
    ("hip_site", r"3 to 6 months", "ozer_transient_osteoporosis", r"3–6 months"),
    ("hip_site", r"pain and trouble moving if untreated", "ozer_transient_osteoporosis",
     r"significant pain and mobility issues if untreated"),
    ("recovery_time", r"4 to 12 months", "cc_recovery", r"four to 12 months"),
    ("recovery_time", r"two years or more", "cc_recovery", r"two years or more"),
    ("recovery_time", r"weeks to months", "ozer_recovery", r"weeks to months"),
    ("bmes_profile", r"aged 30 to 60", "cc_bmes_who", r"between the ages of 30 and 60"),
    ("check_early", r"over 40", "ozer_over_40", r"over 40"),
    ("conservative_care", r"rest, often for several months", "cc_rest",
     r"rest, often for several months"),
    ("conservative_care", r"NSAIDs and physical therapy", "cc_symptom_care",
     r"NSAIDs\)\. Physical therapy"),
    ("conservative_care", r"crutches", "ozer_rest", r"Crutches"),
    ("conservative_care", r"NSAIDs, exercises and bone medicines", "ozer_medication",
     r"NSAIDs.*bisphosphonates"),
    ("clinic_claims", r"intraosseous bioplasty", "ozer_bioplasty", r"intraosseous bioplasty"),
    ("clinic_claims", r"PRP or stem cells", "ozer_prp", r"PRP or stem cell therapy"),
    ("clinic_claims", r"rest, NSAIDs and physical therapy", "cc_symptom_care", r"NSAIDs"),
    ("clinic_claims", r"surgery for some cases", "vw_core", r"core decompression may be done"),
    ("clinic_claims", r"shock wave therapy", "vw_shock_wave", r"shock wave therapy is a"),
    ("injury_link", r"most common cause of sudden", "ozer_trauma",
     r"most common cause of acute"),
    ("hip_site", r"serious problems", "ozer_hip", r"indicate serious conditions"),
    ("hip_site", r"this is rare", "ozer_transient_osteoporosis", r"A rare condition"),
    ("bmes_profile", r"a rare type", "cc_bmes", r"a rare type of BME"),
    ("bmes_profile", r"most common in men", "cc_bmes_who", r"most common in men"),
    ("bmes_related", r"a rare type", "cc_bmes", r"a rare type of BME"),
    ("surgery_options", r"does not always need surgery", "vw_core",
     r"doesn’t always require surgery"),
    ("about_bme_more", r"one of the most common findings", "cc_common_finding",
     r"one of the most common findings"),
    ("persistent_pain", r"should always be checked", "ozer_persistent",
     r"should always prompt evaluation"),
    ("recovery_time", r"not serious in itself", "vw_not_serious", r"BME itself isn’t serious"),
    ("recovery_time", r"differ on how serious", "vw_not_serious", r"isn’t serious"),
    ("recovery_time", r"severe pain", "vw_not_serious", r"debilitating pain"),
    # "In advanced cases" would presuppose a stage (rules/language.py): "some people" is
    # what it implies without saying which stage the reader is at.
    ("night_pain", r"disturb sleep in some people", "ozer_deep_pain",
     r"disrupt sleep in advanced cases"),
    ("surgery_options", r"surgery", "vw_core", r"doesn’t always require surgery"),
    ("surgery_options", r"surgery rare", "ozer_surgery_rare", r"surgery is rare"),
    ("surgery_options", r"core decompression \(drilling small holes", "cc_core",
     r"drill small holes"),
    ("surgery_options", r"bone grafts", "cc_bone_grafts", r"bone grafts"),
    ("surgery_had", r"core decompression \(drilling small holes", "cc_core",
     r"drill small holes"),
    ("surgery_had", r"ease pressure and pain", "vw_core_how", r"relieve pressure.*reduce pain"),
    ("surgery_had", r"its own bone procedure non-surgical", "ozer_day_case", r"non-surgical"),
    ("surgery_had", r"what counts as surgery", "cc_core", r"During this surgery"),
    ("other_treatments", r"shock wave therapy is done without surgery or a hospital stay",
     "vw_shock_wave", r"noninvasive procedure performed on an outpatient basis"),
    ("other_treatments", r"bisphosphonates", "ozer_medication", r"bisphosphonates"),
    ("steroid_link", r"steroid injections as a treatment",
     "cc_steroid_injections", r"your provider may recommend: Steroid injections"),
]  # fmt: skip

NUMBER_OR_TREATMENT = re.compile(
    r"\b\d+\b|\b(?:two|three|four|five|six|twelve)\s+(?:days|weeks|months|years)\b"
    r"|\b(?:NSAIDs?|physical therapy|crutches|bisphosphonates?|shock wave|core decompression"
    r"|bone grafts?|stem cells?|PRP|bioplasty|steroid injections?|surgery|transplant"
    # How bad, how often: a source's "advanced" must not become our "severe".
    r"|severe|advanced|serious|rare|rarely|most common|always|never)\b",
    re.IGNORECASE,
)


def test_claims_table_holds(cat):
    for sid, ours, pid, theirs in CLAIMS:
        s = cat.statements[sid]
        assert re.search(ours, s.text), f"{sid}: {ours!r} not in its text"
        assert pid in s.citations, f"{sid} does not cite {pid}"
        assert re.search(theirs, cat.passages[pid].quote.replace("\n", " ")), f"{pid}: {theirs!r}"


def test_numbers_and_treatments_are_backed(cat):
    """Every number, duration and treatment a statement names sits in a claim of CLAIMS."""
    for sid, text, _ in texts(cat):
        text = PLACEHOLDER.sub("", text)
        covered = [m.span() for ours in (c[1] for c in CLAIMS if c[0] == sid)
                   for m in re.finditer(ours, text)]  # fmt: skip
        for m in NUMBER_OR_TREATMENT.finditer(text):
            assert any(a <= m.start() and m.end() <= b for a, b in covered), (
                f"{sid}: {m.group(0)!r} in {text[max(0, m.start() - 40) : m.end() + 20]!r} "
                "has no claim in CLAIMS"
            )


# --- Questions ------------------------------------------------------------------


def test_questions_are_well_formed(cat):
    seen_before: set[str] = set()
    for q in cat.questions.values():
        assert SNAKE.match(q.id), q.id
        assert q.section in cat.sections, q.id
        assert q.type in QUESTION_TYPES, q.id
        assert q.text and q.help, q.id
        values = [o.value for o in q.options]
        assert len(values) >= 2 and len(set(values)) == len(values), q.id
        for o in q.options:
            assert SNAKE.match(o.value) or o.value[0].isdigit(), (q.id, o.value)
            assert o.label, (q.id, o.value)
            if o.exclusive:
                assert q.type == "multi", f"{q.id}: exclusive only makes sense in multi"
        if q.show_when:
            ref = q.show_when.question
            assert ref in seen_before, f"{q.id}: show_when must refer to an earlier question"
            assert set(q.show_when.any_of) <= set(cat.questions[ref].values), q.id
        seen_before.add(q.id)


def test_every_section_has_questions(cat):
    for section in cat.sections.values():
        assert cat.section_questions(section.id), section.id


def test_honest_unknown_choices(cat):
    """Questions about facts a person may not know offer "I don't know"."""
    for qid in [
        "pain_duration",
        "swelling",
        "warmth",
        "fever",
        "injury",
        "steroid_use",
        "medical_history",
        "imaging",
        "mri_result",
        "xray_ct_result",
        "pregnancy",
    ]:
        assert any(o.unknown for o in cat.questions[qid].options), qid


@pytest.mark.parametrize(
    "qid, needed",
    [
        ("pain_sites", {"knee", "hip_groin", "ankle_foot", "spine", "other"}),
        ("pain_course", {"better", "same", "worse", "came_back"}),
        (
            "injury_kind",
            {"fall_impact", "sprain_twist", "ligament_meniscus", "fracture_dislocation", "sports"},
        ),
        ("overload", {"training_increase", "heavy_work", "dance_standing"}),
        ("pain_pattern", {"weight_bearing", "night", "stairs", "limping"}),
        ("steroid_use", {"tablets", "injections"}),
        (
            "medical_history",
            {
                "osteoarthritis",
                "inflammatory_arthritis",
                "ankylosing_spondylitis",
                "osteoporosis",
                "cancer",
                "radiation",
                "bone_infection",
                "kidney_disease",
                "cushings",
                "hyperparathyroidism",
                "low_vitamin_d",
                "high_cholesterol",
                "osteonecrosis",
            },
        ),
        ("imaging", {"xray", "ct", "mri", "dexa", "ultrasound", "none"}),
    ],
)
def test_catalogue_covers_the_brief(cat, qid, needed):
    assert needed <= set(cat.questions[qid].values)


def test_medical_terms_are_explained(cat):
    for value in [
        "osteoarthritis",
        "osteoporosis",
        "osteonecrosis",
        "hyperparathyroidism",
        "ankylosing_spondylitis",
        "radiation",
        "cushings",
        "bone_infection",
    ]:
        assert cat.questions["medical_history"].option(value).hint, value


# --- Rules ------------------------------------------------------------------------


def test_every_rule_has_a_one_line_docstring():
    for mixin in MIXINS:
        for name, attr in vars(mixin).items():
            if hasattr(attr, "_wrapped"):
                doc = attr._wrapped.__doc__
                assert doc and "\n" not in doc.strip(), f"{mixin.__name__}.{name}"


def test_rule_names_are_unique():
    names = [
        attr.__name__ for m in MIXINS for attr in vars(m).values() if hasattr(attr, "_wrapped")
    ]
    assert len(names) == len(set(names)) == len(rule_topics())


def test_rules_never_import_flask():
    for path in RULES_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                mods = [node.module or ""]
            else:
                continue
            assert not any(m.split(".")[0] in {"flask", "werkzeug", "wtforms"} for m in mods), path


def test_statements_said_only_by_their_topic(cat):
    """A statement's topic names the mixin whose rules make it."""
    for mixin in MIXINS:
        source = Path(__import__(mixin.__module__, fromlist=["x"]).__file__).read_text()
        for sid in re.findall(r'self\.say\("([a-z0-9_]+)"\)', source):
            assert sid in cat.statements, sid
            assert cat.statements[sid].topic == mixin.topic, sid


def test_fact_class_names_are_unique():
    """Traces and explanations name facts by class: no two classes may share a name."""
    from experta import Fact

    from rules import facts

    classes = [c for c in vars(facts).values() if isinstance(c, type) and issubclass(c, Fact)]
    classes += list(vars(facts.A).values())
    names = [c.__name__ for c in classes]
    assert len(names) == len(set(names))


def test_the_emergency_flags_are_the_emergency_warnings(cat):
    """The rule that says "go to an emergency department now" first (safety.EMERGENCY_FLAGS)
    fires for exactly the notices whose own instruction says so (``emergency`` in warnings.toml)."""
    from rules.kb.safety import EMERGENCY_KINDS

    emergency = {w.id for w in cat.warnings.values() if w.emergency}
    assert emergency and {f"urgent_{kind}" for kind in EMERGENCY_KINDS} == emergency


def test_what_to_do_now_gives_the_time_the_notices_give(cat):
    """ "What to do now" says "today" after a notice that says today, "today or tomorrow"
    when every notice says so, and points below when the time depends on what the
    person finds out (safety.TODAY_KINDS and the rest): held to each notice's words."""
    from rules.kb import safety

    groups = {
        "today": safety.TODAY_KINDS,
        "soon": safety.SOON_KINDS,
        "time_given": safety.TIME_GIVEN_KINDS,
        "now": safety.EMERGENCY_KINDS,
    }
    kinds = [kind for group in groups.values() for kind in group]
    assert sorted(f"urgent_{kind}" for kind in kinds) == sorted(cat.warnings)
    for group, members in groups.items():
        for kind in members:
            do = cat.warnings[f"urgent_{kind}"].do
            soon = "today or tomorrow" in do
            either_way = bool(re.search(r"\bIf (?:not|you are sure)\b|\botherwise\b", do))
            assert (group == "soon") == soon, kind
            assert (group == "time_given") == either_way, kind
            assert (group == "now") == do.startswith("Go to an emergency department now"), kind
            assert group != "today" or re.search(r"\btoday\b", do), kind
    first = {g: cat.statements[f"next_step_{g}"].text.split(".")[0] for g in ("today", "soon")}
    assert first == {
        "today": "Get help from a clinician today",
        "soon": "Get help from a clinician today or tomorrow",
    }


def test_a_value_placeholder_shows_only_that_answer(cat):
    """``{q=value}`` is that one answer: a sentence about it shows only to those who gave it."""
    from rules.wording import render

    text = "About {medical_history}.[ For {medical_history=kidney_disease}, more.]"
    kidney = cat.questions["medical_history"].option("kidney_disease").phrase
    bones = cat.questions["medical_history"].option("osteoporosis").phrase
    both = [("medical_history", "osteoporosis"), ("medical_history", "kidney_disease")]
    assert render(text, both, cat) == f"About {bones} and {kidney}. For {kidney}, more."
    assert render(text, both[:1], cat) == f"About {bones}."


def test_kidney_disease_is_named_only_to_those_who_named_it():
    from rules.engine import evaluate

    def metabolic(history: list[str]) -> str:
        made = {s.id: s.text for s in evaluate({"medical_history": history}).statements}
        return made["metabolic_link"]

    assert "kidney" not in metabolic(["osteoporosis", "low_vitamin_d"])
    assert "the bone problems it can bring" in metabolic(["osteoporosis", "kidney_disease"])


def test_a_condition_shows_fixed_words_only_to_those_it_names(cat):
    """``{?q=a,q=b}`` says nothing itself: the fixed words around it, inside ``[...]``, show
    only to those who gave one of those answers (weight advice for a knee, hip or ankle)."""
    from rules.wording import render

    text = "Rest.[ Keep weight off a knee or hip{?pain_sites=knee,pain_sites=hip_groin}.] Ask."
    said = "Rest. Keep weight off a knee or hip. Ask."
    assert render(text, [("pain_sites", "knee")], cat) == said
    assert render(text, [("pain_sites", "spine"), ("pain_sites", "hip_groin")], cat) == said
    assert render(text, [("pain_sites", "spine")], cat) == "Rest. Ask."
    assert render(text, [], cat) == "Rest. Ask."
