"""Words a person in pain reads on a phone (issue 9).

Every statement, filled with the person's own answers, must read as plain,
short sentences: each answer a short phrase inside a sentence, no two
statements of one summary opening alike or saying the same thing, key points
short, a low reading grade, and every medical term explained at its first use.

Two ways in: thousands of generated answer sets, each made into a summary
(``rules.summary.plan``), and every statement on its own, filled with the
longest answers it can rest on (``longest``).
"""

from __future__ import annotations

import random
import re
import statistics
from functools import cache

import textstat
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.content import cases, catalogue
from rules.engine import evaluate
from rules.language import sentences
from rules.results import Result
from rules.summary import glossary, plan, term_pattern
from rules.wording import PLACEHOLDER, render, wanted
from tests.answer_sets import complete_answers, long_case, random_answers, valid_answers

MAX_GRADE = 8  # Flesch-Kincaid grade of each statement, with its longest answers
MAX_MEDIAN_GRADE = 6  # over all statements
MAX_OPENING_WORDS = 25
MAX_OPENING_ANDS = 2
MAX_KEY_POINT_WORDS = 50

#: Messages the language review found said twice in one summary: each may be said
#: by one statement of a summary at most.
MESSAGES = {
    "see your provider if symptoms return or get worse": (
        r"\b(?:return|come back|comes back)\b[^.]{0,25}\b(?:worse|worsen)"
    ),
    "persistent pain should be checked": (
        r"\b(?:persistent|lasting|long-lasting|ongoing)\b[^.]{0,60}"
        r"\b(?:checked|overlooked|evaluat\w*|looked at)\b"
    ),
    "rest for several months": r"\brest\w*\b[^.]{0,60}\bseveral months\b",
    "transient osteoporosis settles in 3 to 6 months": r"\b3 (?:to|-|–) ?6 months\b",
    "MRI shows bone marrow edema": (
        r"\bMRI\b[^.]{0,40}\b(?:shows?|reveals?|finds?|detects?)\b[^.]{0,15}"
        r"\b(?:it|bone marrow edema)\b"
    ),
    "X-rays and CT often do not show it": (
        r"(?:\bX-rays?\b[^.]{0,30}\bCT\b|\bCT\b[^.]{0,40}\bX-rays?\b)[^.]{0,40}"
        r"\b(?:miss|fail|do not show|don't show|cannot show|can't show)"
    ),
    "with a fever or chills, contact a clinician today": (
        r"\bfever or chills\b[^.]{0,80}\bcontact a clinician\b"
    ),
    "a physician may order an MRI": r"\border an MRI\b",
    "a clinician will ask about your symptoms": (
        r"\bask about your symptoms\b|\bexamine you and ask\b"
    ),
}

#: Medical words a lay reader may not know: a statement that uses one must have it
#: in the glossary (rules/data/glossary.toml), so the summary explains it at first use.
MEDICAL_WORDS = (
    "MRI",
    "CT",
    "DEXA",
    "NSAID",
    "bisphosphonate",
    "PRP",
    "stem cell",
    "stress fracture",
    "transient osteoporosis",
    "avascular necrosis",
    "osteonecrosis",
    "core decompression",
    "bone graft",
    "osteoporosis",
    "osteoarthritis",
    "shock wave therapy",
    "intraosseous",
    "bioplasty",
    "outpatient",
    "biopsy",
    "corticosteroid",
    "metabolic",
    "bone marrow edema syndrome",
    "meniscus",
    "Cushing",
    "hyperparathyroidism",
    "spondylitis",
)

# --- Answer sets -------------------------------------------------------------------


@cache
def sample() -> tuple:
    """Seeded answer sets and their results: the bundled cases, the long case and 1,000 more."""
    rng = random.Random(9)
    answer_sets = [c.answers for c in cases().values()] + [long_case()]
    answer_sets += [random_answers(rng, skip=0.3 if n % 3 == 0 else 0) for n in range(1000)]
    return tuple((answers, evaluate(answers)) for answers in answer_sets)


@cache
def reach() -> dict[str, dict[str, set[str]]]:
    """For each statement, every answer (question, values) it has been seen to rest on.

    Over ``sample()``: enough to reach every answer that each statement can rest on
    (the same as over 20,000 answer sets).
    """
    seen: dict[str, dict[str, set[str]]] = {}
    for _, result in sample():
        for s in result.statements:
            found = seen.setdefault(s.id, {})
            for question, value in s.rests_on:
                found.setdefault(question, set()).add(value)
    return seen


