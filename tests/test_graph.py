"""The reasoning picture: valid SVG laid out by grandalf, legible at 1:1 (issue 13),
one node per fact and per rule that took part, one edge per link."""

import itertools
import re
import xml.etree.ElementTree as ET

import pytest

from rules.content import cases, catalogue
from rules.engine import evaluate
from rules.explain import catalogue_of_rules
from rules.graph import (
    TILE,
    esc,
    evaluation_svg,
    knowledge_base_svg,
    overview_svg,
    print_tiles,
    topic_svg,
    topics,
    wrap,
)

SVG = "{http://www.w3.org/2000/svg}"
LEGEND = 5  # sample nodes in the legend


def nodes(root, kind=None):
    found = []
    for g in root.iter(f"{SVG}g"):
        css = g.get("class", "").split()
        if "node" in css and (kind is None or f"node-{kind}" in css):
            found.append(g)
    return found


def title_of(element) -> str:
    return element.find(f"{SVG}title").text


def shown_text(g) -> str:
    """The words a node shows, its wrapped lines joined."""
    return " ".join(t.text for t in g.iter(f"{SVG}tspan"))


def rule_names(root) -> set[str]:
    """The rule names shown (broken after an underscore over several lines)."""
    return {"".join(shown_text(g).split()) for g in nodes(root, "rule")} - {"rule_name"}


def assert_legible(root):
    """Drawn 1:1 (never scaled down), no text under 12 px, no label cut, no overlap, no
    line hidden behind a node."""
    assert root.get("width") == root.get("viewBox").split()[2]
    assert root.get("height") == root.get("viewBox").split()[3]
    assert float(root.get("font-size")) >= 12
    for text in root.iter(f"{SVG}text"):
        assert float(text.get("font-size", root.get("font-size"))) >= 12
    boxes = []
    for g in nodes(root):
        assert "…" not in shown_text(g)
        shown, label = ("".join(t.split()) for t in (shown_text(g), title_of(g)))
        assert shown == label, "a label shown in full"
        r = g.find(f"{SVG}rect")
        boxes.append(tuple(float(r.get(k)) for k in ("x", "y", "width", "height")))
    for i, (x, y, w, h) in enumerate(boxes):
        for x2, y2, w2, h2 in boxes[i + 1 :]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y, "nodes overlap"
    for path in root.iter(f"{SVG}path"):
        if path.get("class") == "edge":
            assert not edge_behind_node(path.get("d"), boxes), path.get("d")


def edge_behind_node(d: str, boxes) -> bool:
    """Whether a line runs behind a node (the node is drawn over it and hides it)."""
    points = [tuple(map(float, p.split(","))) for p in re.findall(r"-?[\d.]+,-?[\d.]+", d)]
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        for t in (i / 20 for i in range(1, 20)):
            px, py = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t
            if any(x + 1 < px < x + w - 1 and y + 1 < py < y + h - 1 for x, y, w, h in boxes):
                return True
    return False


@pytest.mark.parametrize("case", cases().values(), ids=list(cases()))
def test_evaluation_picture(case):
    result = evaluate(case.answers)
    root = ET.fromstring(evaluation_svg(result))
    assert root.get("role") == "img" and root.find(f"{SVG}title").text
    assert_legible(root)
    used = {i for f in result.trace for i in (*f.matched, *f.declared)}
    fired = {f.rule for f in result.trace}
    assert len(nodes(root)) - LEGEND == len(used) + len(fired)
    assert rule_names(root) == fired, "every rule that fired is named on the picture"
    titles = {title_of(g) for g in nodes(root)}
    for s in result.statements:
        assert s.title in titles
    links = {(f.rule, i) for f in result.trace for i in (*f.matched, *f.declared)}
    assert len([p for p in root.iter(f"{SVG}path") if p.get("class") == "edge"]) == len(links)
    urgent = {title_of(g) for g in nodes(root) if "node-urgent" in g.get("class")}
    assert urgent - {"Urgent statement"} == {
        s.title for s in result.statements if s.level == "urgent"
    }


