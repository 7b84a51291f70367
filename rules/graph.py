"""The reasoning as a picture: answers, then rules and the facts they derive, then
statements, left to right.

SVG drawn on the server (no JavaScript), laid out by grandalf's Sugiyama layering
(fewer crossings than hand-placed columns, and no Graphviz binary to install). Drawn
at its natural size, never scaled down: labels are wrapped in full, never cut, and
every rule is a node with its name, so a projector shows all of it. Readable in black
and white: kinds differ by shape and border, and a legend says which is which; a
dashed line is a condition that something must be absent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from grandalf.graphs import Edge, Vertex
from grandalf.graphs import Graph as Layered
from grandalf.layouts import SugiyamaLayout

from .content import catalogue
from .results import Result

FONT = 14  # px: the smallest text is 13 (rule names), at 1:1
LINE = 18
WRAP = 24  # characters per line in a fact node
WIDTH = 200  # fact node width
RULE_CHAR = 8.2  # px per character of a rule name, monospace at 13 px
RULE_WRAP = 17  # characters per line of a rule name
PAD = 8
LAYER_GAP = 44  # between columns
NODE_GAP = 14  # between nodes in a column
MARGIN = 20
LEGEND = 56


def esc(text: str) -> str:
    """Text escaped for XML element content and attribute values."""
    return escape(str(text), {'"': "&quot;", "'": "&#39;"})


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` characters, broken at spaces; a longer word is broken
    after a ``_``, ``=``, ``(`` or ``,`` (``RedFlag(kind=past_infection)`` reads badly
    broken mid-word) and cut only if a piece is longer still. Nothing is left out."""
    lines = [""]
    for word in text.split():
        pieces = [word] if len(word) <= width else re.findall(r"[^_=(,]+[_=(,]?|[_=(,]", word)
        for i, piece in enumerate(pieces):
            gap = " " if i == 0 and lines[-1] else ""
            if lines[-1] and len(lines[-1] + gap + piece) > width:
                lines.append("")
                gap = ""
            lines[-1] += gap + piece
            while len(lines[-1]) > width:  # a piece longer than a line
                lines[-1], rest = lines[-1][:width], lines[-1][width:]
                lines.append(rest)
    return lines


@dataclass
class Node:
    key: str
    label: str
    kind: str  # answer, question, derived, statement, rule, topic
    urgent: bool = False
    link: str = ""
    x: float = 0  # centre
    y: float = 0
    fixed_width: float = 0  # the legend's samples

    @property
    def lines(self) -> list[str]:
        return wrap(self.label, RULE_WRAP if self.kind == "rule" else WRAP)

    @property
    def width(self) -> float:
        if self.fixed_width:
            return self.fixed_width
        if self.kind == "rule":
            return max(len(line) for line in self.lines) * RULE_CHAR + 2 * PAD
        return WIDTH

    @property
    def height(self) -> float:
        return len(self.lines) * LINE + 2 * PAD - 4


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[tuple[str, str], bool] = field(default_factory=dict)  # -> dashed

    def add(self, node: Node) -> None:
        self.nodes.setdefault(node.key, node)

    def edge(self, src: str, dst: str, dashed: bool = False) -> None:
        self.edges[(src, dst)] = self.edges.get((src, dst), dashed) and dashed


class _View:
    """grandalf's view of a vertex: its size across (w) and along (h) the layers."""

    def __init__(self, node: Node):
        self.w, self.h = node.height, node.width  # laid out top-down, drawn left-right
        self.xy = (0.0, 0.0)


class _Path:
    def __init__(self):
        self.points: list[tuple[float, float]] = []

    def setpath(self, points):
        self.points = list(points)


