"""The never-a-diagnosis checker.

The app educates; it never tells a person what they have. ``problems(text)``
lists every forbidden phrasing found in a text. Tests run it over every
statement the knowledge base can make and over thousands of generated answer
sets. It checks our own words (titles and texts), not the quoted passages,
which are the sources' words and are shown as quotes.

Forbidden, with why:
- telling the person what they have: "you have", "you've got", "you may/might/
  could have", "you probably have", "you suffer from", "you are suffering";
- probability words, which turn education into a guess about the person:
  "likely", "unlikely", "probably", "probable", "chance of", "odds";
- matching words that imply a finding: "consistent with", "suggestive of",
  "suggests that you", "indicates that you", "signs that you";
- "diagnos…" used about the person: "your diagnosis", "you are/were diagnosed",
  "diagnosed with", "we diagnose", "diagnosis of you";
- risk claims about the person: "you are/you're at (high/greater/…) risk",
  "your risk is";
- numbers that rank or score: percentages ("40%", "percent"), "risk score",
  ranked lists ("most likely", "top causes", "1." / "#1" list items,
  "first/second most common cause for you").
"""

from __future__ import annotations

import re

FORBIDDEN: tuple[tuple[str, str], ...] = (
    (r"\byou\s+have\b", "tells the person what they have"),
    (r"\byou'?ve\s+got\b", "tells the person what they have"),
    (r"\byou\s+(?:may|might|could|probably|likely)\s+have\b", "suggests a condition"),
    (r"\byou\s+(?:are\s+)?suffer(?:ing)?\s+from\b", "tells the person what they have"),
    (r"\b(?:un)?likely\b", "probability word"),
    (r"\bprobabl[ey]\b", "probability word"),
    (r"\bchances?\s+(?:of|that|are)\b", "probability word"),
    (r"\bodds\b", "probability word"),
    (r"\bconsistent\s+with\b", "implies a finding"),
    (r"\bsuggestive\s+of\b", "implies a finding"),
    (r"\b(?:suggests?|indicates?|signs?|means?)\s+that\s+you\b", "implies a finding"),
    (r"\byour\s+diagnos", "diagnosis about the person"),
    (r"\byou\s+(?:are|were|have\s+been|'re)\s+diagnosed", "diagnosis about the person"),
    (r"\bdiagnosed\s+with\b", "diagnosis about the person"),
    (r"\bwe\s+diagnose", "diagnosis about the person"),
    (r"\bdiagnos\w*\s+(?:of|for)\s+you\b", "diagnosis about the person"),
    (r"\byou(?:\s+are|'re)\s+at\s+(?:\w+\s+)?risk\b", "risk claim about the person"),
    (r"\byour\s+risk\s+(?:is|of)\b", "risk claim about the person"),
    (r"\d\s*%|\bper\s?cent\b", "percentage"),
    (r"\brisk\s+score\b", "score"),
    (r"\bmost\s+probable\b|\btop\s+\w*\s*(?:causes?|conditions?)\b", "ranked conditions"),
    (r"(?:^|\n)\s*(?:#?\d+[.)]|#\d+)\s", "ranked list"),
    (r"\b(?:first|second|third)\s+most\s+\w+\s+(?:cause|condition)s?\s+for\s+you\b", "ranked"),
)

_COMPILED = tuple((re.compile(p, re.IGNORECASE), why) for p, why in FORBIDDEN)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'"})


def problems(text: str) -> list[str]:
    """Every forbidden phrasing in ``text``, as "'matched words': why"."""
    plain = text.translate(_APOSTROPHES)
    return [f"{m.group(0).strip()!r}: {why}" for rx, why in _COMPILED for m in rx.finditer(plain)]
