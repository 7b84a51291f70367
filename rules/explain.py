"""Explanations for educators: each rule as IF/THEN, HOW, WHY, WHY-NOT and what-if.

Everything is generated from the rules themselves (their patterns, their
docstrings and the calls in their bodies), so an explanation cannot drift from
what the engine does. MYCIN's explanation facility is the model: WHY a question
is asked, HOW a conclusion was reached, and here also WHY-NOT.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from dataclasses import dataclass
from functools import cache

from experta import Fact
from experta.conditionalelement import AND, NOT, OR
from experta.fact import InitialFact
from experta.fieldconstraint import ANDFC, NOTFC, ORFC, L, W

from . import facts as F
from .content import catalogue
from .engine import rule_topics, rules
from .kb import MIXINS
from .kb.base import DERIVE, STATE
from .results import Result

# --- Words for patterns -------------------------------------------------------------


def _values(constraint) -> list[str]:
    """The literal values an equality constraint accepts (``L('a') | L('b')``)."""
    if isinstance(constraint, L):
        return [constraint.value]
    if isinstance(constraint, ORFC):
        return [v for part in constraint for v in _values(part)]
    if isinstance(constraint, str):
        return [constraint]
    return []


def _label(question_id: str, value: str) -> str:
    q = catalogue().questions[question_id]
    return f"\u201c{q.option(value).label}\u201d" if value in q.values else repr(value)


def _answer_words(question_id: str, constraint) -> str:
    text = catalogue().questions[question_id].short_text
    if constraint is None or isinstance(constraint, W):
        return f"\u201c{text}\u201d was answered"
    if isinstance(constraint, NOTFC):
        inner = " or ".join(_label(question_id, v) for v in _values(constraint[0]))
        return f"\u201c{text}\u201d was answered with something other than {inner}"
    if isinstance(constraint, ANDFC):
        return " and ".join(_answer_words(question_id, part) for part in constraint)
    chosen = " or ".join(_label(question_id, v) for v in _values(constraint))
    return f"the answer to \u201c{text}\u201d includes {chosen}"


def _doc(cls) -> str:
    return (cls.__doc__ or cls.__name__).strip().split("\n")[0].rstrip(".")


def fact_words(fact: Fact) -> str:
    """A pattern or a fact in plain words."""
    cls = type(fact)
    if isinstance(fact, InitialFact):
        return "always"
    if issubclass(cls, F.Answer):
        return _answer_words(cls.question_id, fact.get("value"))
    if cls is F.Statement:
        sid = fact.get("id")
        title = catalogue().statements[sid].title if sid in catalogue().statements else sid
        return f"the statement \u201c{title}\u201d"
    if cls is F.CauseFamily:
        names = _values(fact.get("name")) if "name" in fact else []
        return "a family of causes: " + (" or ".join(names) if names else "any")
    if cls is F.RedFlag:
        kinds = _values(fact.get("kind")) if "kind" in fact else []
        return "a warning sign: " + (" or ".join(kinds) if kinds else "any")
    return _doc(cls)[0].lower() + _doc(cls)[1:]


def condition_words(ce) -> str:
    if isinstance(ce, NOT):
        return "NOT " + " and ".join(condition_words(c) for c in ce)
    if isinstance(ce, OR):
        return "EITHER " + " OR ".join(condition_words(c) for c in ce)
    if isinstance(ce, AND):
        return " AND ".join(condition_words(c) for c in ce)
    return fact_words(ce)


# --- What a rule does: read from its body -------------------------------------------------


@dataclass(frozen=True)
class Action:
    kind: str  # "declare" or "say"
    target: str  # fact kind (e.g. "CauseFamily(name=metabolic)") or statement id
    words: str
    #: For "declare": the fact's class name and fields, as written in the rule.
    fact: str = ""
    fields: tuple[tuple[str, str], ...] = ()


@cache
def actions(rule) -> tuple[Action, ...]:
    """What a rule's body does, in order, read from its source: the facts it declares
    and the statements it makes.

    Each statement of the body must be ``self.declare(Class(field="literal", ...))``
    of a derived fact class, or ``self.say("literal")`` of a statement in
    statements.toml. Anything else raises ValueError: a body that decided in Python
    would be explained, and exported to CLIPS, as something it does not do.
    """
    func = rule._wrapped
    body = ast.parse(textwrap.dedent(inspect.getsource(func))).body[0].body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    return tuple(_action(rule.__name__, func.__globals__, stmt) for stmt in body)


def _literal(node) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _action(name: str, names: dict, stmt) -> Action:
    """One statement of a body, as an Action; ``names`` are the rule module's globals."""
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    if (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == "self"
        and len(call.args) == 1
        and not call.keywords
    ):
        arg = call.args[0]
        if call.func.attr == "say" and _literal(arg):
            if arg.value not in catalogue().statements:
                raise ValueError(f"{name}: {arg.value!r} is not in statements.toml")
            title = catalogue().statements[arg.value].title
            return Action("say", arg.value, f"show \u201c{title}\u201d")
        if (
            call.func.attr == "declare"
            and isinstance(arg, ast.Call)
            and isinstance(arg.func, ast.Name)
            and not arg.args
            and all(k.arg and _literal(k.value) for k in arg.keywords)
        ):
            cls = names.get(arg.func.id)  # the class as the rule's module names it
            if isinstance(cls, type) and cls in F.DERIVED.values():
                fields = {k.arg: k.value.value for k in arg.keywords}
                target = cls.__name__ + (
                    "(" + ", ".join(f"{k}={v}" for k, v in fields.items()) + ")" if fields else ""
                )
                words = "conclude: " + fact_words(cls(**fields))
                return Action("declare", target, words, cls.__name__, tuple(fields.items()))
    raise ValueError(
        f"{name}: a body may only declare a fact or say a statement: {ast.unparse(stmt)}"
    )


