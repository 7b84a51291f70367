"""What the pages show, decided in Python so that templates only display.

Shared by the patient's pages and (later) the staff and print views.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import asdict, dataclass
from typing import TypeVar

from flask import url_for

from rules.answers import chosen
from rules.content import catalogue, learn_topic_of
from rules.results import citation
from rules.summary import plan
from rules.voice import answer_kind, for_staff, staff_answer

from .wizard import pages, shown_questions

#: The levels, as staff read them about a patient.
STAFF_HEADINGS = {
    "urgent": "Urgent notices shown to the patient",
    "discuss": "Topics the patient was asked to raise",
    "info": "Background the patient was shown",
}


@dataclass(frozen=True)
class AnswerRow:
    question_id: str
    question: str
    answer: str  # the chosen options' labels, joined
    values: tuple[str, ...]

    @property
    def kind(self) -> str:
        """ "answered", "unknown" or "unanswered", shown differently to staff."""
        return answer_kind(self.answer)


@dataclass(frozen=True)
class AnswerGroup:
    section_id: str
    title: str
    rows: tuple[AnswerRow, ...]


def answer_groups(answers: dict) -> list[AnswerGroup]:
    """The answers by wizard page, in words, for the check page and summaries."""
    cat = catalogue()
    groups = []
    for section in pages(answers):
        rows = []
        for q in shown_questions(section.id, answers):
            values = chosen(answers, q.id)
            labels = [q.option(v).label for v in values if v in q.values]
            rows.append(AnswerRow(q.id, q.text, ", ".join(labels) or "Not answered", tuple(values)))
        groups.append(AnswerGroup(section.id, cat.sections[section.id].title, tuple(rows)))
    return groups


def _summary_item(s: dict, cat) -> dict:
    """One stored statement as the summary shows it: numbered citations, answers in words."""
    based_on = []
    for ref in s.get("rests_on", []):
        q = cat.questions.get(ref["question"])
        if q and ref["value"] in q.values:
            based_on.append(f"{q.short_text} {q.option(ref['value']).label}")
    shown = list(filter(None, (as_shown(c, cat) for c in s["citations"])))
    citations = [{"number": n, **c} for n, c in enumerate(shown, 1)]
    warning = cat.warnings.get(s["id"])
    do = warning.do if warning else ""
    return {
        **learn_link(s["id"]),
        "id": s["id"],
        "title": s["title"],
        # An urgent notice's name: its title without the instruction after the colon.
        "name": s["title"].split(": ")[0],
        "do": do,
        "text": s["text"],
        "why": without(s["text"], do),
        "citations": citations,
        "sources": compact_sources(citations, cat),
        "based_on": based_on,
    }


def as_shown(stored: dict, cat) -> dict | None:
    """A stored citation as the person was shown it: its quote as stored, so that a later
    change to a passage never changes a sent summary. A result stored with passage ids
    only is read from the knowledge base (None if the passage is gone)."""
    if "quote" in stored:
        return stored
    return citation(stored["passage"], cat) if stored["passage"] in cat.passages else None


def learn_link(statement_id: str) -> dict:
    """Where a statement's topic is on the learn page, said inside its closed sources.

    A statement of an older knowledge base may have no topic: then no link.
    """
    topic = learn_topic_of().get(statement_id)
    if topic is None:
        return {"learn_url": "", "learn_text": ""}
    return {
        "learn_url": url_for("about.page", _anchor=topic.id),
        "learn_text": f"What the three sources say about {topic.about}",
    }


def source_name(c: dict, cat) -> str:
    """A citation's source, short ("Cleveland Clinic"); its publisher if the source is gone."""
    source = cat.sources.get(c["source"])
    return (source.short if source else "") or c["publisher"]


def compact_sources(citations: list[dict], cat) -> str:
    """ "Cleveland Clinic [1, 3]; Verywell Health [2]": a statement's sources, for print."""
    numbers: dict[str, list[str]] = {}
    for c in citations:
        numbers.setdefault(source_name(c, cat), []).append(str(c["number"]))
    return "; ".join(f"{name} [{', '.join(n)}]" for name, n in numbers.items())


def summary_view(result: dict) -> dict:
    """A stored result as the patient's summary shows it (the order of rules/summary.py)."""
    cat = catalogue()
    shape = plan(result)
    return {
        **{
            part: [_summary_item(s, cat) for s in getattr(shape, part)]
            for part in ("next_step", "urgent", "key_points", "more", "end")
        },
        "go_now": shape.go_now,
        "warning_signs": shape.warning_signs,
        "call_first": call_first(s["id"] for s in shape.urgent),
    }


T = TypeVar("T")


