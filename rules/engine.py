"""The engine: answers in, cited statements and a trace out.

``evaluate(answers)`` runs the knowledge base on a fresh set of facts in an
engine taken from a pool. experta engines hold state (facts, agenda, Rete
memories), so one engine serves one evaluation at a time; building one costs
far more than resetting it, so engines are reused, never shared. The trace is
recorded here, per evaluation: experta's watchers are process-wide loggers.
Matching uses experta's Rete network without its wasted work (see "Matching,
faster"); ``bench/bench_engine.py`` measures it.
"""

from __future__ import annotations

import inspect
import queue
import re
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache

from experta import KnowledgeEngine, Rule
from experta.activation import Activation
from experta.agenda import Agenda
from experta.deffacts import DefFacts
from experta.fact import Fact, InitialFact
from experta.factlist import FactList
from experta.fieldconstraint import ANDFC, NOTFC, ORFC, L, W
from experta.matchers import ReteMatcher
from experta.matchers.rete.check import FactCapture, FeatureCheck, TypeCheck
from experta.matchers.rete.mixins import ChildNode, NoMemory
from experta.matchers.rete.nodes import ConflictSetNode, FeatureTesterNode
from experta.matchers.rete.token import Token

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


# --- Matching, faster ---------------------------------------------------------------
#
# experta's Rete matcher does much work that changes nothing: every fact is
# offered to every type test, a token is copied at every node, every rule's
# conflict set is asked for changes after every firing, every activation is
# hashed from scratch at each lookup. DispatchingMatcher keeps experta's network,
# checks and memories and feeds them the same tokens in the same order, minus
# that work; tests/test_engine_pool.py checks it against a fresh engine.


class DispatchingMatcher(ReteMatcher):
    """experta's ReteMatcher, fed and reset without the wasted work."""

    def build_network(self):
        super().build_network()
        self._conflict_sets = self._get_conflict_set_nodes()
        everything = _nodes(self.root_node)
        self._stateful = tuple(n for n in everything if not isinstance(n, NoMemory))
        for node in everything:
            node.children[:] = [ChildNode(c.node, _lean(c)) for c in node.children]
        self._by_type: dict[type, tuple] = {}
        self._plans: dict[frozenset, tuple] = {}

    def changes(self, adding=None, deleting=None):
        """Pass facts to the network; return the activations added and removed."""
        touched: set[int] = set()
        for facts, tag in ((deleting, Token.TagType.INVALID), (adding, Token.TagType.VALID)):
            for fact in facts or ():
                entries, sets, pure = self._entries(type(fact))
                touched.update(sets)
                for child, context in self._plan(fact, entries, pure):
                    context = {k: fact if v is _SELF else v for k, v in context}
                    child.callback(Token._make((tag, {fact}, context)))
        added, removed = [], []
        for i in sorted(touched):  # experta's order, skipping sets the facts cannot reach
            node = self._conflict_sets[i]
            if node.added or node.removed:
                node_added, node_removed = node.get_activations()
                added.extend(node_added)
                removed.extend(node_removed)
        return added, removed

    def reset(self):
        """Wipe every memory once (experta's walk revisits shared nodes).

        Pending activations go too, so that an evaluation that failed half-way
        leaves nothing behind for the next one.
        """
        for node in self._stateful:
            node._reset()
        for node in self._conflict_sets:
            node.added, node.removed = set(), set()

    def _entries(self, fact_type: type) -> tuple:
        """Per fact class, once: its type tests, the rules it reaches, whether all pure.

        experta's bus node offers each fact to every type test; all but those for
        its exact class reject it (``TypeCheck`` is ``type(fact) == cls``).
        """
        found = self._by_type.get(fact_type)
        if found is None:
            entries = tuple(
                child
                for child in self.root_node.children
                if not isinstance(child.node.matcher, TypeCheck)
                or child.node.matcher.fact_type == fact_type
            )
            below = [n for child in entries for n in _nodes(child.node)]
            reachable = {id(n) for n in below}
            sets = tuple(i for i, n in enumerate(self._conflict_sets) if id(n) in reachable)
            pure = all(_pure(n.matcher) for n in below if isinstance(n, FeatureTesterNode))
            found = self._by_type[fact_type] = (entries, sets, pure)
        return found

    def _plan(self, fact, entries, pure: bool) -> tuple:
        """Where the alpha network sends this fact: (beta node, context) pairs, in order.

        Pure alpha tests read only the fact's class and fields, so their outcome
        is kept per content (with ``_SELF`` for the fact) and reused.
        """
        key = FactList._get_fact_id(fact) if pure else None
        plan = self._plans.get(key)
        if plan is None:
            found: list = []
            for child in entries:
                _alpha(child, fact, {}, found)
            plan = tuple(
                (child, tuple((k, _SELF if v is fact else v) for k, v in context.items()))
                for child, context in found
            )
            if pure:
                if len(self._plans) > 10_000:  # bounded, whatever facts come
                    self._plans.clear()
                self._plans[key] = plan
        return plan


_SELF = object()


