"""The shape of a summary: what to do now, a few key points, the rest one tap away.

The engine makes the statements; this decides where each one goes, from the
statement definitions (``part`` and ``rank`` in statements.toml), so that the
web summary, the print view and ``bme explain`` read the same way:

1. what to do now: the engine's one instruction (part "next"), then the urgent
   notices, if any;
2. key points: by rank, at most ``KEY_POINTS`` statements and ``KEY_WORDS`` words;
3. more about your answers: every other statement;
4. the signs to watch for (part "end").

Medical terms are explained in a few words the first time a summary uses them
(``glossary.toml``): first in what shows before anything is opened. It works on the stored form of a
result (``Result.to_dict()``), so a summary can be shown again without running
the engine.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache

from .content import DATA, catalogue

#: No more key points than someone in pain will read on a phone: at most six,
#: and no more words between them than about a screen and a half holds. The
#: first key point is always shown, whatever its length.
KEY_POINTS = 6
KEY_WORDS = 180


@dataclass(frozen=True)
class Term:
    """A medical term and a few plain words that explain it."""

    term: str
    explain: str
    #: Other ways the term is written ("CT scans").
    forms: tuple[str, ...] = ()


@cache
def glossary() -> tuple[Term, ...]:
    with (DATA / "glossary.toml").open("rb") as f:
        raw = tomllib.load(f)
    return tuple(Term(t["term"], t["explain"], tuple(t.get("forms", ()))) for t in raw["term"])


@cache
def term_pattern() -> tuple[re.Pattern, dict[str, Term]]:
    """One pattern for every form of every term, longest first.

    So "transient osteoporosis" is one match, not also "osteoporosis".
    """
    forms = {form.lower(): t for t in glossary() for form in (t.term, *t.forms)}
    words = sorted(forms, key=len, reverse=True)
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b", re.IGNORECASE)
    return pattern, forms


#: What follows a term that the text explains itself.
SELF_EXPLAINED = (" (",)


@dataclass
class Plan:
    """A summary's statements (dicts of the stored result), in the places they go."""

    next_step: list[dict] = field(default_factory=list)
    urgent: list[dict] = field(default_factory=list)
    key_points: list[dict] = field(default_factory=list)
    more: list[dict] = field(default_factory=list)
    end: list[dict] = field(default_factory=list)

    def reading_order(self) -> list[dict]:
        """What shows before anything is opened, then what opens: terms are explained in this order.

        Shown: what to do now, the key points, the signs to watch for (and each
        notice's instruction, from warnings.toml); behind a tap: each notice's
        reasons and the other topics.
        """
        return [*self.next_step, *self.key_points, *self.end, *self.urgent, *self.more]

    @property
    def go_now(self) -> bool:
        """The engine's instruction is the emergency department: no "whom to call today"."""
        return any(s["id"] == "next_step_emergency" for s in self.next_step)

    @property
    def warning_signs(self) -> str:
        """ "warning sign" or "warning signs": a single notice is not called several."""
        return "warning sign" if len(self.urgent) == 1 else "warning signs"

    def topics(self) -> list[dict]:
        """The notices and topics, without the patient's instruction and safety net."""
        return [*self.urgent, *self.key_points, *self.more]


def plan(result: dict) -> Plan:
    """Where each statement of a stored result goes, with terms explained on first use.

    Statements the current knowledge base no longer defines keep their stored
    level: urgent ones stay urgent, the rest go under "more".
    """
    cat = catalogue()
    out = Plan()
    body = []
    for s in result["statements"]:
        definition = cat.statements.get(s["id"])
        part = definition.part if definition else "body"
        if s["level"] == "urgent":
            out.urgent.append(s)
        elif part == "next":
            out.next_step.append(s)
        elif part == "end":
            out.end.append(s)
        else:
            body.append((definition.rank if definition and definition.rank else None, s))
    keys: list[int] = []
    words = 0
    for _, n in sorted((r, n) for n, (r, _) in enumerate(body) if r is not None):
        size = len(body[n][1]["text"].split())
        if len(keys) == KEY_POINTS or (keys and words + size > KEY_WORDS):
            break
        keys.append(n)
        words += size
    # The emergency department first: the one instruction that overrides the others.
    first = {i: n for n, i in enumerate(cat.emergency_first([s["id"] for s in out.urgent]))}
    out.urgent.sort(key=lambda s: first[s["id"]])
    out.key_points = [body[n][1] for n in keys]
    out.more = [s for n, (_, s) in enumerate(body) if n not in keys]
    explained: set[str] = set()
    for group in (out.next_step, out.key_points, out.end, out.urgent, out.more):
        group[:] = [{**s, "text": explain_terms(s["text"], explained)} for s in group]
    return out


def explain_terms(text: str, explained: set[str]) -> str:
    """Add a few plain words after each term's first use in a summary.

    ``explained`` holds the terms already used earlier in the summary (and
    gains this text's); a term the text explains itself ("MRI (a scan …)")
    is left alone.
    """
    pattern, forms = term_pattern()
    pieces, last = [], 0
    for match in pattern.finditer(text):
        term = forms[match.group(0).lower()]
        if term.term in explained:
            continue
        explained.add(term.term)
        if text.startswith(SELF_EXPLAINED, match.end()):
            continue
        pieces += [text[last : match.end()], f" ({term.explain})"]
        last = match.end()
    return "".join(pieces) + text[last:]
