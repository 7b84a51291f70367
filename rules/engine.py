"""The engine: answers in, cited statements and a trace out.

``evaluate(answers)`` runs the knowledge base on a fresh set of facts in an
engine taken from a pool. experta engines hold state (facts, agenda, Rete
memories), so one engine serves one evaluation at a time; building one costs
far more than resetting it, so engines are reused, never shared. The trace is
recorded here, per evaluation: experta's watchers are process-wide loggers.
"""

from __future__ import annotations

import queue
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache

from experta import KnowledgeEngine, Rule
from experta.fact import InitialFact
from experta.factlist import FactList

from .answers import validate
from .content import LEVELS, Catalogue, catalogue
from .facts import Answer, Statement, answer_facts
from .kb import MIXINS
from .strategy import ExactDepthStrategy

# --- What an evaluation produces ---------------------------------------------------


@dataclass(frozen=True)
class FactView:
    """A fact in working memory, as plain data."""

    id: int
    type: str
    fields: dict
    question: str = ""  # set for answer facts

    @property
    def kind(self) -> str:
        if self.question:
            return "answer"
        if self.type == "Statement":
            return "statement"
        if self.type == "InitialFact":
            return "initial"
        return "derived"

    def __str__(self) -> str:
        if self.question:
            return f"{self.question} = {self.fields['value']}"
        args = ", ".join(f"{k}={v}" for k, v in self.fields.items())
        return f"{self.type}({args})"

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "type": self.type,
            "fields": self.fields,
            "text": str(self),
        }


@dataclass(frozen=True)
class Firing:
    """One rule firing: which rule, the facts that matched it, the facts it declared.

    ``new`` tells, for each declared fact, whether it was new to working memory
    (experta ignores a fact that is already there).
    """

    step: int
    rule: str
    topic: str
    matched: tuple[int, ...]
    declared: tuple[int, ...]
    new: tuple[bool, ...]


@dataclass(frozen=True)
class StatementResult:
    id: str
    level: str
    title: str
    text: str
    citations: tuple[str, ...]
    #: The answers it rests on, as (question id, value), in questionnaire order.
    rests_on: tuple[tuple[str, str], ...]
    #: The rules that made it.
    rules: tuple[str, ...]


@dataclass
class Result:
    answers: dict
    facts: dict[int, FactView]
    trace: list[Firing]
    statements: list[StatementResult]
    version: str = field(default="")

    @property
    def statement_ids(self) -> list[str]:
        return [s.id for s in self.statements]

    def to_dict(self) -> dict:
        """The JSON form (``bme explain --json``, exports, stored submissions)."""
        cat = catalogue()
        return {
            "version": self.version,
            "answers": self.answers,
            "statements": [
                {
                    "id": s.id,
                    "level": s.level,
                    "title": s.title,
                    "text": s.text,
                    "citations": [citation(pid, cat) for pid in s.citations],
                    "rests_on": [{"question": q, "value": v} for q, v in s.rests_on],
                    "rules": list(s.rules),
                }
                for s in self.statements
            ],
            "facts": [f.to_dict() for f in self.facts.values()],
            "trace": [
                {
                    "step": f.step,
                    "rule": f.rule,
                    "topic": f.topic,
                    "matched": [str(self.facts[i]) for i in f.matched],
                    "declared": [
                        str(self.facts[i]) + ("" if new else " (already known)")
                        for i, new in zip(f.declared, f.new, strict=True)
                    ],
                }
                for f in self.trace
            ],
        }


def citation(passage_id: str, cat: Catalogue | None = None) -> dict:
    """A passage with its source, as shown next to a statement."""
    cat = cat or catalogue()
    passage = cat.passages[passage_id]
    source = cat.sources[passage.source]
    return {
        "passage": passage.id,
        "source": source.id,
        "quote": passage.quote,
        "title": source.title,
        "publisher": source.publisher,
        "kind": source.kind,
    }


# --- The engine ------------------------------------------------------------------


class TracingEngine(KnowledgeEngine):
    """A KnowledgeEngine that records its own trace and uses a correct strategy."""

    __strategy__ = ExactDepthStrategy

    def __init__(self):
        super().__init__()
        self._start_trace()

    def _start_trace(self):
        self.trace: list[Firing] = []
        self._firing: dict | None = None
        self._by_key: dict = {}

    def reset(self, **kwargs):
        self._start_trace()
        super().reset(**kwargs)

    def say(self, statement_id: str) -> None:
        """Make a statement (an id of statements.toml)."""
        self.declare(Statement(id=statement_id))

    def declare(self, *facts):
        last = None
        for fact in facts:
            key = FactList._get_fact_id(fact)
            declared = super().declare(fact)
            new = declared is not None
            if new:
                self._by_key[key] = declared
            else:
                declared = self._by_key[key]
            if self._firing is not None:
                self._firing["declared"].append(declared["__factid__"])
                self._firing["new"].append(new)
            last = declared
        return last

    def run(self, steps=float("inf")):
        """experta's run loop, recording each firing."""
        self.running = True
        while steps > 0 and self.running:
            added, removed = self.get_activations()
            self.strategy.update_agenda(self.agenda, added, removed)
            activation = self.agenda.get_next()
            if activation is None:
                break
            steps -= 1
            rule = activation.rule
            self._firing = {"declared": [], "new": []}
            try:
                rule(
                    self,
                    **{k: v for k, v in activation.context.items() if not k.startswith("__")},
                )
            finally:
                self.trace.append(
                    Firing(
                        step=len(self.trace) + 1,
                        rule=rule.__name__,
                        topic=rule_topics()[rule.__name__],
                        matched=tuple(
                            sorted(
                                f["__factid__"]
                                for f in activation.facts
                                if not isinstance(f, InitialFact)
                            )
                        ),
                        declared=tuple(self._firing["declared"]),
                        new=tuple(self._firing["new"]),
                    )
                )
                self._firing = None
        self.running = False


