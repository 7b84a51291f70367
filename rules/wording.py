"""Rendering words: a statement's placeholders filled with the person's own answers."""

from __future__ import annotations

import re

from .content import Catalogue, catalogue

#: ``{q1,q2}``: the answers to those questions; ``{q=value}``: that one answer only, so
#: that a sentence about it, inside ``[...]``, shows only to those who gave it;
#: ``{?q=value}``: a condition that says nothing, so that fixed words inside ``[...]``
#: show only to those who gave one of those answers.
PLACEHOLDER = re.compile(r"\{(\??[a-z0-9_,=]+)\}")
#: ``[...]``: words left out when an answer inside them is missing.
OPTIONAL = re.compile(r"\[([^\[\]]*)\]")
#: Stands in for a placeholder with no answer behind it; tests make sure it never shows.
FALLBACK = "some of your answers"


def wanted(group: str) -> list[tuple[str, str]]:
    """A placeholder's (question, value) pairs: "q1,q2=v" -> [("q1", ""), ("q2", "v")]."""
    wants = group.removeprefix("?").split(",")
    return [(q, value) for q, _, value in (want.partition("=") for want in wants)]


def join_words(words: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def render(text: str, rests_on, cat: Catalogue | None = None) -> str:
    """Fill ``{q1,q2}`` with the person's own answers to those questions, in words.

    An optional part ``[...]`` is kept only when every placeholder in it has an answer
    and every condition ``{?...}`` in it holds; a condition itself shows no words.
    """
    cat = cat or catalogue()

    def found(match: re.Match) -> list[str]:
        return [
            cat.questions[q].option(v).phrase
            for question, value in wanted(match.group(1))
            for q, v in rests_on
            if q == question and value in ("", v)
        ]

    def holds(match: re.Match) -> bool:
        """A condition: one of its answers was given. A placeholder: it has words."""
        if match.group(1).startswith("?"):
            return bool(found(match))
        return bool(join_words(found(match)))

    def words(match: re.Match) -> str:
        if match.group(1).startswith("?"):
            return ""
        return join_words(found(match)) or FALLBACK

    def optional(match: re.Match) -> str:
        inner = match.group(1)
        return inner if all(holds(m) for m in PLACEHOLDER.finditer(inner)) else ""

    text = OPTIONAL.sub(optional, text)
    return PLACEHOLDER.sub(words, text)
