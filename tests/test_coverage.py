"""Everything the sources say, and where the app says it (issue 10, parts 3 and 4).

The learn page (rules/data/learn.toml, /bone-marrow-edema) presents everything the
three articles say about bone marrow edema, by topic, each claim in our plain words
with its passages. The coverage table (rules/data/coverage.toml) lists the distinct
things the articles say; an item is covered when a statement or a learn claim cites
one of its passages. Covered is computed here, never declared in the data.
"""

from __future__ import annotations

import re

import pytest
import textstat
from markupsafe import escape

from rules.content import (
    COVERAGE_FAMILIES,
    LEARN_TOPICS,
    catalogue,
    cited_passages,
    coverage,
    coverage_gaps,
    learn,
    learn_topic_of,
    normalise,
)
from rules.engine import evaluate
from rules.language import check, sentences

from .web import RUNNER, answer_all, submit

MIN_COVERED = 0.95
MAX_GRADE = 9  # Flesch-Kincaid grade of each learn claim (tests/test_words.py measures alike)
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
CLINIC_CLAIMS = "These are that clinic's claims."

#: Words that hide which source says what: a reader must always know.
VAGUE = re.compile(r"\b(?:one source|another source|the other source|the third source)\b", re.I)
#: Words that speak for several sources: only when the claim cites two or more.
PLURAL = re.compile(
    r"\bthe (?:three |two )?sources\b|^(?:Both|Two (?:of the )?sources|They|All three)\b", re.I
)


def claims():
    return [(t, c) for t in learn() for c in t.claims]


def attribution_problems(text: str, cited: set[str], cat) -> list[str]:
    """Which source says what: every source named is cited, every cited source named.

    A plural ("The sources say", "Both", "They") may stand for sources it does not
    name, but only in a claim that cites two sources or more.
    """
    found = [f"vague attribution {m.group(0)!r}" for m in VAGUE.finditer(text)]
    lowered = text.lower()
    named = {sid for sid, s in cat.sources.items() if any(c.lower() in lowered for c in s.called)}
    plural = any(PLURAL.search(s) for s in sentences(text))
    if plural and len(cited) < 2:
        found.append("speaks for several sources but cites one")
    if named - cited:
        found.append(f"names {sorted(named - cited)} without citing them")
    if cited - named and not plural:
        found.append(f"cites {sorted(cited - named)} without naming them")
    return found


# --- The learn page's data -------------------------------------------------------------


def test_topics_in_order():
    assert tuple(t.id for t in learn()) == LEARN_TOPICS
    for t in learn():
        assert t.title and t.about and t.claims, t.id


def test_every_claim_cites_known_passages():
    cat = catalogue()
    for t, c in claims():
        assert c.text and c.citations, (t.id, c.text)
        assert len(set(c.citations)) == len(c.citations), c.text
        unknown = [pid for pid in c.citations if pid not in cat.passages]
        assert unknown == [], (t.id, c.text)


def test_no_orphan_passages(cat):
    """Every passage is shown: in a statement (or urgent notice), or on the learn page."""
    assert sorted(set(cat.passages) - cited_passages()) == []


def test_claims_never_diagnose():
    found = {c.text: check(c.text) for _, c in claims()}
    found |= {t.intro: check(t.intro) for t in learn() if t.intro}
    assert {k: v for k, v in found.items() if v} == {}


def test_claims_name_their_sources(cat):
    found = {}
    for _, c in claims():
        cited = {cat.passages[pid].source for pid in c.citations}
        problems = attribution_problems(c.text, cited, cat)
        if problems:
            found[c.text] = problems
    assert found == {}


@pytest.mark.parametrize(
    "text, cited, ok",
    [
        ("Cleveland Clinic says it usually goes away. It says rest helps.", {"cleveland"}, True),
        ("One source says it usually goes away.", {"cleveland"}, False),
        ("The sources say it is fluid in a bone.", {"cleveland"}, False),
        ("The sources say it is fluid in a bone.", {"cleveland", "ozer"}, True),
        ("Cleveland Clinic says it usually goes away.", {"cleveland", "verywell"}, False),
        ("Verywell Health says MRI shows it.", {"cleveland"}, False),
        ("A clinic's blog says rest helps. These are that clinic's claims.", {"ozer"}, True),
    ],
)
def test_attribution_check_can_fail(cat, text, cited, ok):
    assert (attribution_problems(text, cited, cat) == []) is ok


def test_clinic_claims_are_attributed(cat):
    """The promotional blog's treatment and outlook claims are that clinic's claims."""
    for t, c in claims():
        passages = [cat.passages[pid] for pid in c.citations]
        promotional = any(p.topic == "promotional" for p in passages)
        clinic = any(p.source == "ozer" for p in passages)
        if promotional or (clinic and t.id in {"treatments", "outlook"}):
            assert CLINIC_CLAIMS in c.text, c.text
            if t.id != "differences":
                assert c.text.endswith(CLINIC_CLAIMS), c.text


def test_claims_are_plain():
    hard = {c.text: g for _, c in claims() if (g := textstat.flesch_kincaid_grade(c.text)) > 9}
    assert hard == {}