def _alpha(child: ChildNode, fact, context: dict, out: list) -> None:
    """``FeatureTesterNode._activate`` on a context dict instead of a token copy per node.

    Collects where the fact leaves the alpha network, with its context, in order.
    """
    node = child.node
    if type(node) is not FeatureTesterNode:
        out.append((child, context))
        return
    match = node.matcher(fact)
    if not match:
        return
    if isinstance(match, Mapping):
        for key, value in match.items():
            if isinstance(key, tuple):  # a negated binding
                if key[1] in context and context[key[1]] == value:
                    return
            else:
                if context.get(key, value) != value:
                    return
                if (False, key) in context and context[(False, key)] == value:
                    return
        context = {**context, **match}
    for grandchild in node.children:
        _alpha(grandchild, fact, context, out)


def _pure(check) -> bool:
    """Whether an alpha test depends on the fact's class and fields alone (no predicate)."""
    if isinstance(check, FeatureCheck):  # a special key (``__x__``) may read the fact's id
        return not Fact.is_special(check.what) and _pure_constraint(check.how)
    return isinstance(check, TypeCheck | FactCapture)


def _pure_constraint(how) -> bool:
    if isinstance(how, ANDFC | ORFC | NOTFC):
        return all(_pure_constraint(part) for part in how)
    return isinstance(how, L | W)


def _lean(child: ChildNode):
    """A node's callback without the token copy and the debug log.

    experta copies a token on entry to each node because alpha nodes add to a
    token's context. Beta nodes never change a token (they make new ones) and
    the alpha part is walked by ``_alpha``, so beta nodes can share tokens.
    """
    node, callback = child
    if isinstance(node, ConflictSetNode):
        return _conflict_set_activate(node)
    if isinstance(node, FeatureTesterNode):  # alpha: walked by _alpha, not called back
        return callback
    for public in ("activate", "activate_left", "activate_right"):
        if callback == getattr(node, public, None):
            return getattr(node, "_" + public)
    return callback


def _conflict_set_activate(node: ConflictSetNode):
    """``ConflictSetNode.activate``: the same memory, added and removed sets.

    One hash per activation, with the rule's hash computed once (experta hashes
    the rule's whole condition tree at every set lookup).
    """
    rule = node.rule
    rule_hash = hash(rule)

    def activate(token):
        info = token.to_info()
        context = {k: v for k, v in info.context if isinstance(k, str)}
        activation = _Activation(rule, info.data, context, rule_hash)
        if token.is_valid():
            if info not in node.memory:
                node.memory.add(info)
                if activation in node.removed:
                    node.removed.remove(activation)
                else:
                    node.added.add(activation)
        else:
            node.memory.remove(info)
            if activation in node.added:
                node.added.remove(activation)
            else:
                node.removed.add(activation)

    return activate


class _Activation(Activation):
    """An Activation that hashes once; equal to experta's by the same ``__eq__``."""

    def __init__(self, rule, facts: frozenset, context: dict, rule_hash: int):
        super().__init__(rule, facts, context)
        self._hash = hash((rule_hash, facts, frozenset(context.items())))

    def __hash__(self):
        return self._hash


def _nodes(root) -> list:
    """Every node of a Rete network below ``root``, once each."""
    seen: dict[int, object] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen[id(node)] = node
            stack.extend(child.node for child in node.children)
    return list(seen.values())


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


def evaluate(answers: dict, *, pool: EnginePool | None = None) -> Result:
    """Validate the answers, run the knowledge base, and return the statements."""
    clean = validate(answers)
    with (pool or _pool).engine() as engine:
        return _run(engine, clean)


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
    made = []
    for idx, fact in facts.items():
        if fact.kind != "statement":
            continue
        definition = cat.statements[fact.fields["id"]]
        answer_ids = support(idx)
        text = definition.text
        if pregnancy and definition.in_pregnancy:
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


# --- Words ---------------------------------------------------------------------

PLACEHOLDER = re.compile(r"\{([a-z0-9_,]+)\}")
#: ``[...]``: words left out when an answer inside them is missing.
OPTIONAL = re.compile(r"\[([^\[\]]*)\]")
#: Stands in for a placeholder with no answer behind it; tests make sure it never shows.
FALLBACK = "some of your answers"


def join_words(words: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def render(text: str, rests_on, cat: Catalogue | None = None) -> str:
    """Fill ``{q1,q2}`` with the person's own answers to those questions, in words.

    An optional part ``[...]`` is kept only when every placeholder in it has an answer.
    """
    cat = cat or catalogue()

    def words(match: re.Match) -> str:
        wanted = match.group(1).split(",")
        found = [
            cat.questions[q].option(v).phrase for want in wanted for q, v in rests_on if q == want
        ]
        return join_words(found)

    def optional(match: re.Match) -> str:
        inner = match.group(1)
        return inner if all(words(m) for m in PLACEHOLDER.finditer(inner)) else ""

    text = OPTIONAL.sub(optional, text)
    return PLACEHOLDER.sub(lambda m: words(m) or FALLBACK, text)
