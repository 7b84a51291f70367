"""The never-a-diagnosis checker.

The app educates; it never tells a person what they have. It checks our own
words (titles, texts, notices, safety nets), not the quoted passages, which are
the sources' words and are shown as quotes. Two checks, one entry point:

- ``problems(text)``: every forbidden phrasing (``FORBIDDEN``, a word list).
- ``frame_problems(text, title=False)``: a word list cannot keep up with
  paraphrase, so every sentence must also start with one allowed frame
  (``FRAMES``): what the person told us, what a named source says, an
  instruction, a fixed disclaimer, or a plain-words definition of a glossary
  term. A title must be a heading (a noun phrase), optionally followed by
  ": " and an instruction, and must not talk about "you".
- ``check(text, title=False)``: both; the one function tests call over every
  rendered statement.

Each returns a list of strings, one per problem; an empty list means the text
is fine.

Forbidden, with why (``FORBIDDEN``):
- telling the person what they have: "you have", "you've got", "you may/might/
  could have", "you also have", "you suffer from";
- probability words: "likely", "unlikely", "probably", "chance of", "odds";
- matching words that imply a finding: "consistent with", "suggestive of",
  "points to", "sounds like", "typical of", "a/the sign of" (but "the signs
  to watch for" is fine),
  "indicates", "you seem", "fits the profile", "you match", "people like
  you", "the group most affected";
- presupposition (writing as if the person has bone marrow edema): "in your
  joint", "your edema", "the edema in your", "in advanced cases", "the people
  most often affected";
- "diagnos…" used about the person;
- risk claims in any word order: "at (a higher) risk", "your (fracture) risk",
  "risk for you", "raises your risk", "high-risk", "the risk is higher";
- hedged guesses about cause: "may be due to", "might be", "could be a",
  "perhaps", "possibly", "maybe", "it seems", "appears to be", "looks like",
  "possible causes";
- frequencies: percentages, "1 in 3", "3 out of 10", "one in three", "most
  people", "in most cases", "the majority of";
- prognoses about the person: "you will", "you'll", "your MRI will", "will
  show", "you should recover", "you are going to", "this will heal";
- scores and ranked or bulleted lists: "risk score", "most probable", "top
  causes", lines starting "1.", "2)", "#1", "-", "*", "•".
"""

from __future__ import annotations

import re

_NUMBER_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|a\s+hundred)"
_BODY = (
    r"(?:pain|mri|scan|x-ray|ct|recovery|knee|hip|ankle|foot|back|spine|joint|bone|"
    r"symptoms?|edema|swelling|results?|healing|condition)"
)