# --- The rule catalogue -------------------------------------------------------------------


@dataclass(frozen=True)
class RuleInfo:
    name: str
    topic: str
    doc: str
    salience: int
    conditions: tuple[str, ...]
    actions: tuple[Action, ...]
    questions: tuple[str, ...]  # question ids it reads directly
    reads: tuple[str, ...]  # fact kinds it reads (questions as "q:<id>")
    negated: tuple[str, ...]  # kinds it requires to be absent

    @property
    def statements(self) -> tuple[str, ...]:
        return tuple(a.target for a in self.actions if a.kind == "say")

    @property
    def if_then(self) -> str:
        lines = ["IF " + self.conditions[0] if self.conditions else "IF always"]
        lines += ["AND " + c for c in self.conditions[1:]]
        lines += ["THEN " + a.words for a in self.actions]
        return "\n".join(lines)


def _kinds(ce) -> list[str]:
    """The fact kinds a pattern can match, as graph keys ("q:<id>" for answers)."""
    if isinstance(ce, NOT | OR | AND):
        return [k for c in ce for k in _kinds(c)]
    cls = type(ce)
    if isinstance(ce, InitialFact):
        return []
    if issubclass(cls, F.Answer):
        return [f"q:{cls.question_id}"]
    fields = [(k, v) for k, v in ce.items() if isinstance(k, str)]
    if not fields:  # RedFlag() matches every RedFlag(kind=...) the rules declare
        return _declared(cls.__name__ + "(") or [cls.__name__]
    key, constraint = fields[0]
    values = _values(constraint)
    if values:
        return [f"{cls.__name__}({key}={v})" for v in values]
    return _declared(f"{cls.__name__}({key}=")


def _declared(prefix: str) -> list[str]:
    """Every fact kind the knowledge base declares that starts with ``prefix``."""
    return sorted(
        {
            a.target
            for rule in rules().values()
            for a in actions(rule)
            if a.target.startswith(prefix)
        }
    )


def _negated(ce) -> list[str]:
    if isinstance(ce, NOT):
        return [k for c in ce for k in _kinds(c)]
    if isinstance(ce, OR | AND):
        return [k for c in ce for k in _negated(c)]
    return []


