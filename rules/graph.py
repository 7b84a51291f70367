"""The reasoning as a picture: answers, then derived facts, then statements.

SVG drawn on the server (no JavaScript), readable in black and white: node kinds
differ by shape and border, not only colour, and a legend says which is which.
Each edge is a rule firing (its name in the edge's tooltip); a dashed edge is a
condition that something must be absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from .content import catalogue
from .results import Result

COLUMN = 290  # distance between columns
WIDTH = 240  # node width
HEIGHT = 30
GAP = 10
MARGIN = 20
LEGEND = 44
MAX_CHARS = 36


def esc(text: str) -> str:
    """Text escaped for XML element content and attribute values."""
    return escape(str(text), {'"': "&quot;", "'": "&#39;"})


def short(text: str, limit: int = MAX_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass
class Node:
    key: str
    label: str
    kind: str  # answer, question, derived, statement
    column: int
    urgent: bool = False
    x: float = 0
    y: float = 0


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[tuple[str, str], tuple[list[str], bool]] = field(default_factory=dict)

    def edge(self, src: str, dst: str, rule: str, dashed: bool = False) -> None:
        rules, was_dashed = self.edges.get((src, dst), ([], dashed))
        if rule not in rules:
            rules.append(rule)
        self.edges[(src, dst)] = (rules, was_dashed and dashed)


def _order(graph: Graph) -> list[list[Node]]:
    """Nodes by column, each column ordered by its neighbours' mean position (fewer crossings)."""
    columns: dict[int, list[Node]] = {}
    for node in graph.nodes.values():
        columns.setdefault(node.column, []).append(node)
    ordered = [columns[c] for c in sorted(columns)]
    position = {n.key: i for col in ordered for i, n in enumerate(col)}
    for _sweep in range(3):
        for col in ordered[1:]:

            def centre(n: Node) -> float:
                near = [position[s] for (s, d) in graph.edges if d == n.key and s in position]
                return sum(near) / len(near) if near else position[n.key]

            col.sort(key=centre)
            position.update({n.key: i for i, n in enumerate(col)})
    return ordered


def _svg(graph: Graph, title: str, desc: str, prefix: str) -> str:
    columns = _order(graph)
    tallest = max((len(c) for c in columns), default=1)
    height = MARGIN * 2 + LEGEND + tallest * (HEIGHT + GAP)
    width = MARGIN * 2 + (len(columns) - 1) * COLUMN + WIDTH
    for c, col in enumerate(columns):
        offset = (tallest - len(col)) * (HEIGHT + GAP) / 2
        for i, node in enumerate(col):
            node.x = MARGIN + c * COLUMN
            node.y = MARGIN + LEGEND + offset + i * (HEIGHT + GAP)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" '
        f'width="100%" role="img" aria-labelledby="{prefix}-title {prefix}-desc" '
        'font-family="sans-serif" font-size="12">',
        f'<title id="{prefix}-title">{esc(title)}</title>',
        f'<desc id="{prefix}-desc">{esc(desc)}</desc>',
        '<rect x="0" y="0" width="100%" height="100%" fill="#fff"/>',
    ]
    out += _legend()
    for (src, dst), (rules, dashed) in graph.edges.items():
        a, b = graph.nodes[src], graph.nodes[dst]
        x1, y1, x2, y2 = a.x + WIDTH, a.y + HEIGHT / 2, b.x, b.y + HEIGHT / 2
        mid = (x1 + x2) / 2
        dash = ' stroke-dasharray="5 4"' if dashed else ""
        out.append(
            f'<path class="edge" d="M{x1:.0f},{y1:.0f} C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f} '
            f'{x2:.0f},{y2:.0f}" fill="none" stroke="#444" stroke-width="1.2"{dash}>'
            f"<title>{esc(', '.join(rules))}</title></path>"
        )
    for node in graph.nodes.values():
        out.append(_node(node))
    out.append("</svg>")
    return "\n".join(out)


STYLES = {
    # kind: (corner radius, fill, stroke width, dash)
    "answer": (12, "#ffffff", 1.5, ""),
    "question": (12, "#ffffff", 1.5, ""),
    "derived": (0, "#e8e8e8", 1.5, ' stroke-dasharray="6 3"'),
    "statement": (0, "#ffffff", 2.5, ""),
}


def _node(node: Node) -> str:
    radius, fill, stroke, dash = STYLES[node.kind]
    if node.urgent:
        stroke = 5
    css = f"node node-{node.kind}" + (" node-urgent" if node.urgent else "")
    return (
        f'<g class="{css}"><title>{esc(node.label)}</title>'
        f'<rect x="{node.x:.0f}" y="{node.y:.0f}" width="{WIDTH}" height="{HEIGHT}" '
        f'rx="{radius}" fill="{fill}" stroke="#000" stroke-width="{stroke}"{dash}/>'
        f'<text x="{node.x + 10:.0f}" y="{node.y + HEIGHT / 2 + 4:.0f}">'
        f"{esc(short(node.label))}</text></g>"
    )