FORBIDDEN: tuple[tuple[str, str], ...] = (
    # What the person has.
    (r"\byou\s+have\b", "tells the person what they have"),
    (r"\byou'?ve\s+got\b", "tells the person what they have"),
    (r"\byou\s+(?:may|might|could|probably|likely)\s+have\b", "suggests a condition"),
    (r"\byou\s+also\s+have\b", "tells the person what they have"),
    (r"\byou\s+(?:are\s+)?suffer(?:ing)?\s+from\b", "tells the person what they have"),
    # Probability.
    (r"\b(?:un)?likely\b", "probability word"),
    (r"\bprobabl[ey]\b", "probability word"),
    (r"\bchances?\s+(?:of|that|are)\b", "probability word"),
    (r"\bodds\b", "probability word"),
    # Matching and implication.
    (r"\bconsistent\s+with\b", "implies a finding"),
    (r"\bsuggestive\s+of\b", "implies a finding"),
    (r"\b(?:suggests?|indicates?|signs?|means?)\s+that\s+you\b", "implies a finding"),
    (r"\bpoints?\s+(?:\w+\s+)?to\b", "implies a finding"),
    (r"\bsounds?\s+like\b", "implies a finding"),
    (r"\btypical(?:ly)?\s+of\b", "implies a finding"),
    (r"\b(?:an?|the)\s+signs?\s+of\b", "implies a finding"),
    (r"\bindicat\w*", "implies a finding"),
    (r"\byou\s+seem", "implies a finding"),
    (r"\bfits?\s+(?:the|your)\s+(?:\w+\s+)?(?:profile|pattern|picture)\b", "implies a finding"),
    (r"\byou\s+match", "implies a finding"),
    (r"\bpeople\s+like\s+you\b", "implies a finding"),
    (r"\bgroups?\s+(?:most\s+)?(?:affected|at\s+risk)\b", "implies a finding"),
    # Diagnosis.
    (r"\byour\s+diagnos", "diagnosis about the person"),
    (r"\byou\s+(?:are|were|have\s+been|'re)\s+diagnosed", "diagnosis about the person"),
    (r"\bdiagnosed\s+with\b", "diagnosis about the person"),
    (r"\bwe\s+diagnose", "diagnosis about the person"),
    (r"\bdiagnos\w*\s+(?:of|for)\s+you\b", "diagnosis about the person"),
    # Risk, in any word order.
    (r"\byou(?:\s+are|'re)\s+at\s+(?:\w+\s+)?risk\b", "risk claim about the person"),
    (r"\byour\s+risk\s+(?:is|of)\b", "risk claim about the person"),
    (
        r"\bat\s+(?:an?\s+)?(?:higher|greater|increased|raised|elevated|high|low|lower)\s+risk\b",
        "risk claim",
    ),
    (r"\byour\s+(?:(?!clinician|doctor|midwife|care)\w+\s+){0,2}risks?\b", "risk claim"),
    (r"\brisks?\s+(?:\w+\s+){0,4}(?:for|to)\s+you\b", "risk claim about the person"),
    (r"\b(?:raises?|increases?|lowers?|reduces?|doubles?)\s+your\s+(?:\w+\s+)?risk", "risk claim"),
    (r"\b(?:high|higher|greater|increased|raised|elevated|low|lower)-risk\b", "risk claim"),
    (
        r"\brisks?\s+(?:is|are)\s+(?:\w+\s+)?(?:higher|greater|increased|raised|high|low|lower)\b",
        "risk claim",
    ),
    # Hedged guesses about cause.
    (r"\bmay\s+be\s+(?:due\s+to|caused\s+by|from|the\s+cause)\b", "hedged guess"),
    (r"\bmight\s+be\b", "hedged guess"),
    (r"\bcould\s+be\s+(?:a|an|the|due|from|caused)\b", "hedged guess"),
    (r"\b(?:perhaps|possibly|maybe)\b", "hedged guess"),
    (r"\bit\s+seems\b", "hedged guess"),
    (r"\b(?:appears?|seems?)\s+to\s+be\b", "hedged guess"),
    (r"\blooks?\s+like\b", "hedged guess"),
    (r"\bpossible\s+(?:causes?|conditions?|explanations?)\b", "hedged guess"),
    # Numbers and frequencies.
    (r"\d\s*%|\bper\s?cent\b", "percentage"),
    (r"\b\d+\s+(?:in|out\s+of)\s+\d+\b", "frequency"),
    (rf"\b{_NUMBER_WORD}\s+(?:in|out\s+of)\s+(?:{_NUMBER_WORD}|\d+)\b", "frequency"),
    (r"\bmost\s+(?:people|patients|cases)\b|\bthe\s+majority\s+of\b", "frequency"),
    (r"\brisk\s+score\b", "score"),
    # Prognoses about the person.
    (r"\byou\s+will\b|\byou'll\b", "prognosis about the person"),
    (
        rf"\byour\s+(?:[\w-]+\s+)?{_BODY}\s+(?:will|is\s+going\s+to|should\s+(?:heal|settle|"
        r"improve|recover|go|get))\b",
        "prognosis about the person",
    ),
    (r"\bwill\s+show\b", "prognosis about the person"),
    (r"\byou\s+should\s+(?:recover|heal|improve|get\s+better|be\s+fine)\b", "prognosis"),
    (r"\byou(?:\s+are|'re)\s+going\s+to\b", "prognosis about the person"),
    (
        r"\b(?:will|is\s+going\s+to)\s+(?:heal|settle|go\s+away|get\s+(?:better|worse)|recover|"
        r"improve)\b",
        "prognosis",
    ),
    # Ranked or bulleted lists.
    (r"\bmost\s+probable\b|\btop\s+\w*\s*(?:causes?|conditions?)\b", "ranked conditions"),
    (r"(?:^|\n)\s*(?:#?\d+[.)]|#\d+)\s", "ranked list"),
    (r"(?:^|\n)[ \t]*[-*•‣◦·–—][ \t]", "bulleted list"),
    (r"\b(?:first|second|third)\s+most\s+\w+\s+(?:cause|condition)s?\s+for\s+you\b", "ranked"),
    # Presupposition: writing as if the person has bone marrow edema.
    (
        r"\b(?:in|of|inside)\s+your\s+(?:joint|bone|knee|hip|ankle|foot|spine|marrow)s?\b",
        "presupposes",
    ),
    (
        r"\b(?:your|the)\s+(?:bone\s+marrow\s+)?(?:edema|oedema|BME)\s+(?:in|of)\s+your\b",
        "presupposes",
    ),
    (r"\byour\s+(?:bone\s+marrow\s+)?(?:edema|oedema|BME)\b", "presupposes"),
    (
        r"\bin\s+(?:the\s+)?(?:advanced|severe|serious|later|late)(?:[\s-]stage)?\s+(?:cases|stages?)\b",
        "presupposes a stage",
    ),
    (r"\b(?:group|people)\s+(?:most\s+)?(?:often\s+)?affected\b", "profile match"),
)

