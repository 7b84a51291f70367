"""Content as data: sources, passages, questions and statements.

Everything here is loaded from the TOML files in ``rules/data`` and checked by
tests, so that a change of wording never needs a change of code.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

DATA = Path(__file__).parent / "data"

LEVELS = ("urgent", "discuss", "info")
QUESTION_TYPES = ("single", "multi")


@dataclass(frozen=True)
class Source:
    id: str
    file: str
    title: str
    publisher: str
    kind: str
    review: str
    #: A few words for compact citations (print view).
    short: str = ""
    caution: str = ""
    #: How our texts name it, so that a reader always knows which source says what.
    called: tuple[str, ...] = ()


@dataclass(frozen=True)
class Passage:
    id: str
    source: str
    topic: str
    quote: str


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    hint: str = ""
    #: How the option reads inside a sentence ("You said: ..."); defaults to label.
    said: str = ""
    #: "I don't know" / "prefer not to say": an honest non-answer.
    unknown: bool = False
    #: In a multi-choice question, cannot be combined with other options.
    exclusive: bool = False
    #: The answer in a few words for staff, where the label speaks as the patient.
    staff: str = ""

    @property
    def phrase(self) -> str:
        return self.said or self.label


@dataclass(frozen=True)
class ShowWhen:
    """The question is asked only if ``question``'s answer includes one of ``any_of``."""

    question: str
    any_of: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    id: str
    section: str
    type: str
    text: str
    help: str
    options: tuple[Option, ...]
    show_when: ShowWhen | None = None
    #: A few words naming the question, for staff ("Fever or chills").
    short: str = ""

    def option(self, value: str) -> Option:
        for option in self.options:
            if option.value == value:
                return option
        raise KeyError(value)

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)

    @property
    def short_text(self) -> str:
        """The question up to its question mark ("Choose all that apply." dropped)."""
        return self.text.split("?")[0] + "?" if "?" in self.text else self.text


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    intro: str = ""
    #: The staff's heading, where the title speaks to the patient ("Your pain").
    short: str = ""

    @property
    def staff_title(self) -> str:
        return self.short or self.title


@dataclass(frozen=True)
class StatementDef:
    id: str
    topic: str
    level: str
    title: str
    #: May hold ``{question_id}``: the person's own answers to that question
    #: that the statement rests on, in words; ``[...]`` is left out when the
    #: answers inside it are missing.
    text: str
    citations: tuple[str, ...]
    #: Added to the text for someone pregnant or recently given birth (medicines,
    #: scans and procedures: ask the midwife first).
    in_pregnancy: str = ""
    #: Where the summary puts it: "next" (what to do now), "body" (a key point
    #: or under "More about your answers") or "end" (the signs to watch for).
    part: str = "body"
    #: A key point's place among the key points (1 first); 0: never a key point,
    #: always under "More about your answers".
    rank: int = 0


PARTS = ("next", "body", "end")

#: Said once wherever urgent notices are shown.
EMERGENCY = "This app is not for emergencies: if you feel very unwell, call your emergency number."


@dataclass(frozen=True)
class Condition:
    """One condition of a warning pattern: ``question = a | b`` or ``question != a | b``."""

    question: str
    values: tuple[str, ...]
    negated: bool = False

    @classmethod
    def parse(cls, text: str) -> Condition:
        negated = "!=" in text
        question, _, values = text.partition("!=" if negated else "=")
        return cls(question.strip(), tuple(v.strip() for v in values.split("|")), negated=negated)

    def holds(self, answers: dict) -> bool:
        value = answers.get(self.question)
        values = value if isinstance(value, list) else [value]
        return any(v in self.values for v in values) != self.negated

    def __str__(self) -> str:
        return f"{self.question} {'!=' if self.negated else '='} {' | '.join(self.values)}"