class Rendered:
    """Pages rendered once per what they show: the least recently used dropped first.

    A sent summary never changes, yet rendering it (citations, quotes, answers)
    costs several times a plain page, and most arrivals at a question page look
    alike; bench/bench_load.py measures the gain. Pages are keyed by everything
    they depend on; they hold health data, so they stay in the server's memory,
    never in a cookie or a log.
    Safe across waitress's threads; each worker process keeps its own.
    """

    def __init__(self, size: int = 512):
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: Hashable, render: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        page = render()  # outside the lock: two threads may render the same page once each
        with self._lock:
            self._items[key] = page
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return page


def summary_sections(result: dict) -> list[dict]:
    """Statements grouped by level, each with numbered citations: the staff's view.

    What to do now and the signs to watch for are the patient's, not the staff's.
    """
    cat = catalogue()
    topics = plan(result).topics()
    groups = []
    for level, heading in STAFF_HEADINGS.items():
        items = [
            {**_summary_item(s, cat), **asdict(for_staff(s))} for s in topics if s["level"] == level
        ]
        if items:
            groups.append({"level": level, "heading": heading, "statements": items})
    return groups


def sources_list() -> list:
    return list(catalogue().sources.values())


# --- Staff views -----------------------------------------------------------------


def staff_answer_groups(answers: dict) -> list[AnswerGroup]:
    """The answers by page, each "question: answer" in the staff's short words."""
    cat = catalogue()
    return [
        AnswerGroup(
            g.section_id,
            cat.sections[g.section_id].staff_title,
            tuple(
                AnswerRow(
                    r.question_id,
                    cat.questions[r.question_id].short,
                    staff_answer(cat.questions[r.question_id], list(r.values)),
                    r.values,
                )
                for r in g.rows
            ),
        )
        for g in answer_groups(answers)
    ]


def compact_citations(result: dict) -> list[dict]:
    """Statements with short citation labels ("Cleveland Clinic, Verywell"), for print."""
    cat = catalogue()
    out = []
    for s in plan(result).topics():
        publishers = []
        for c in filter(None, (as_shown(c, cat) for c in s["citations"])):
            name = source_name(c, cat)
            if name not in publishers:
                publishers.append(name)
        out.append({**s, **asdict(for_staff(s)), "sources": publishers})
    return out


# --- Urgent notices -------------------------------------------------------------------


def notice_items(statements) -> list[dict]:
    """Urgent statements from the engine (``StatementResult``) as the notice page shows them."""
    cat = catalogue()
    items = []
    for s in statements:
        # What this notice says to do, first on the page (warnings.toml).
        warning = cat.warnings.get(s.id)
        do = warning.do if warning else ""
        items.append(
            {
                "id": s.id,
                "emergency": bool(warning and warning.emergency),
                "title": s.title,
                "text": s.text,
                "do": do,
                "why": without(s.text, do),
                "citations": [citation(pid, cat) for pid in s.citations if pid in cat.passages],
            }
        )
    # The emergency department first: the one instruction that overrides the others.
    first = {i: n for n, i in enumerate(cat.emergency_first([n["id"] for n in items]))}
    return sorted(items, key=lambda n: first[n["id"]])


def without(text: str, instruction: str) -> str:
    """An urgent notice's text under "Why", without the instruction already shown above
    it in bold. A text stored before the instruction was reworded keeps it: better
    said twice than lost."""
    if not instruction or instruction not in text:
        return text
    return " ".join(text.replace(instruction, "", 1).split())


def _tel(number: str) -> str:
    """A tel: link for a phone number, or "" for words ("your local emergency number")."""
    if not re.fullmatch(r"\+?[0-9][0-9 ()./-]*", number):
        return ""
    return "tel:" + re.sub(r"[^0-9+]", "", number)


def call_first(statement_ids) -> str:
    """Whom the notices among these statements name before the clinic or a GP, or ""."""
    warnings = catalogue().warnings
    return next(
        (warnings[i].call_first for i in statement_ids if i in warnings and warnings[i].call_first),
        "",
    )


def what_to_do(config, first: str = "") -> dict:
    """The instruction that goes with every urgent notice, from the clinic's settings.

    Each sentence is a list of (text, link) pieces, the link a ``tel:`` address or
    "". Numbers from the environment may arrive as integers (Flask reads ``999``
    as JSON), so they are turned back into text. ``first`` (call_first above) is
    said before the clinic, so that "Whom to call" agrees with the notice.
    """
    phone = str(config.get("CLINIC_PHONE") or "").strip()
    emergency = str(config.get("EMERGENCY_NUMBER") or "").strip() or "your local emergency number"
    lead = (
        f"Whom to call: {first} first. If you cannot reach them, call "
        if first
        else "Whom to call: "
    )
    if phone:
        contact = [
            (f"{lead}the clinic, on ", ""),
            (phone, _tel(phone)),
            (". If the clinic is closed, call your doctor (GP) or an urgent care service.", ""),
        ]
    else:
        contact = [(f"{lead}your doctor (GP) or an urgent care service.", "")]
    return {
        "contact": contact,
        "emergency": [
            ("If you feel very unwell or it is an emergency, call ", ""),
            (emergency, _tel(emergency)),
            (".", ""),
        ],
    }