def _layout(graph: Graph, legend: bool) -> tuple[float, float, dict]:
    """Place every node; return the drawing's width, height and each edge's points."""
    vertices = {key: Vertex(key) for key in graph.nodes}
    for key, v in vertices.items():
        v.view = _View(graph.nodes[key])
    edges = {}
    for src, dst in graph.edges:
        e = Edge(vertices[src], vertices[dst])
        e.view = _Path()
        edges[(src, dst)] = e
    layered = Layered(list(vertices.values()), list(edges.values()))
    top, width = MARGIN + (LEGEND if legend else 0), 0.0
    for component in layered.C:
        sugiyama = SugiyamaLayout(component)
        sugiyama.xspace, sugiyama.yspace = NODE_GAP, LAYER_GAP
        sugiyama.dw, sugiyama.dh = 4, 4  # the dummy points of long edges
        sugiyama.init_all()
        sugiyama.draw()
        # Top-down layers become left-to-right columns: swap the axes.
        xs = [v.view.xy[1] - v.view.h / 2 for v in component.sV]
        ys = [v.view.xy[0] - v.view.w / 2 for v in component.sV]
        dx, dy = MARGIN - min(xs), top - min(ys)
        for v in component.sV:
            node = graph.nodes[v.data]
            node.x, node.y = v.view.xy[1] + dx, v.view.xy[0] + dy
            width = max(width, node.x + node.width / 2 + MARGIN)
        columns = [  # each layer's centre and half its width, left to right
            (layer[0].view.xy[1] + dx, max(v.view.h for v in layer) / 2)
            for layer in sugiyama.layers
        ]
        for e in component.sE:
            e.view.points = _route(
                graph.nodes[e.v[0].data],
                graph.nodes[e.v[1].data],
                [sugiyama.grx[v].rank for v in e.v],
                [across + dy for across, _ in e.view.points[1:-1]],  # long edges' dummy points
                columns,
            )
        top = max(n.y + n.height / 2 for n in (graph.nodes[v.data] for v in component.sV))
        top += NODE_GAP * 2
    paths = {key: e.view.points for key, e in edges.items()}
    return max(width, 760), top + MARGIN, paths


def _route(a: Node, b: Node, ranks: list[int], middle: list[float], columns) -> list:
    """An edge straight across every column it passes and slanted only in the gaps
    between columns, where there are no nodes: so no line runs behind a node."""
    (ra, rb), step = ranks, 1 if ranks[1] > ranks[0] else -1
    points = [(a.x + step * a.width / 2, a.y), (columns[ra][0] + step * columns[ra][1], a.y)]
    for rank, y in zip(range(ra + step, rb, step), middle, strict=True):
        centre, half = columns[rank]
        points += [(centre - step * half, y), (centre + step * half, y)]
    return [*points, (columns[rb][0] - step * columns[rb][1], b.y), (b.x - step * b.width / 2, b.y)]


def _svg(graph: Graph, title: str, desc: str, prefix: str, legend: bool = True) -> str:
    width, height, paths = _layout(graph, legend)
    # A picture with links is not one image: its links must stay reachable.
    role = "group" if any(n.link for n in graph.nodes.values()) else "img"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="{role}" '
        f'aria-labelledby="{prefix}-title {prefix}-desc" font-family="sans-serif" '
        f'font-size="{FONT}">',
        f'<title id="{prefix}-title">{esc(title)}</title>',
        f'<desc id="{prefix}-desc">{esc(desc)}</desc>',
        f'<defs><marker id="{prefix}-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs>',
        '<rect x="0" y="0" width="100%" height="100%" fill="#fff"/>',
        f'<g id="{prefix}-drawing">',
    ]
    if legend:
        out += _legend()
    for (src, dst), dashed in graph.edges.items():
        points = [f"{x:.0f},{y:.0f}" for x, y in paths[(src, dst)]]
        # No zero-length pieces: the arrowhead takes its direction from the last one.
        d = "M" + " L".join(p for i, p in enumerate(points) if i == 0 or p != points[i - 1])
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        out.append(
            f'<path class="edge" d="{d}" fill="none" stroke="#444" stroke-width="1.3"{dash} '
            f'marker-end="url(#{prefix}-arrow)"/>'
        )
    for node in graph.nodes.values():
        out.append(_node(node))
    out.append("</g></svg>")
    return "\n".join(out)