class KnowledgeBase(*MIXINS, TracingEngine):
    """All the topic mixins in one engine."""


@cache
def rules() -> dict[str, Rule]:
    """Every rule of the knowledge base, by name (names are unique across topics)."""
    found = {}
    for mixin in MIXINS:
        for attr in vars(mixin).values():
            if isinstance(attr, Rule):
                found[attr.__name__] = attr
    return found


@cache
def rule_topics() -> dict[str, str]:
    topics = {}
    for mixin in MIXINS:
        for attr in vars(mixin).values():
            if isinstance(attr, Rule):
                topics[attr.__name__] = mixin.topic
    return topics


# --- Evaluation ------------------------------------------------------------------


class EnginePool:
    """Idle engines for reuse: one evaluation per engine at a time, any thread."""

    def __init__(self, factory=KnowledgeBase):
        self._factory = factory
        self._idle: queue.SimpleQueue = queue.SimpleQueue()

    @contextmanager
    def engine(self):
        try:
            engine = self._idle.get_nowait()
        except queue.Empty:
            engine = self._factory()
        try:
            yield engine
        finally:
            self._idle.put(engine)


_pool = EnginePool()


def evaluate(answers: dict, *, pool: EnginePool | None = None) -> Result:
    """Validate the answers, run the knowledge base, and return the statements."""
    clean = validate(answers)
    with (pool or _pool).engine() as engine:
        return _run(engine, clean)


def evaluate_naive(answers: dict) -> Result:
    """The textbook use of experta: a new engine for every evaluation (benchmark baseline)."""
    return _run(KnowledgeBase(), validate(answers))


def _run(engine: TracingEngine, answers: dict) -> Result:
    engine.reset()
    engine.declare(*answer_facts(answers))
    engine.run()
    facts = {
        idx: FactView(
            id=idx,
            type=type(fact).__name__,
            fields={k: v for k, v in fact.items() if not fact.is_special(k)},
            question=fact.question_id if isinstance(fact, Answer) else "",
        )
        for idx, fact in engine.facts.items()
    }
    return _result(answers, facts, list(engine.trace))


def _result(answers: dict, facts: dict[int, FactView], trace: list[Firing]) -> Result:
    cat = catalogue()
    producers: dict[int, list[Firing]] = {}
    for firing in trace:
        for idx in firing.declared:
            producers.setdefault(idx, []).append(firing)

    memo: dict[int, frozenset[int]] = {}

    def support(idx: int) -> frozenset[int]:
        """The answer facts that a fact rests on, through every rule that declared it."""
        if idx not in memo:
            memo[idx] = frozenset()  # no cycles in this KB, but never loop forever
            if facts[idx].kind == "answer":
                memo[idx] = frozenset({idx})
            else:
                found: set[int] = set()
                for firing in producers.get(idx, ()):
                    for m in firing.matched:
                        found |= support(m)
                memo[idx] = frozenset(found)
        return memo[idx]

    order = {qid: n for n, qid in enumerate(cat.questions)}
    made = []
    for idx, fact in facts.items():
        if fact.kind != "statement":
            continue
        definition = cat.statements[fact.fields["id"]]
        answer_ids = support(idx)
        rests_on = sorted(
            {(facts[i].question, facts[i].fields["value"]) for i in answer_ids},
            key=lambda qv: (order[qv[0]], cat.questions[qv[0]].values.index(qv[1])),
        )
        made.append(
            StatementResult(
                id=definition.id,
                level=definition.level,
                title=definition.title,
                text=render(definition.text, rests_on, cat),
                citations=definition.citations,
                rests_on=tuple(rests_on),
                rules=tuple(dict.fromkeys(f.rule for f in producers[idx])),
            )
        )
    position = {sid: n for n, sid in enumerate(cat.statements)}
    made.sort(key=lambda s: (LEVELS.index(s.level), position[s.id]))
    return Result(answers=answers, facts=facts, trace=trace, statements=made, version=cat.version)


# --- Words ---------------------------------------------------------------------

PLACEHOLDER = re.compile(r"\{([a-z0-9_,]+)\}")
#: Stands in for a placeholder with no answer behind it; tests make sure it never shows.
FALLBACK = "some of your answers"


def join_words(words: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def render(text: str, rests_on, cat: Catalogue | None = None) -> str:
    """Fill ``{q1,q2}`` with the person's own answers to those questions, in words."""
    cat = cat or catalogue()

    def fill(match: re.Match) -> str:
        wanted = match.group(1).split(",")
        words = [
            cat.questions[q].option(v).phrase for want in wanted for q, v in rests_on if q == want
        ]
        return join_words(words) or FALLBACK

    return PLACEHOLDER.sub(fill, text)
