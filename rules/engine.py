"""The engine: answers in, cited statements and a trace out.

``evaluate(answers)`` runs the knowledge base on a fresh set of facts in an
engine taken from a pool. experta engines hold state (facts, agenda, Rete
memories), so one engine serves one evaluation at a time; building one costs
far more than resetting it, so engines are reused, never shared. The trace is
recorded here, per evaluation: experta's watchers are process-wide loggers.
What it produces is in results.py, the faster matching in matching.py and the
words of a statement in wording.py.
"""

from __future__ import annotations

import inspect
import queue
from contextlib import contextmanager
from functools import cache

from experta import KnowledgeEngine, Rule
from experta.agenda import Agenda
from experta.deffacts import DefFacts
from experta.fact import InitialFact
from experta.factlist import FactList
from experta.matchers import ReteMatcher

from .answers import validate
from .content import LEVELS, catalogue
from .facts import Answer, Statement, answer_facts
from .kb import MIXINS
from .matching import DispatchingMatcher
from .results import FactView, Firing, Pending, Result, StatementResult
from .strategy import ExactDepthStrategy
from .wording import render


@cache
def _deffacts(engine_class: type) -> tuple[DefFacts, ...]:
    """An engine class's DefFacts in experta's order; experta looks them up per reset."""
    found = inspect.getmembers(engine_class, lambda value: isinstance(value, DefFacts))
    return tuple(sorted((d for _, d in found), key=lambda d: d.order))


# --- The engine ------------------------------------------------------------------


class TracingEngine(KnowledgeEngine):
    """A KnowledgeEngine that records its own trace and uses a correct strategy."""

    __strategy__ = ExactDepthStrategy
    __matcher__ = DispatchingMatcher

    def __init__(self):
        super().__init__()
        self._start_trace()

    def _start_trace(self):
        self.trace: list[Firing] = []
        self._firing: dict | None = None
        self._by_key: dict = {}

    def reset(self, **kwargs):
        """experta's reset (fresh agenda, facts and matcher memory, then the deffacts).

        Without experta's search for DefFacts among all members on every call.
        """
        self._start_trace()
        if kwargs:  # deffacts that take arguments: experta's own way
            return super().reset(**kwargs)
        self.agenda = Agenda()
        self.facts = FactList()
        self.matcher.reset()
        # The generator functions themselves: a DefFacts bound through the class
        # attribute is shared by every engine, and so by every thread.
        facts = [fact.copy() for d in _deffacts(type(self)) for fact in d._wrapped(self)]
        self._KnowledgeEngine__declare(*facts)  # as experta's reset does
        self.running = False

    def say(self, statement_id: str) -> None:
        """Make a statement (an id of statements.toml)."""
        self.declare(Statement(id=statement_id))

    def declare(self, *facts):
        """experta's declare, noting for the trace which fact each declaration stands for.

        All the facts go to experta at once (one matcher update, not one per fact);
        a fact is new if experta numbered it now, else it repeats a known one.
        """
        first_new = self.facts.last_index
        super().declare(*facts)
        last = None
        for fact in facts:
            key = FactList._get_fact_id(fact)
            factid = fact.get("__factid__")
            new = factid is not None and factid >= first_new
            if new:
                self._by_key[key] = fact
            declared = self._by_key[key]
            if self._firing is not None:
                self._firing["declared"].append(declared["__factid__"])
                self._firing["new"].append(new)
            last = declared
        return last

    #: Record the agenda at each step (educators' trace): off for patients, as it
    #: copies the agenda at every firing.
    record_agenda = False

    def pending(self) -> tuple[Pending, ...]:
        """The agenda as it stands, in firing order (experta pops from the end)."""
        return tuple(
            Pending(
                a.rule.__name__,
                a.rule.salience,
                tuple(sorted((f["__factid__"] for f in a.facts), reverse=True)),
            )
            for a in reversed(self.agenda.activations)
        )

    def run(self, steps=float("inf")):
        """experta's run loop, recording each firing."""
        self.running = True
        while steps > 0 and self.running:
            added, removed = self.get_activations()
            self.strategy.update_agenda(self.agenda, added, removed)
            agenda = self.pending() if self.record_agenda else ()
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
                        agenda=agenda,
                    )
                )
                self._firing = None
        self.running = False


class KnowledgeBase(*MIXINS, TracingEngine):
    """All the topic mixins in one engine."""


class StockKnowledgeBase(KnowledgeBase):
    """The same knowledge base on experta's own ReteMatcher and reset.

    The baseline for the benchmark, and the reference the tests hold the
    DispatchingMatcher to: both must give identical results.
    """

    __matcher__ = ReteMatcher

    def reset(self, **kwargs):
        self._start_trace()
        KnowledgeEngine.reset(self, **kwargs)


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


def evaluate(answers: dict, *, pool: EnginePool | None = None, agenda: bool = False) -> Result:
    """Validate the answers, run the knowledge base, and return the statements; with
    ``agenda``, each firing also holds the agenda it was chosen from."""
    clean = validate(answers)
    with (pool or _pool).engine() as engine:
        engine.record_agenda = agenda
        try:
            return _run(engine, clean)
        finally:
            engine.record_agenda = False


def evaluate_naive(answers: dict) -> Result:
    """The textbook use of experta: a new engine, experta's own matcher, every evaluation."""
    return _run(StockKnowledgeBase(), validate(answers))


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
    place = {  # each answer fact's place in the questionnaire, to sort what a statement rests on
        idx: (order[fact.question], cat.questions[fact.question].values.index(fact.fields["value"]))
        for idx, fact in facts.items()
        if fact.question
    }
    #: Pregnant or recently given birth: some statements add a caution (in_pregnancy).
    pregnancy = [i for i, f in facts.items() if f.type == "PregnantOrPostpartum"]
    #: The pregnancy answer, so that a caution naming one ("[...]") shows only with it.
    told = [
        (facts[i].question, facts[i].fields["value"]) for i in pregnancy and support(pregnancy[0])
    ]
    made = []
    for idx, fact in facts.items():
        if fact.kind != "statement":
            continue
        definition = cat.statements[fact.fields["id"]]
        answer_ids = support(idx)
        text = definition.text
        if pregnancy and definition.in_pregnancy and render(definition.in_pregnancy, told, cat):
            text = f"{text} {definition.in_pregnancy}"
            answer_ids |= support(pregnancy[0])
        # One answer fact per (question, value): experta keeps no duplicates.
        rests_on = [
            (facts[i].question, facts[i].fields["value"])
            for i in sorted(answer_ids, key=place.__getitem__)
        ]
        made.append(
            StatementResult(
                id=definition.id,
                level=definition.level,
                title=definition.title,
                text=render(text, rests_on, cat),
                citations=definition.citations,
                rests_on=tuple(rests_on),
                rules=tuple(dict.fromkeys(f.rule for f in producers[idx])),
            )
        )
    position = {sid: n for n, sid in enumerate(cat.statements)}
    made.sort(key=lambda s: (LEVELS.index(s.level), position[s.id]))
    return Result(answers=answers, facts=facts, trace=trace, statements=made, version=cat.version)