@cache
def catalogue_of_rules() -> dict[str, RuleInfo]:
    """Every rule, in the order topics are presented, as plain IF/THEN."""
    topics = rule_topics()
    out = {}
    for mixin in MIXINS:
        for name, rule in rules().items():
            if topics[name] != mixin.topic:
                continue
            positives = [ce for ce in rule if not isinstance(ce, NOT)]
            reads = [k for ce in positives for k in _kinds(ce)]
            out[name] = RuleInfo(
                name=name,
                topic=topics[name],
                doc=(rule._wrapped.__doc__ or "").strip(),
                salience=rule.salience,
                conditions=tuple(condition_words(ce) for ce in rule),
                actions=actions(rule),
                questions=tuple(
                    dict.fromkeys(
                        k[2:]
                        for k in reads + [k for ce in rule for k in _negated(ce)]
                        if k.startswith("q:")
                    )
                ),
                reads=tuple(dict.fromkeys(reads)),
                negated=tuple(dict.fromkeys(k for ce in rule for k in _negated(ce))),
            )
    return out


def producers_of(target: str) -> list[RuleInfo]:
    """The rules that declare a fact kind or make a statement."""
    return [r for r in catalogue_of_rules().values() if any(a.target == target for a in r.actions)]


# --- WHY a question is asked ----------------------------------------------------------------


@dataclass(frozen=True)
class Why:
    question: str
    rules: tuple[RuleInfo, ...]  # rules that read this answer directly
    statements: tuple[str, ...]  # statements it can lead to, through any chain


def why(question_id: str) -> Why:
    infos = catalogue_of_rules()
    direct = tuple(r for r in infos.values() if question_id in r.questions)
    reached: list[str] = []
    frontier = [f"q:{question_id}"]
    seen = set(frontier)
    while frontier:
        kind = frontier.pop(0)
        for r in infos.values():
            if kind in r.reads or kind in r.negated:
                for a in r.actions:
                    if a.kind == "say" and a.target not in reached:
                        reached.append(a.target)
                    elif a.kind == "declare" and a.target not in seen:
                        seen.add(a.target)
                        frontier.append(a.target)
    order = list(catalogue().statements)
    return Why(question_id, direct, tuple(sorted(reached, key=order.index)))


def rules_from_question(question_id: str) -> set[str]:
    """The rules an answer to this question can reach: those reading it, and those
    reading any fact concluded from it (the rules page's filter)."""
    infos = catalogue_of_rules()
    found: set[str] = set()
    frontier, seen = [f"q:{question_id}"], {f"q:{question_id}"}
    while frontier:
        kind = frontier.pop()
        for r in infos.values():
            if kind in r.reads or kind in r.negated:
                found.add(r.name)
                for a in r.actions:
                    if a.kind == "declare" and a.target not in seen:
                        seen.add(a.target)
                        frontier.append(a.target)
    return found


def rules_to_statement(statement_id: str) -> set[str]:
    """The rules on some chain that ends in this statement (the rules page's filter)."""
    found: set[str] = set()
    frontier = [statement_id]
    while frontier:
        for r in producers_of(frontier.pop()):
            if r.name not in found:
                found.add(r.name)
                frontier.extend(k for k in r.reads if not k.startswith("q:"))
    return found


# --- HOW a statement was reached ---------------------------------------------------------------


@dataclass(frozen=True)
class HowNode:
    fact: str
    kind: str  # answer, derived, statement
    steps: tuple[HowStep, ...]


@dataclass(frozen=True)
class HowStep:
    step: int
    rule: str
    doc: str
    because: tuple[HowNode, ...]