#: A printed tile, in CSS px at 1:1: what an A4 landscape page holds inside its margins.
TILE = (1000, 640)


def print_tiles(svg: str, prefix: str) -> str:
    """The picture cut into page-sized tiles for printing, each at 1:1 so its text stays
    14 px (about 10 pt): a wide picture would otherwise print at a third of its size.
    Each tile shows the one drawing (``<use>``), so nothing is drawn twice."""
    width, height = (
        float(re.search(rf'{k}="([\d.]+)"', svg).group(1)) for k in ("width", "height")
    )
    tw, th = TILE
    columns, rows = math.ceil(width / tw), math.ceil(height / th)
    return "\n".join(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="tile" width="{tw}" height="{th}" '
        f'viewBox="{c * tw} {r * th} {tw} {th}" aria-hidden="true">'
        f'<use href="#{prefix}-drawing"/></svg>'
        f'<p class="tile-label">Part {r * columns + c + 1} of {rows * columns} '
        f"(row {r + 1}, column {c + 1})</p>"
        for r in range(rows)
        for c in range(columns)
    )


STYLES = {
    # kind: (corner radius, fill, stroke width, dash)
    "answer": (12, "#ffffff", 1.5, ""),
    "question": (12, "#ffffff", 1.5, ""),
    "derived": (0, "#e8e8e8", 1.5, ' stroke-dasharray="6 3"'),
    "statement": (0, "#ffffff", 2.5, ""),
    "rule": (14, "#fff7bf", 1, ""),
    "topic": (6, "#ffffff", 2, ""),
}


def _node(node: Node) -> str:
    radius, fill, stroke, dash = STYLES[node.kind]
    if node.urgent:
        stroke = 5
    css = f"node node-{node.kind}" + (" node-urgent" if node.urgent else "")
    left, top = node.x - node.width / 2, node.y - node.height / 2
    font = ' font-family="monospace" font-size="13"' if node.kind == "rule" else ""
    tspans = "".join(
        f'<tspan x="{left + PAD:.0f}" y="{top + PAD + 10 + i * LINE:.0f}">{esc(line)}</tspan>'
        for i, line in enumerate(node.lines)
    )
    shape = (
        f'<g class="{css}"><title>{esc(node.label)}</title>'
        f'<rect x="{left:.0f}" y="{top:.0f}" width="{node.width:.0f}" '
        f'height="{node.height:.0f}" rx="{radius}" fill="{fill}" stroke="#000" '
        f'stroke-width="{stroke}"{dash}/><text{font}>{tspans}</text></g>'
    )
    return f'<a href="{esc(node.link)}">{shape}</a>' if node.link else shape


def _legend() -> list[str]:
    items = [
        Node("legend-answer", "Answer", "answer", fixed_width=90),
        Node("legend-derived", "Derived fact", "derived", fixed_width=120),
        Node("legend-rule", "rule_name", "rule"),
        Node("legend-statement", "Statement", "statement", fixed_width=110),
        Node("legend-urgent", "Urgent statement", "statement", urgent=True, fixed_width=160),
    ]
    parts, x = [], MARGIN
    for node in items:
        node.x, node.y = x + node.width / 2, MARGIN + 14
        parts.append(_node(node))
        x += node.width + 12
    parts.append(
        f'<path d="M{x:.0f},{MARGIN + 14} l40,0" stroke="#444" stroke-dasharray="6 4"/>'
        f'<text x="{x + 48:.0f}" y="{MARGIN + 19}">must be absent</text>'
    )
    return parts


# --- One evaluation -------------------------------------------------------------------