def longest(statement_id: str) -> str:
    """The statement filled with the longest answers it can rest on.

    Every option it can rest on for a "choose any" question, the longest
    phrase for a "choose one" question, and the pregnancy caution if it can get one.
    """
    cat = catalogue()
    definition = cat.statements[statement_id]
    seen = reach().get(statement_id, {})
    text = definition.text
    if definition.in_pregnancy and "pregnancy" in seen:
        text = f"{text} {definition.in_pregnancy}"
    rests_on = []
    for question in cat.questions.values():
        values = [v for v in question.values if v in seen.get(question.id, ())]
        if question.type == "single" and values:
            values = [max(values, key=lambda v: len(question.option(v).phrase))]
        rests_on += [(question.id, v) for v in values]
    return render(text, rests_on, cat)


# --- Measures --------------------------------------------------------------------


def grade(text: str) -> float:
    return textstat.flesch_kincaid_grade(text)


def words(text: str) -> int:
    return len(text.split())


def opening(text: str) -> str:
    return sentences(text)[0]


def ands(text: str) -> int:
    return len(re.findall(r"\band\b", text))


def normalised(sentence: str) -> str:
    """A sentence without the glossary's explanations, case or punctuation."""
    return " ".join(re.sub(r"\([^()]*\)|[^\w\s]", " ", sentence.lower()).split())


@cache
def _term_uses(text: str) -> tuple[tuple[str, bool, str], ...]:
    """Each glossary term used in ``text``: the term, whether "(" follows, the context."""
    pattern, forms = term_pattern()
    return tuple(
        (
            forms[m.group(0).lower()].term,
            text.startswith(" (", m.end()),
            text[max(0, m.start() - 30) : m.end() + 30],
        )
        for m in pattern.finditer(text)
    )


def unexplained_terms(texts: list[str]) -> list[str]:
    """Glossary terms whose first use, in reading order, has no "(" right after it."""
    seen: set[str] = set()
    found = []
    for text in texts:
        for term, explained, context in _term_uses(text):
            if term not in seen:
                seen.add(term)
                if not explained:
                    found.append(f"{term}: {context!r}")
    return found


# --- Over generated summaries -------------------------------------------------------


@cache
def _messages() -> tuple[tuple[str, re.Pattern], ...]:
    return tuple((m, re.compile(p, re.IGNORECASE)) for m, p in MESSAGES.items())


def messages(text: str) -> frozenset[str]:
    """The messages of ``MESSAGES`` that ``text`` says (the glossary's explanations aside)."""
    plain = re.sub(r" \([^()]*\)", "", text)
    return frozenset(m for m, rx in _messages() if rx.search(plain))