@pytest.mark.parametrize("topic", list(topics()))
def test_each_topic_picture_names_its_rules(topic):
    root = ET.fromstring(topic_svg(topic))
    assert_legible(root)
    assert rule_names(root) == {info.name for info in topics()[topic]}
    negated = [info for info in topics()[topic] if set(info.negated) - set(info.reads)]
    dashed = [p for p in root.iter(f"{SVG}path") if p.get("stroke-dasharray")]
    assert len(dashed) - 1 >= len(negated) > 0 or not negated  # 1: the legend's sample


def test_overview_links_every_topic():
    root = ET.fromstring(overview_svg(lambda t: f"/learn/picture/{t}"))
    assert_legible(root)
    links = {a.get("href") for a in root.iter(f"{SVG}a")}
    assert links == {f"/learn/picture/{t}" for t in topics()}


def test_knowledge_base_picture():
    root = ET.fromstring(knowledge_base_svg())
    assert_legible(root)
    titles = {title_of(g) for g in nodes(root)}
    cat = catalogue()
    said = {a.target for info in catalogue_of_rules().values() for a in info.actions}
    assert {s.title for s in cat.statements.values() if s.id in said} <= titles
    read = {q for info in catalogue_of_rules().values() for q in info.questions}
    assert {cat.questions[q].short_text for q in read} <= titles
    assert rule_names(root) == set(catalogue_of_rules())


def test_labels_wrap_at_word_breaks_and_keep_every_character():
    assert wrap("RedFlag(kind=fever_unsure)", 24) == ["RedFlag(kind=fever_", "unsure)"]
    assert wrap("pain_duration = 6_weeks_to_3_months", 24) == [
        "pain_duration =",
        "6_weeks_to_3_months",
    ]
    assert wrap("treatment_not_helped", 17) == ["treatment_not_", "helped"]
    assert wrap("x" * 30, 24) == ["x" * 24, "x" * 6]  # cut only when there is no break
    assert wrap("", 24) == [""]


def test_text_is_escaped():
    assert esc("<&>\"'") == "&lt;&amp;&gt;&quot;&#39;"
    svg = evaluation_svg(evaluate({}))
    ET.fromstring(svg)


def test_picture_pages(client):
    page = client.get("/learn/cases/runner_hip_pain/picture").get_data(as_text=True)
    assert "<svg" in page and "Hip or groin pain with sport" in page
    overview = client.get("/learn/picture").get_data(as_text=True)
    for topic in topics():
        assert f'href="/learn/picture/{topic}"' in overview
        assert "<svg" in client.get(f"/learn/picture/{topic}").get_data(as_text=True)
    assert client.get("/learn/picture/nope").status_code == 404
    raw = client.get("/learn/knowledge-base.svg")
    assert raw.mimetype == "image/svg+xml"
    ET.fromstring(raw.get_data(as_text=True))


def test_print_tiles_cover_the_drawing_at_full_size():
    """Printed, a wide picture would shrink to a third; its tiles stay 1:1."""
    svg = evaluation_svg(evaluate(cases()["runner_hip_pain"].answers))
    root = ET.fromstring(svg)
    width, height = float(root.get("width")), float(root.get("height"))
    assert root.find(f"{SVG}g[@id='reasoning-drawing']") is not None
    tiles = [ET.fromstring(t) for t in re.findall(r"<svg.*?</svg>", print_tiles(svg, "reasoning"))]
    covered = set()
    for tile in tiles:
        x, y, w, h = (float(v) for v in tile.get("viewBox").split())
        assert (tile.get("width"), tile.get("height")) == (f"{w:.0f}", f"{h:.0f}")  # 1:1
        assert tile.find(f"{SVG}use").get("href") == "#reasoning-drawing"
        covered.add((x, y))
    assert len(tiles) > 1
    assert max(x for x, _ in covered) + TILE[0] >= width
    assert max(y for _, y in covered) + TILE[1] >= height