@dataclass(frozen=True)
class WarningPattern:
    """Answers that need prompt care (warnings.toml): its urgent notice and when it applies."""

    id: str
    topic: str
    title: str
    #: Ways the pattern can apply; each way is a conjunction of conditions.
    ways: tuple[tuple[Condition, ...], ...]
    told: str
    do: str
    why: str
    citations: tuple[str, ...]
    advice_note: str = ""
    #: ``do`` sends the person to an emergency department now: said first, and
    #: "whom to call today" left out, which would say otherwise.
    emergency: bool = False
    #: Does not interrupt once this other notice was shown: it only narrows that
    #: notice's either-way instruction to the quieter branch (still on the summary).
    quiet_after: str = ""
    #: Whom to call before the clinic or a GP ("your cancer care team"): said first in
    #: "Whom to call", which would otherwise contradict the notice's own instruction.
    call_first: str = ""

    def applies(self, answers: dict) -> bool:
        return any(all(c.holds(answers) for c in way) for way in self.ways)

    @property
    def questions(self) -> tuple[str, ...]:
        """The questions this pattern reads, in first-mention order."""
        return tuple(dict.fromkeys(c.question for way in self.ways for c in way))

    def statement(self) -> StatementDef:
        """The urgent notice: what they told us, what to do, and why.

        The emergency words (EMERGENCY) are said once by the page or the command
        that shows the notices, not once per notice.
        """
        parts = (self.told, self.do, self.why, self.advice_note)
        return StatementDef(
            id=self.id,
            topic=self.topic,
            level="urgent",
            title=self.title,
            text=" ".join(p for p in parts if p),
            citations=self.citations,
        )


@dataclass(frozen=True)
class Difference:
    """A point where the sources disagree; statements citing both sides must say so."""

    id: str
    note: str
    passages: tuple[str, ...]
    #: The passages whose citation calls for saying the difference (default: all).
    touch: tuple[str, ...] = ()

    @property
    def touched_by(self) -> frozenset[str]:
        return frozenset(self.touch or self.passages)


@dataclass(frozen=True)
class Catalogue:
    sources: dict[str, Source]
    passages: dict[str, Passage]
    sections: dict[str, Section]
    questions: dict[str, Question]
    statements: dict[str, StatementDef]
    differences: tuple[Difference, ...] = ()
    warnings: dict[str, WarningPattern] = field(default_factory=dict)
    version: str = field(default="")

    def section_questions(self, section_id: str) -> tuple[Question, ...]:
        return self._by_section.get(section_id, ())

    def emergency_first(self, ids: list[str]) -> list[str]:
        """Notice ids with those that send to an emergency department now first (stable)."""
        return sorted(ids, key=lambda i: not (i in self.warnings and self.warnings[i].emergency))

    @cached_property
    def _by_section(self) -> dict[str, tuple[Question, ...]]:
        """Questions per section, in catalogue order: read on every wizard request."""
        out: dict[str, list[Question]] = {}
        for q in self.questions.values():
            out.setdefault(q.section, []).append(q)
        return {k: tuple(v) for k, v in out.items()}


def _load(name: str) -> dict:
    with (DATA / name).open("rb") as f:
        return tomllib.load(f)


def _warning(raw: dict) -> WarningPattern:
    ways = tuple(tuple(Condition.parse(c) for c in way) for way in raw.pop("when"))
    return WarningPattern(**{**raw, "ways": ways, "citations": tuple(raw["citations"])})


def _question(raw: dict) -> Question:
    show = raw.get("show_when")
    return Question(
        id=raw["id"],
        section=raw["section"],
        type=raw["type"],
        text=raw["text"],
        help=raw["help"],
        options=tuple(Option(**o) for o in raw["options"]),
        show_when=ShowWhen(show["question"], tuple(show["any_of"])) if show else None,
        short=raw.get("short", ""),
    )


@cache
def catalogue() -> Catalogue:
    """The whole content catalogue, loaded once per process (it is immutable)."""
    questions_raw = _load("questions.toml")
    statements_raw = _load("statements.toml")
    sources_raw = _load("sources.toml")
    warnings = {w["id"]: _warning(w) for w in _load("warnings.toml")["warning"]}
    statements = [w.statement() for w in warnings.values()] + [
        StatementDef(**{**s, "citations": tuple(s["citations"])})
        for s in statements_raw["statement"]
    ]
    return Catalogue(
        sources={
            s["id"]: Source(**{**s, "called": tuple(s.get("called", ()))})
            for s in sources_raw["source"]
        },
        passages={p["id"]: Passage(**p) for p in _load("passages.toml")["passage"]},
        sections={s["id"]: Section(**s) for s in questions_raw["section"]},
        questions={q["id"]: _question(q) for q in questions_raw["question"]},
        statements={s.id: s for s in statements},
        differences=tuple(
            Difference(d["id"], d["note"], tuple(d["passages"]), tuple(d.get("touch", ())))
            for d in sources_raw.get("difference", [])
        ),
        version=statements_raw["version"],
        warnings=warnings,
    )


# --- Verbatim quotes -----------------------------------------------------------

_QUOTE_STYLES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "″": '"'})
_SPACE = re.compile(r"\s+")
ELLIPSIS = "…"


