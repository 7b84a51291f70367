"""Content is data, and these tests are its checks: verbatim quotes, citations,
no orphans, a sound question catalogue, attributed claims, stated differences."""

import ast
import re
from pathlib import Path

import pytest

from rules import content
from rules.content import ELLIPSIS, EMERGENCY, LEVELS, QUESTION_TYPES, quote_in
from rules.engine import PLACEHOLDER, rule_topics
from rules.kb import MIXINS
from rules.language import check

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
    cited = {pid for s in cat.statements.values() for pid in s.citations}
    assert sorted(set(cat.passages) - cited) == []


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
            for qid in group.split(","):
                assert qid in cat.questions, f"{s.id}: {{{qid}}} is not a question"


def test_urgent_notices_say_what_to_do_first_and_not_for_emergencies(cat):
    """Each notice: what they told us, then how soon to get care, and never an emergency service."""
    urgent = {s.id for s in cat.statements.values() if s.level == "urgent"}
    assert urgent == set(cat.warnings), "urgent notices are defined only in warnings.toml"
    for w in cat.warnings.values():
        text = cat.statements[w.id].text
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
        "next_step_visit",
    }
    assert cat.statements["about_bme"].rank == 1, "the core message is the first key point"


def test_promotional_claims_are_attributed(cat):
    """Citing the clinic blog's treatment claims means saying they are that clinic's."""
    promo = {p.id for p in cat.passages.values() if p.topic == "promotional"}
    for s in cat.statements.values():
        if promo & set(s.citations):
            assert "clinic's claims" in s.text, s.id


def test_differences_between_sources_are_stated(cat):
    assert cat.differences
    for d in cat.differences:
        sides = {cat.passages[pid].source for pid in d.passages}
        assert len(sides) >= 2, d.id
        for s in cat.statements.values():
            cited_sides = {cat.passages[pid].source for pid in s.citations if pid in d.passages}
            if len(cited_sides) >= 2:
                assert "differ" in s.text, f"{s.id} cites both sides of {d.id}"


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