def evaluation_svg(result: Result, prefix: str = "reasoning") -> str:
    """Answers -> the rules that fired -> derived facts -> ... -> statements."""
    cat = catalogue()
    graph = Graph()
    for firing in result.trace:
        rule = f"rule:{firing.rule}"
        graph.add(Node(rule, firing.rule, "rule"))
        for idx in (*firing.matched, *firing.declared):
            fact = result.facts[idx]
            if fact.kind == "statement":
                definition = cat.statements[fact.fields["id"]]
                node = Node(str(idx), definition.title, "statement")
                node.urgent = definition.level == "urgent"
            else:
                node = Node(str(idx), str(fact).removesuffix("()"), fact.kind)
            graph.add(node)
        for idx in firing.matched:
            graph.edge(str(idx), rule)
        for idx in firing.declared:
            graph.edge(rule, str(idx))
    count = {k: sum(n.kind == k for n in graph.nodes.values()) for k in STYLES}
    return _svg(
        graph,
        "How the answers led to the statements",
        f"{count['answer']} answers, {count['rule']} rules that fired, "
        f"{count['derived']} derived facts and {count['statement']} statements.",
        prefix,
    )


# --- The knowledge base, per topic, and an overview --------------------------------------


def topics() -> dict[str, list]:
    """The rules of each topic, in the order topics are presented."""
    from .explain import catalogue_of_rules

    out: dict[str, list] = {}
    for info in catalogue_of_rules().values():
        out.setdefault(info.topic, []).append(info)
    return out


def _kind_node(kind: str) -> Node:
    cat = catalogue()
    if kind.startswith("q:"):
        return Node(kind, cat.questions[kind[2:]].short_text, "question")
    if kind in cat.statements:
        statement = cat.statements[kind]
        return Node(kind, statement.title, "statement", urgent=statement.level == "urgent")
    return Node(kind, kind, "derived")


def _rules_graph(infos) -> Graph:
    graph = Graph()
    for info in infos:
        rule = f"rule:{info.name}"
        graph.add(Node(rule, info.name, "rule"))
        for kind in info.reads:
            graph.add(_kind_node(kind))
            graph.edge(kind, rule)
        for kind in info.negated:
            graph.add(_kind_node(kind))
            graph.edge(kind, rule, dashed=True)
        for action in info.actions:
            graph.add(_kind_node(action.target))
            graph.edge(rule, action.target)
    return graph


def topic_svg(topic: str, prefix: str = "topic") -> str:
    """One topic's rules: what each reads, and what it concludes or says."""
    infos = topics()[topic]
    return _svg(
        _rules_graph(infos),
        f"The {topic.replace('_', ' ')} rules",
        f"{len(infos)} rules: the answers and facts each reads, and what each concludes or says.",
        prefix,
    )


def knowledge_base_svg(prefix: str = "kb") -> str:
    """Every rule at once (large: the overview and the topic pictures are for reading)."""
    infos = [info for group in topics().values() for info in group]
    return _svg(
        _rules_graph(infos),
        "The whole knowledge base",
        f"{len(catalogue().questions)} questions, {len(infos)} rules, the facts they "
        f"derive and {len(catalogue().statements)} statements.",
        prefix,
    )


def overview_svg(link: Callable[[str], str], prefix: str = "overview") -> str:
    """Topics as nodes; a line where one topic's rules read a fact another's conclude."""
    groups = topics()
    made = {
        a.target: topic
        for topic, infos in groups.items()
        for info in infos
        for a in info.actions
        if a.kind == "declare"
    }
    graph = Graph()
    for topic, infos in groups.items():
        label = f"{topic.replace('_', ' ').capitalize()} ({len(infos)} rules)"
        graph.add(Node(topic, label, "topic", link=link(topic)))
    for topic, infos in groups.items():
        for info in infos:
            for kind in (*info.reads, *info.negated):
                if made.get(kind, topic) != topic:
                    graph.edge(made[kind], topic)
    return _svg(
        graph,
        "The knowledge base by topic",
        "Each topic's rules; a line from one topic to another where the second reads a "
        "fact the first concludes. Each topic links to its own picture.",
        prefix,
        legend=False,
    )
