"""The reasoning picture: valid SVG, one node per fact taking part, one edge per link."""

import xml.etree.ElementTree as ET

import pytest

from rules.content import cases, catalogue
from rules.engine import evaluate
from rules.explain import catalogue_of_rules
from rules.graph import esc, evaluation_svg, knowledge_base_svg

SVG = "{http://www.w3.org/2000/svg}"


def nodes(root, kind=None):
    found = []
    for g in root.iter(f"{SVG}g"):
        css = g.get("class", "").split()
        if "node" in css and (kind is None or f"node-{kind}" in css):
            found.append(g)
    return found


def title_of(element) -> str:
    return element.find(f"{SVG}title").text


@pytest.mark.parametrize("case", cases().values(), ids=list(cases()))
def test_evaluation_picture(case):
    result = evaluate(case.answers)
    root = ET.fromstring(evaluation_svg(result))
    assert root.get("role") == "img" and root.find(f"{SVG}title").text
    legend = 4
    drawn = nodes(root)
    used = {i for f in result.trace for i in (*f.matched, *f.declared)}
    assert len(drawn) - legend == len(used)
    titles = {title_of(g) for g in drawn}
    for s in result.statements:
        assert s.title in titles
    for fact in result.facts.values():
        if fact.kind == "derived":
            assert str(fact) in titles
    pairs = {(m, d) for f in result.trace for m in f.matched for d in f.declared}
    assert len(list(root.iter(f"{SVG}path"))) == len(pairs)
    urgent = {title_of(g) for g in nodes(root) if "node-urgent" in g.get("class")}
    assert urgent - {"Urgent statement"} == {
        s.title for s in result.statements if s.level == "urgent"
    }


def test_knowledge_base_picture():
    root = ET.fromstring(knowledge_base_svg())
    titles = {title_of(g) for g in nodes(root)}
    cat = catalogue()
    assert {s.title for s in cat.statements.values()} <= titles
    read = {q for info in catalogue_of_rules().values() for q in info.questions}
    assert read <= titles
    dashed = [p for p in root.iter(f"{SVG}path") if p.get("stroke-dasharray")]
    # A NOT on a kind the rule also reads positively draws one solid edge.
    negated = {
        info.name for info in catalogue_of_rules().values() if set(info.negated) - set(info.reads)
    }
    tooltips = {r for p in dashed for r in title_of(p).split(", ")}
    assert negated <= tooltips


def test_text_is_escaped():
    assert esc("<&>\"'") == "&lt;&amp;&gt;&quot;&#39;"
    svg = evaluation_svg(evaluate({}))
    ET.fromstring(svg)


def test_picture_pages(client):
    page = client.get("/learn/cases/runner_hip_pain/picture").get_data(as_text=True)
    assert "<svg" in page and "Hip or groin pain with sport" in page
    assert "<svg" in client.get("/learn/picture").get_data(as_text=True)
    raw = client.get("/learn/knowledge-base.svg")
    assert raw.mimetype == "image/svg+xml"
    ET.fromstring(raw.get_data(as_text=True))