_COMPILED = tuple((re.compile(p, re.IGNORECASE), why) for p, why in FORBIDDEN)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'"})


def problems(text: str) -> list[str]:
    """Every forbidden phrasing in ``text``, as "'matched words': why"."""
    plain = text.translate(_APOSTROPHES)
    return [f"{m.group(0).strip()!r}: {why}" for rx, why in _COMPILED for m in rx.finditer(plain)]


# --- Frames: how every sentence in our own words may start ----------------------------

# Terms a definition may explain ("<Term> means …", "<Term> is a …").
GLOSSARY: tuple[str, ...] = (
    "bone marrow edema",
    "MRI",
    "an MRI scan",
    "CT",
    "a CT scan",
    "DEXA",
    "a DEXA scan",
    "NSAIDs",
    "a stress fracture",
    "osteoporosis",
    "transient osteoporosis",
    "avascular necrosis",
    "osteonecrosis",
    "core decompression",
    "a bone graft",
    "bisphosphonates",
    "PRP",
    "stem cells",
    "an X-ray",
    "edema",
)

# Imperatives an instruction may start with.
INSTRUCTION_VERBS: tuple[str, ...] = (
    "Contact", "Ask", "Tell", "See", "Call", "Mention", "Follow", "Bring", "Take",
    "Watch for", "Discuss", "Do not", "Don't", "Keep", "Read", "Write", "Book", "Check",
    "Show", "Let", "Go", "Get", "Use", "Answer", "Print", "Stop",
)  # fmt: skip

DISCLAIMERS: tuple[str, ...] = (
    "This app is not for emergencies",
    "Only a clinician can say",
    "A clinician will examine you",
    "This is the app's standard safety advice",
    "This summary is not a diagnosis",
    "This is education, not a diagnosis",
    "None of the sources mentions fever",  # the sources are silent on fever; we say so
)


def _first_letter_either_case(term: str) -> str:
    return f"[{term[0].upper()}{term[0].lower()}]{re.escape(term[1:])}"


_VERBS = "|".join(re.escape(v) for v in INSTRUCTION_VERBS)
_verbs_lower = "|".join(re.escape(v[0].lower() + v[1:]) for v in INSTRUCTION_VERBS)
_TERMS = "|".join(_first_letter_either_case(t) for t in GLOSSARY)