def how(result: Result, statement_id: str) -> HowNode | None:
    """The chain of rule firings and answers behind a statement, as a tree."""
    target = next(
        (
            i
            for i, f in result.facts.items()
            if f.kind == "statement" and f.fields["id"] == statement_id
        ),
        None,
    )
    if target is None:
        return None
    infos = catalogue_of_rules()

    def node(idx: int, seen: frozenset) -> HowNode:
        fact = result.facts[idx]
        steps = []
        if fact.kind != "answer" and idx not in seen:
            for firing in result.trace:
                if idx in firing.declared:
                    steps.append(
                        HowStep(
                            firing.step,
                            firing.rule,
                            infos[firing.rule].doc,
                            tuple(node(m, seen | {idx}) for m in firing.matched),
                        )
                    )
        return HowNode(str(fact), fact.kind, tuple(steps))

    return node(target, frozenset())


# --- WHY-NOT a statement did not appear ---------------------------------------------------------


def _field_ok(constraint, value) -> bool:
    if isinstance(constraint, W):
        return True
    if isinstance(constraint, L):
        return value == constraint.value
    if isinstance(constraint, ORFC):
        return any(_field_ok(c, value) for c in constraint)
    if isinstance(constraint, ANDFC):
        return all(_field_ok(c, value) for c in constraint)
    if isinstance(constraint, NOTFC):
        return not _field_ok(constraint[0], value)
    return value == constraint


def _matches(pattern, fact) -> bool:
    if type(pattern).__name__ != fact.type:
        return False
    return all(
        k in fact.fields and _field_ok(v, fact.fields[k])
        for k, v in pattern.items()
        if isinstance(k, str)
    )


def _holds(ce, result: Result) -> bool:
    if isinstance(ce, NOT):
        return not all(_holds(c, result) for c in ce)
    if isinstance(ce, OR):
        return any(_holds(c, result) for c in ce)
    if isinstance(ce, AND):
        return all(_holds(c, result) for c in ce)
    return any(_matches(ce, f) for f in result.facts.values())


@dataclass(frozen=True)
class Need:
    """One condition of a rule, met or not, and for an unmet one what would meet it:
    the rules that would conclude a missing fact (``routes``), down to the answers."""

    words: str
    met: bool
    #: For a condition that something be absent: what is there, and the answers behind it.
    present: tuple[str, ...] = ()
    #: For EITHER (``joiner`` "or") or AND ("and"): its parts.
    joiner: str = ""
    parts: tuple[Need, ...] = ()
    #: For a missing derived fact: (rule name, that rule's needs), one per rule that
    #: would conclude it.
    routes: tuple[tuple[str, tuple[Need, ...]], ...] = ()


@dataclass(frozen=True)
class WhyNotRule:
    rule: str
    doc: str
    unmet: tuple[str, ...]  # each condition that was not met, in words
    needs: tuple[Need, ...] = ()  # every condition, met or not, down to the answers


#: How far WHY-NOT follows derived facts back towards answers (the deepest chain in the
#: knowledge base is three rules; this only guards against a future cycle).
DEPTH = 6


def answer_words(result: Result, idx: int) -> str:
    """An answer fact as the questionnaire words it: “Question”: “Option”."""
    fact = result.facts[idx]
    q = catalogue().questions[fact.question]
    return f"\u201c{q.short_text}\u201d: {_label(fact.question, fact.fields['value'])}"


def answers_behind(result: Result, idx: int) -> list[str]:
    """The answers a fact in working memory rests on, in words."""
    seen, stack, found = set(), [idx], []
    while stack:
        i = stack.pop()
        if i in seen:
            continue
        seen.add(i)
        if result.facts[i].kind == "answer":
            found.append(i)
        for firing in result.trace:
            if i in firing.declared:
                stack.extend(firing.matched)
    return [answer_words(result, i) for i in sorted(found)]