@cache
def _read(text: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """A shown text's sentences (normalised) and the messages it says; texts recur a lot."""
    return tuple(normalised(sentence) for sentence in sentences(text)), messages(text)


@cache
def _statement_problems(sid: str, text: str) -> tuple[str, ...]:
    """What is wrong with one statement as the engine made it, whatever else is shown."""
    found = []
    if "about being" in text:
        found.append("'about being'")
    found += [
        f"'where it hurts' twice: {x!r}" for x in sentences(text) if x.count("where it hurts") > 1
    ]
    first = opening(text)
    if words(first) > MAX_OPENING_WORDS or ands(first) > MAX_OPENING_ANDS:
        found.append(f"opening of {words(first)} words, {ands(first)} 'and': {first!r}")
    if catalogue().statements[sid].rank and words(text) > MAX_KEY_POINT_WORDS:
        found.append(f"key point of {words(text)} words")
    return tuple(f"{sid}: {p}" for p in found)


def check_summary(result: Result) -> None:
    # Each statement on its own: phrases, opening, length.
    problems = [p for s in result.statements for p in _statement_problems(s.id, s.text)]
    assert problems == []
    # No two statements open alike.
    openings: dict[str, str] = {}
    for s in result.statements:
        first = normalised(opening(s.text))
        assert first not in openings, (s.id, openings.get(first), opening(s.text))
        openings[first] = s.id
    # As shown (rules.summary.plan): no sentence and no message twice, terms explained.
    shown = plan(result.to_dict()).reading_order()
    said: dict[str, str] = {}
    saying: dict[str, str] = {}
    for s in shown:
        keys, messages = _read(s["text"])
        for key in keys:
            assert key not in said, ("sentence said twice", said.get(key), s["id"], key)
            said[key] = s["id"]
        for message in messages:
            assert message not in saying, ("message said twice", saying[message], s["id"], message)
            saying[message] = s["id"]
    assert unexplained_terms([s["text"] for s in shown]) == []
    # An explanation never lands inside another bracket: "(NSAIDs (anti-inflammatory …))".
    nested = [s["id"] for s in shown if re.search(r"\([^()]*\(", s["text"])]
    assert nested == [], nested


@settings(max_examples=700, deadline=None, derandomize=True)
@given(st.one_of(complete_answers(), valid_answers()))
def test_every_summary_reads_well(answers):
    check_summary(evaluate(answers))


def test_every_sampled_summary_reads_well():
    """The bundled cases, the long case and 1,000 seeded answer sets (``sample()``)."""
    for _, result in sample():
        check_summary(result)


# --- Every statement, with its longest answers ------------------------------------------


def test_reach_finds_what_statements_rest_on():
    """The sample behind ``longest`` reaches every placeholder of every statement it makes."""
    cat = catalogue()
    for sid, seen in reach().items():
        definition = cat.statements[sid]
        for group in PLACEHOLDER.findall(f"{definition.text} {definition.in_pregnancy}"):
            assert any(q in seen for q, _ in wanted(group)), (sid, group)


#: Words that speak of several things: wrong after a single answer ("each one you named").
SEVERAL = re.compile(r"\b(?:each|both|these|all of them)\b", re.IGNORECASE)


def test_one_answer_is_not_spoken_of_as_several():
    """A "choose all" answer may be one thing: the words around it fit one or several."""
    cat = catalogue()
    for _, result in sample():
        for s in result.statements:
            definition = cat.statements[s.id]
            groups = PLACEHOLDER.findall(f"{definition.text} {definition.in_pregnancy}")
            multi = {q for g in groups for q, _ in wanted(g) if cat.questions[q].type == "multi"}
            if any(sum(q == m for q, _ in s.rests_on) == 1 for m in multi):
                text = re.sub(r"these are that clinic's claims", "", s.text, flags=re.I)
                assert not SEVERAL.search(text), (s.id, s.rests_on, s.text)


def test_said_phrases_have_no_comma():
    for question in catalogue().questions.values():
        for option in question.options:
            assert "," not in option.phrase, (question.id, option.value, option.phrase)


def test_no_about_being():
    for sid in catalogue().statements:
        assert "about being" not in longest(sid), (sid, longest(sid))


def test_openings_are_short():
    for sid in reach():
        first = opening(longest(sid))
        assert words(first) <= MAX_OPENING_WORDS, (sid, words(first), first)
        assert ands(first) <= MAX_OPENING_ANDS, (sid, ands(first), first)


def test_key_points_are_short():
    cat = catalogue()
    for sid in reach():
        if cat.statements[sid].rank:
            text = longest(sid)
            assert words(text) <= MAX_KEY_POINT_WORDS, (sid, words(text), text)


def test_reading_grade():
    grades = {sid: grade(longest(sid)) for sid in reach()}
    hard = {sid: g for sid, g in grades.items() if g > MAX_GRADE}
    assert hard == {}
    assert statistics.median(grades.values()) <= MAX_MEDIAN_GRADE, sorted(grades.items())


def test_every_statement_is_measured():
    """Every statement is reached by the sample, so every one is measured above."""
    assert set(reach()) == set(catalogue().statements)


def test_medical_words_are_in_the_glossary():
    cat = catalogue()
    terms = [f.lower() for t in glossary() for f in (t.term, *t.forms)]
    used = " ".join(f"{s.text} {s.in_pregnancy}" for s in cat.statements.values())
    missing = [
        w
        for w in MEDICAL_WORDS
        if re.search(rf"\b{re.escape(w)}", used, re.IGNORECASE)
        and not any(w.lower() in t for t in terms)
    ]
    assert missing == []


def test_glossary_covers_the_brief():
    terms = {f.lower() for t in glossary() for f in (t.term, *t.forms)}
    for term in [
        "MRI",
        "CT",
        "DEXA",
        "NSAIDs",
        "bisphosphonates",
        "PRP",
        "stem cells",
        "stress fracture",
        "transient osteoporosis",
        "avascular necrosis",
        "core decompression",
        "bone graft",
    ]:
        assert term.lower() in terms, term


def test_glossary_explanations_contain_no_glossary_term():
    """An explanation must not need explaining."""
    pattern, _ = term_pattern()
    for term in glossary():
        assert not pattern.search(term.explain), (term.term, term.explain)


# --- Answers the wording must fit -------------------------------------------------------


def _texts(answers: dict) -> dict[str, str]:
    return {s.id: s.text for s in evaluate(answers).statements}


def test_past_conditions_read_as_past():
    history = catalogue().questions["medical_history"]
    for value in ("bone_infection", "cancer"):
        assert "past" in history.option(value).phrase, value


def test_fixed_wording_fits_the_answers():
    # Given birth months ago: not "the pregnancy", not "you are pregnant".
    texts = _texts({"sex": "female", "pregnancy": "recent_birth", "pain_sites": ["ankle_foot"]})
    assert "pregnancy_other" in texts
    assert not re.search(r"the pregnancy|you are pregnant", " ".join(texts.values()))
    # Only the back hurts: no leg.
    texts = _texts({"pain_sites": ["spine"], "pain_pattern": ["limping"]})
    assert "limping" in texts
    assert not re.search(r"\bleg\b", " ".join(texts.values())), texts
    # Pain of under 2 weeks that came back: not persistent, not lasting.
    texts = _texts(
        {"age_band": "over_60", "pain_duration": "under_2_weeks", "pain_course": "came_back"}
    )
    assert "worse_or_back" in texts
    assert not re.search(r"\b(?:persistent|lasting|long-lasting)\b", " ".join(texts.values()))


def test_the_core_message_is_said_by_about_bme():
    text = catalogue().statements["about_bme"].text
    assert messages(text) >= {"MRI shows bone marrow edema", "X-rays and CT often do not show it"}
    assert "Only a clinician can say" in text


# --- The checks can fail ------------------------------------------------------------------

#: Sentences of the wording the language review found (knowledge base 2026.11.1), one
#: or more per message: each pattern must recognise its message.
SAID_BEFORE = {
    "see your provider if symptoms return or get worse": [
        "One source says to see your provider if symptoms return or get worse.",
        "See your provider if you notice no results, or if symptoms come back or get worse.",
    ],
    "persistent pain should be checked": [
        "One source says persistent joint pain should always be checked.",
        "Persistent joint pain in athletes and in people over 40 should not be overlooked.",
    ],
    "rest for several months": [
        "Bone marrow edema usually goes away over time, often with rest for several months.",
        "Rest and keeping weight off the painful joint, sometimes for several months.",
    ],
    "transient osteoporosis settles in 3 to 6 months": [
        "A rare condition that usually settles within 3 to 6 months.",
    ],
    "MRI shows bone marrow edema": [
        "The sources agree that MRI is the scan that shows bone marrow edema.",
        "Two sources say MRI is the scan that shows it.",
    ],
    "X-rays and CT often do not show it": [
        "One says X-rays and CT scans often fail to show it.",
        "One source says X-rays and CT scans often miss bone marrow edema, which MRI shows.",
    ],
    "with a fever or chills, contact a clinician today": [
        "If you get a fever or chills as well, contact a clinician today.",
        "If you get a fever or chills, or the area becomes warm or swollen, contact a clinician.",
    ],
    "a physician may order an MRI": [
        "A physician may order an MRI because of difficulty bearing weight.",
    ],
    "a clinician will ask about your symptoms": [
        "One source says your provider will ask about your symptoms and medical history.",
        "A clinician will examine you and ask about your symptoms and history.",
    ],
}


def test_each_message_pattern_recognises_its_message():
    assert set(SAID_BEFORE) == set(MESSAGES)
    for message, examples in SAID_BEFORE.items():
        for example in examples:
            assert message in messages(example), (message, example)


def test_the_checks_catch_what_the_review_found():
    assert unexplained_terms(["An MRI scan.", "An MRI scan (a scan)."]) != []
    assert unexplained_terms(["An MRI scan (a scan).", "An MRI scan."]) == []
    assert normalised("You said: the knee (a joint).") == normalised("you said the knee")
    # A glossary explanation does not hide a message.
    assert "X-rays and CT often do not show it" in messages(
        "They differ on X-rays and CT (detailed X-ray imaging): one says these often miss it."
    )
    long_opening = (
        "You told us about being 40 to 60, and pain that has lasted 6 weeks to 3 months"
        " and gone away and come back, and no MRI scan so far. More."
    )
    assert _statement_problems("check_early", long_opening) != ()
    assert words(opening("You told us about pain. More.")) == 5
    assert grade("Bisphosphonates ameliorate osteoporotic demineralisation.") > MAX_GRADE


def test_no_term_is_explained_inside_an_answer_phrase():
    """The glossary explains a term right after its first use: inside an answer's phrase
    that split it ("after a ligament or meniscus (a cushion of cartilage in the knee)
    injury"). A term in a phrase ends it, or comes before "or" or "and"."""
    pattern, _ = term_pattern()
    split = [
        (q.id, o.value, o.said)
        for q in catalogue().questions.values()
        for o in q.options
        for m in pattern.finditer(o.said or "")
        if (rest := o.said[m.end() :].split()) and rest[0] not in ("or", "and")
    ]
    assert split == []