def _legend() -> list[str]:
    items = [("answer", "Answer"), ("derived", "Derived fact"), ("statement", "Statement")]
    parts = []
    for i, (kind, text) in enumerate(items):
        node = Node(f"legend-{kind}", text, kind, 0, x=MARGIN + i * 160, y=MARGIN)
        parts.append(_node(node).replace('width="240"', 'width="140"'))
    urgent = Node(
        "legend-urgent",
        "Urgent statement",
        "statement",
        0,
        urgent=True,
        x=MARGIN + 3 * 160,
        y=MARGIN,
    )
    parts.append(_node(urgent).replace('width="240"', 'width="150"'))
    parts.append(f'<text x="{MARGIN + 4 * 160 + 10}" y="{MARGIN + 19}">- - - must be absent</text>')
    return parts


# --- One evaluation -------------------------------------------------------------------


def evaluation_svg(result: Result, prefix: str = "reasoning") -> str:
    """Answers -> derived facts (by depth) -> statements, for one evaluation."""
    cat = catalogue()
    facts = result.facts
    depth: dict[int, int] = {}

    def depth_of(idx: int) -> int:
        if idx not in depth:
            depth[idx] = 0
            if facts[idx].kind != "answer":
                makers = [f for f in result.trace if idx in f.declared]
                depth[idx] = 1 + max((depth_of(m) for f in makers for m in f.matched), default=0)
        return depth[idx]

    graph = Graph()
    used = {m for f in result.trace for m in f.matched} | {
        d for f in result.trace for d in f.declared
    }
    derived_depths = [depth_of(i) for i in used if facts[i].kind == "derived"]
    last = max(derived_depths, default=0) + 1
    for idx in sorted(used):
        fact = facts[idx]
        if fact.kind == "initial":
            continue
        if fact.kind == "statement":
            definition = cat.statements[fact.fields["id"]]
            graph.nodes[str(idx)] = Node(
                str(idx), definition.title, "statement", last, urgent=definition.level == "urgent"
            )
        else:
            graph.nodes[str(idx)] = Node(
                str(idx), str(fact), fact.kind, 0 if fact.kind == "answer" else depth_of(idx)
            )
    for firing in result.trace:
        for m in firing.matched:
            for d in firing.declared:
                if str(m) in graph.nodes and str(d) in graph.nodes:
                    graph.edge(str(m), str(d), firing.rule)
    return _svg(
        graph,
        "How the answers led to the statements",
        f"{sum(n.kind == 'answer' for n in graph.nodes.values())} answers, "
        f"{sum(n.kind == 'derived' for n in graph.nodes.values())} derived facts and "
        f"{sum(n.kind == 'statement' for n in graph.nodes.values())} statements, "
        "linked by the rules that fired.",
        prefix,
    )


# --- The whole knowledge base -------------------------------------------------------------


def knowledge_base_svg(prefix: str = "kb") -> str:
    """Questions -> derived fact kinds -> statements, for every rule."""
    from .explain import catalogue_of_rules

    cat = catalogue()
    infos = catalogue_of_rules()
    produced: dict[str, list] = {}
    for info in infos.values():
        for action in info.actions:
            produced.setdefault(action.target, []).append(info)
    depth: dict[str, int] = {}

    def depth_of(kind: str, seen=()) -> int:
        if kind.startswith("q:"):
            return 0
        if kind not in depth:
            depth[kind] = 1 + max(
                (
                    depth_of(k, (*seen, kind))
                    for info in produced.get(kind, [])
                    for k in (*info.reads, *info.negated)
                    if k not in seen
                ),
                default=0,
            )
        return depth[kind]

    kinds = {k for info in infos.values() for k in (*info.reads, *info.negated)}
    kinds |= {a.target for info in infos.values() for a in info.actions if a.kind == "declare"}
    last = max((depth_of(k) for k in kinds), default=0) + 1
    graph = Graph()
    for kind in sorted(kinds):
        if kind.startswith("q:"):
            graph.nodes[kind] = Node(kind, kind[2:], "question", 0)
        else:
            graph.nodes[kind] = Node(kind, kind, "derived", depth_of(kind))
    for sid, statement in cat.statements.items():
        graph.nodes[sid] = Node(
            sid, statement.title, "statement", last, urgent=statement.level == "urgent"
        )
    for info in infos.values():
        for action in info.actions:
            for k in info.reads:
                graph.edge(k, action.target, info.name)
            for k in info.negated:
                graph.edge(k, action.target, info.name, dashed=True)
    return _svg(
        graph,
        "The whole knowledge base",
        f"{len(cat.questions)} questions, the facts the rules derive, and "
        f"{len(cat.statements)} statements; each line is a rule.",
        prefix,
    )