def need(ce, result: Result, depth: int = 0, seen: frozenset = frozenset()) -> Need:
    """A condition element as a Need: met or not, and what would meet it."""
    met = _holds(ce, result)
    if isinstance(ce, NOT):
        present = ()
        if not met:
            present = tuple(
                f"{fact_words(_as_pattern(f))}"
                + (f" (from {'; '.join(behind)})" if (behind := answers_behind(result, i)) else "")
                for i, f in result.facts.items()
                if any(_matches(c, f) for c in ce if not isinstance(c, OR | AND))
            )
        return Need(condition_words(ce), met, present=present)
    if isinstance(ce, OR | AND):
        parts = tuple(need(c, result, depth, seen) for c in ce)
        return Need(condition_words(ce), met, joiner="or" if isinstance(ce, OR) else "and",
                    parts=parts)  # fmt: skip
    routes = ()
    if not met and not isinstance(ce, F.Answer) and depth < DEPTH:
        kinds = set(_kinds(ce))
        routes = tuple(
            (info.name, _needs(info.name, result, depth + 1, seen | {info.name}))
            for info in catalogue_of_rules().values()
            if info.name not in seen and any(a.target in kinds for a in info.actions)
        )
    return Need(fact_words(ce), met, routes=routes)


def _needs(rule_name: str, result: Result, depth: int, seen: frozenset) -> tuple[Need, ...]:
    return tuple(need(ce, result, depth, seen) for ce in rules()[rule_name])


def _as_pattern(fact) -> Fact:
    """A fact of working memory as a fact object, for its words."""
    if fact.question:
        return getattr(F.A, fact.question)(value=fact.fields["value"])
    return getattr(F, fact.type)(**fact.fields)


def why_not(result: Result, statement_id: str) -> list[WhyNotRule]:
    """For a statement that did not appear: each rule that could make it, what failed,
    and what would meet each failed condition, down to the answers."""
    out = []
    for info in producers_of(statement_id):
        rule = rules()[info.name]
        unmet = []
        for ce in rule:
            if _holds(ce, result):
                continue
            words = condition_words(ce)
            if isinstance(ce, NOT):
                present = [
                    str(f)
                    for f in result.facts.values()
                    if any(_matches(c, f) for c in ce if not isinstance(c, OR | AND))
                ]
                unmet.append(f"{words}: but there is {', '.join(present) or 'such a fact'}")
            else:
                unmet.append(f"{words}: not so in these answers")
        needs = _needs(info.name, result, 0, frozenset({info.name}))
        out.append(WhyNotRule(info.name, info.doc, tuple(unmet), needs))
    return out


# --- The agenda: why the rule that fired was chosen ------------------------------------


def why_first(agenda) -> str:
    """Why the first activation of an agenda fires before the second: the strategy's
    order (rules/strategy.py) in words, as CLIPS's depth strategy would explain it."""
    if not agenda:
        return ""
    if len(agenda) == 1:
        return "It was the only rule ready to fire."
    first, second = agenda[0], agenda[1]
    if first.salience != second.salience:
        return (
            f"Higher salience: {first.salience} against {second.salience} for "
            f"{second.rule}. Rules that conclude a fact ({DERIVE}) run before rules that "
            f"make a statement ({STATE})."
        )
    if first.facts != second.facts:
        newer = next((a for a, b in zip(first.facts, second.facts, strict=False) if a != b), None)
        recent = f"f-{newer} is newer" if newer is not None else "as recent, and more of them"
        return (
            f"Same salience as {second.rule}; it matched more recent facts ({recent}): "
            "depth first, as in CLIPS's default strategy."
        )
    return (
        f"Same salience and the same facts as {second.rule}: the tie-break is the "
        "rule's name, alphabetically."
    )


# --- What-if ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]
    rules_only_before: tuple[str, ...]
    rules_only_after: tuple[str, ...]


def compare(before: Result, after: Result) -> Comparison:
    b, a = before.statement_ids, after.statement_ids
    fired_b = list(dict.fromkeys(f.rule for f in before.trace))
    fired_a = list(dict.fromkeys(f.rule for f in after.trace))
    return Comparison(
        added=tuple(s for s in a if s not in b),
        removed=tuple(s for s in b if s not in a),
        unchanged=tuple(s for s in a if s in b),
        rules_only_before=tuple(r for r in fired_b if r not in fired_a),
        rules_only_after=tuple(r for r in fired_a if r not in fired_b),
    )