def test_every_difference_is_presented_once(cat):
    presented = [c.difference for _, c in claims() if c.difference]
    assert sorted(presented) == sorted(d.id for d in cat.differences)
    differences = {d.id: d for d in cat.differences}
    topic = next(t for t in learn() if t.id == "differences")
    for c in topic.claims:
        assert c.difference, f"every claim under {topic.title!r} presents a difference"
        sides = {cat.passages[pid].source for pid in differences[c.difference].passages}
        cited = {cat.passages[pid].source for pid in c.citations}
        assert sides <= cited, f"{c.difference}: cite every side"
        assert "differ" in c.text, c.difference
    for t, c in claims():
        assert not c.difference or t.id == "differences", c.text


def test_claims_elsewhere_do_not_hide_a_difference(cat):
    """A claim citing two sides of a difference says that the sources differ."""
    for _, c in claims():
        for d in cat.differences:
            sides = {cat.passages[pid].source for pid in c.citations if pid in d.passages}
            if len(sides) >= 2:
                assert "differ" in c.text, f"{c.text!r} cites both sides of {d.id}"


def test_every_statement_links_to_one_topic(cat):
    listed = [sid for t in learn() for sid in t.statements]
    assert len(listed) == len(set(listed)), "a statement is listed in two topics"
    assert sorted(set(listed) - set(cat.statements)) == [], "unknown statements listed"
    assert sorted(set(cat.statements) - set(listed)) == [], "statements with no topic"
    assert all(learn_topic_of()[w].id == "when_to_see" for w in cat.warnings)


# --- Coverage --------------------------------------------------------------------------


def test_coverage_items_are_well_formed(cat):
    items = coverage()
    ids = [i.id for i in items]
    assert len(ids) == len(set(ids)), "item ids are unique"
    for item in items:
        assert SNAKE.match(item.id), item.id
        assert item.source in cat.sources, item.id
        assert item.family in COVERAGE_FAMILIES, item.id
        assert item.what and item.passages, item.id
        for pid in item.passages:
            assert pid in cat.passages, f"{item.id}: unknown passage {pid}"
            assert cat.passages[pid].source == item.source, f"{item.id}: {pid} is another's"


def test_every_source_and_family_is_inventoried(cat):
    items = coverage()
    assert {i.source for i in items} == set(cat.sources)
    assert {i.family for i in items} == set(COVERAGE_FAMILIES)


def test_coverage_at_least_95_percent():
    items = coverage()
    gaps = coverage_gaps()
    share = 1 - len(gaps) / len(items)
    named = "; ".join(f"{g.id} ({g.source}: {g.what})" for g in gaps)
    assert share >= MIN_COVERED, f"{share:.1%} of {len(items)} items covered; gaps: {named}"


def test_coverage_is_computed_not_declared(monkeypatch):
    """An item whose passages nothing cites is a gap."""
    from rules import content

    item = content.CoverageItem("x", "ozer", "faq", "an item nobody quotes", ("not_cited",))
    monkeypatch.setattr(content, "coverage", lambda: (item,))
    assert content.coverage_gaps() == [item]


# --- The page ----------------------------------------------------------------------------


@pytest.fixture
def page(client):
    response = client.get("/bone-marrow-edema")
    assert response.status_code == 200
    return response


def test_the_page_needs_no_session(page):
    assert "Set-Cookie" not in page.headers
    assert page.headers["Content-Security-Policy"]


def test_the_page_shows_every_topic_and_quote(cat, page):
    html = page.get_data(as_text=True)
    assert html.count("<h1") == 1
    for t in learn():
        assert f'id="{t.id}"' in html, t.id
        assert re.search(rf'<h2 id="{t.id}-heading">{re.escape(str(escape(t.title)))}</h2>', html)
    flat = normalise(html)
    for _, c in claims():
        for pid in c.citations:
            assert normalise(str(escape(cat.passages[pid].quote))) in flat, pid
    # Every difference, and the sources closed until opened.
    for d in cat.differences:
        assert f'id="difference-{d.id}"' in html, d.id
    assert "<details open" not in html
    assert html.count('<details class="sources-of">') == len(claims())


def test_the_page_explains_terms_once(page):
    html = page.get_data(as_text=True)
    assert html.count("(imaging with a strong magnet, not X-rays)") == 1


def test_the_page_is_linked_from_the_start_page(client):
    html = client.get("/").get_data(as_text=True)
    assert html.count('href="/bone-marrow-edema"') == 2  # in the page and in the footer
    assert "Learn about bone marrow edema" in html


def test_the_summary_links_each_statement_to_its_topic(client):
    answer_all(client, RUNNER)
    submit(client)
    html = client.get("/summary").get_data(as_text=True)
    for s in evaluate(RUNNER).statements:
        topic = learn_topic_of()[s.id]
        start = html.index(f'id="statement-{s.id}"')
        item = html[start : html.index("</details>", start)]
        assert f'href="/bone-marrow-edema#{topic.id}"' in item, s.id