def normalise(text: str) -> str:
    """Drop all whitespace and unify quote styles, as the verbatim rule allows.

    All whitespace goes (not just runs of it) because the captures lost spaces
    between words ("infracturesof thetibia"), and line breaks split phrases.
    """
    return _SPACE.sub("", text.translate(_QUOTE_STYLES))


def quote_in(quote: str, source_text: str) -> bool:
    """True if ``quote`` appears in ``source_text``; "…" may skip text, in order."""
    haystack = normalise(source_text)
    position = 0
    for part in quote.split(ELLIPSIS):
        needle = normalise(part)
        if not needle:
            continue
        found = haystack.find(needle, position)
        if found < 0:
            return False
        position = found + len(needle)
    return True


# --- Bundled example cases ---------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """An example answer set with the statements it must and must not produce.

    Used as tests, by the benchmark, and by educators as worked examples.
    """

    id: str
    description: str
    answers: dict
    expect: tuple[str, ...]
    expect_absent: tuple[str, ...]


@cache
def cases() -> dict[str, Case]:
    found = {}
    for path in sorted((DATA / "cases").glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        found[path.stem] = Case(
            id=path.stem,
            description=raw["description"],
            answers=raw["answers"],
            expect=tuple(raw["expect"]),
            expect_absent=tuple(raw["expect_absent"]),
        )
    return found


# --- The "Learn about bone marrow edema" page ------------------------------------------

#: The page's topics, in the order the page shows them (learn.toml keeps this order).
LEARN_TOPICS = (
    "what_it_is",
    "causes",
    "sites",
    "symptoms",
    "tests",
    "treatments",
    "outlook",
    "when_to_see",
    "differences",
)


@dataclass(frozen=True)
class LearnClaim:
    """One thing a source says, in our plain words, with the passages that say it."""

    text: str
    citations: tuple[str, ...]
    #: A sub-heading within the topic, e.g. the family of causes.
    group: str = ""
    #: In the "differences" topic: the ``[[difference]]`` of sources.toml it presents.
    difference: str = ""


@dataclass(frozen=True)
class LearnTopic:
    """A section of the learn page: what all three sources say about one subject."""

    id: str
    title: str
    #: How a summary's link names it: "What the three sources say about <about>".
    about: str
    claims: tuple[LearnClaim, ...]
    intro: str = ""
    #: The statements (statements.toml, warnings.toml) whose summary item links here.
    statements: tuple[str, ...] = ()


@cache
def learn() -> tuple[LearnTopic, ...]:
    """The learn page's topics (learn.toml), in page order; loaded once per process."""
    return tuple(
        LearnTopic(
            id=t["id"],
            title=t["title"],
            about=t["about"],
            intro=t.get("intro", ""),
            statements=tuple(t.get("statements", ())),
            claims=tuple(
                LearnClaim(**{**c, "citations": tuple(c["citations"])}) for c in t["claim"]
            ),
        )
        for t in _load("learn.toml")["topic"]
    )


@cache
def learn_topic_of() -> dict[str, LearnTopic]:
    """The learn-page topic each statement links to, by statement id."""
    return {sid: topic for topic in learn() for sid in topic.statements}


# --- Coverage: what the sources say, and where the app says it ---------------------------

COVERAGE_FAMILIES = (
    "definition",
    "type",
    "cause",
    "condition",
    "site",
    "symptom",
    "test",
    "treatment",
    "outlook",
    "faq",
    "when_to_see",
)


@dataclass(frozen=True)
class CoverageItem:
    """One distinct thing a source says about bone marrow edema (coverage.toml)."""

    id: str
    source: str
    family: str
    what: str
    #: The passages that quote it.
    passages: tuple[str, ...]


@cache
def coverage() -> tuple[CoverageItem, ...]:
    return tuple(
        CoverageItem(**{**i, "passages": tuple(i["passages"])})
        for i in _load("coverage.toml")["item"]
    )


def cited_passages() -> set[str]:
    """Passages the app shows: cited by a statement (or urgent notice) or a learn claim."""
    cat = catalogue()
    cited = {pid for s in cat.statements.values() for pid in s.citations}
    return cited | {pid for topic in learn() for c in topic.claims for pid in c.citations}


def coverage_gaps() -> list[CoverageItem]:
    """Items of the coverage table that nothing the app shows quotes.

    Computed, never declared: an item is covered when one of its passages is
    cited by a statement or by a claim of the learn page.
    """
    cited = cited_passages()
    return [item for item in coverage() if not cited & set(item.passages)]