# (name, regex) pairs; a sentence fits a frame when the regex matches at its start.
# Case-sensitive, so "Your answers say" fits but "your answers point to" does not.
FRAMES: tuple[tuple[str, str], ...] = (
    (
        "told",
        r"You told us\b|You said\b|You answered\b|You chose\b"
        r"|You did not (?:report|answer|know)\b|In your health history you listed\b"
        r"|Your answers (?:say|show that you said)\b",
    ),
    (
        "source",
        r"The sources (?:say|list|describe|differ|name|mention|agree|stress)\b"
        r"|Both (?:medically reviewed )?sources\b|Two (?:of the )?sources\b"
        r"|None of the sources\b|Neither source\b"
        r"|A (?:private )?clinic's blog\b|That clinic\b|The clinic's blog\b"
        r"|Cleveland Clinic\b|Verywell\b"
        r"|It (?:also )?(?:says|describes|lists|promotes|calls|adds)\b"
        r"|They (?:also )?(?:say|list|describe|differ|stress|name)\b"
        r"|These are that clinic's claims\b",
    ),
    ("instruction", rf"(?:{_VERBS})\b|(?:If|When)\b.*?,\s+(?:{_verbs_lower})\b"),
    ("disclaimer", "|".join(re.escape(d) for d in DISCLAIMERS)),
    ("definition", rf"(?:{_TERMS})\s+(?:means\b|(?:is|are)\s+(?:a|an|the)\b)"),
)

_FRAMES = tuple((name, re.compile(rx, re.DOTALL)) for name, rx in FRAMES)
_INSTRUCTION = dict(_FRAMES)["instruction"]
_FRAME_NAMES = ", ".join(name for name, _ in FRAMES)

# A sentence ends at ".", "?" or "!" followed by a space or the end (not after "e.g." or
# "i.e."; a decimal point has no space after it), or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.?!])(?<!e\.g\.)(?<!i\.e\.)\s+|\s*\n\s*")

# A title may speak of "you" only in these phrases.
_TITLE_YOU_OK = re.compile(
    r"\byour\s+(?:clinician|care\s+team|midwife|doctor|answers|summary)\b", re.IGNORECASE
)
_YOU = re.compile(r"\byou(?:r|rs|rself|'re|'ve|'ll|'d)?\b", re.IGNORECASE)
# In a heading, a verb like these makes it a sentence (a claim), unless a relative word
# comes first ("Pain that is getting worse", "What bone marrow edema is").
_MAIN_VERB = re.compile(
    r"\b(?:is|are|was|were|will|would|should|must|can|could|may|might|shall|means|causes|"
    r"needs|comes|has|have|does)\b",
    re.IGNORECASE,
)
_RELATIVE = re.compile(
    r"\b(?:that|which|who|whom|whose|what|where|when|how|why|if|whether)\b", re.IGNORECASE
)


def sentences(text: str) -> list[str]:
    """``text`` split into sentences (and lines), stripped, without empty ones."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def frame(sentence: str) -> str | None:
    """The name of the frame a sentence starts with ("told", "source", ...), or None."""
    return next((name for name, rx in _FRAMES if rx.match(sentence)), None)


def _heading_problem(part: str) -> str | None:
    if part.rstrip()[-1:] in ".?!":
        return "a title is a heading, not a sentence"
    verb = _MAIN_VERB.search(part)
    if verb and not _RELATIVE.search(part, 0, verb.start()):
        return f"a title is a heading, not a claim ({verb.group(0)!r})"
    return None


def _title_problems(title: str) -> list[str]:
    found = []
    if _YOU.search(_TITLE_YOU_OK.sub("", title)):
        found.append(f"{title!r}: a title does not speak about the person ('you', 'your')")
    head, *rest = title.split(": ")
    why = _heading_problem(head)
    if why:
        found.append(f"{head!r}: {why}")
    for part in rest:  # after ": ", an instruction or another heading
        why = None if _INSTRUCTION.match(part[:1].upper() + part[1:]) else _heading_problem(part)
        if why:
            found.append(f"{part!r}: {why}")
    return found


def frame_problems(text: str, *, title: bool = False) -> list[str]:
    """One problem per sentence of ``text`` that starts with no allowed frame.

    With ``title=True``, ``text`` is a title: a heading, optionally followed by ": " and
    an instruction, not speaking about "you" except as in "your clinician".
    """
    plain = text.translate(_APOSTROPHES)
    if title:
        return _title_problems(plain)
    return [
        f"{s!r}: fits no allowed frame ({_FRAME_NAMES})" for s in sentences(plain) if not frame(s)
    ]


def check(text: str, *, title: bool = False) -> list[str]:
    """Every problem with ``text``: forbidden phrasings, then sentences that fit no frame."""
    return problems(text) + frame_problems(text, title=title)
