"""The knowledge base as CLIPS constructs, generated from the experta rules.

``bme export-clips`` writes it; educators load it into CLIPS itself, and the tests
load it into CLIPS through clipspy and hold its statements equal to experta's over
thousands of answer sets: a second, independent engine as an oracle.

Generated, never hand-kept: templates from the questions and the fact classes, one
``defrule`` per experta rule with its salience and docstring, conditions from the
rule's patterns, and actions from the rule's body. Anything this translation does not
know (a test, a binding, an ``if`` in a body) raises, so the export cannot silently
differ from what experta runs. Every value is a CLIPS string, so that answers such as
``18_29`` never read as numbers.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from functools import cache

from experta import Fact
from experta.conditionalelement import AND, NOT, OR
from experta.fact import InitialFact
from experta.fieldconstraint import ANDFC, NOTFC, ORFC, L, W

from . import facts as F
from .content import catalogue
from .engine import rule_topics, rules
from .explain import _actions


def _string(value: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"not a string value: {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _constraint(c) -> str:
    """A field constraint in CLIPS's connectives: ~ binds tighter than &, & than |."""
    if isinstance(c, str):
        return _string(c)
    if isinstance(c, L):
        return _string(c.value)
    if isinstance(c, W):
        return "?"
    if isinstance(c, ORFC):
        return "|".join(_constraint(part) for part in c)
    if isinstance(c, NOTFC):
        inner = c[0]
        if isinstance(inner, ORFC):  # ~(a|b) is ~a&~b
            return "&".join("~" + _constraint(part) for part in inner)
        if isinstance(inner, str | L):
            return "~" + _constraint(inner)
    if isinstance(c, ANDFC) and not any(isinstance(part, ORFC) for part in c):
        return "&".join(_constraint(part) for part in c)
    raise ValueError(f"no CLIPS translation for the constraint {c!r}")


def template_of(fact: Fact | type) -> str:
    """The deftemplate name of a fact class: the question id for answers."""
    cls = fact if isinstance(fact, type) else type(fact)
    return cls.question_id if issubclass(cls, F.Answer) else cls.__name__


def _pattern(fact: Fact) -> str:
    slots = []
    for key, value in fact.items():
        if not isinstance(key, str):
            raise ValueError(f"no CLIPS translation for a positional field in {fact!r}")
        slots.append(f"({key} {_constraint(value)})")
    return "(" + " ".join([template_of(fact), *slots]) + ")"


def _ce(ce) -> str:
    """A conditional element: a pattern, or not / or / and of them."""
    if isinstance(ce, NOT):
        inner = [_ce(c) for c in ce]
        return "(not " + (inner[0] if len(inner) == 1 else "(and " + " ".join(inner) + ")") + ")"
    if isinstance(ce, OR | AND):
        return f"({'or' if isinstance(ce, OR) else 'and'} " + " ".join(_ce(c) for c in ce) + ")"
    if isinstance(ce, Fact):
        return _pattern(ce)
    raise ValueError(f"no CLIPS translation for the condition {ce!r}")


def _check_body(rule) -> None:
    """A body may only declare facts and make statements: anything else is refused."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(rule._wrapped)))
    body = tree.body[0].body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    for stmt in body:
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr in {"declare", "say"}
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == "self"
        ):
            raise ValueError(f"{rule.__name__}: no CLIPS translation for {ast.unparse(stmt)}")


def _action(action) -> str:
    if action.kind == "say":
        return f"(assert (Statement (id {_string(action.target)})))"
    slots = "".join(f" ({k} {_string(v)})" for k, v in action.fields)
    return f"(assert ({action.fact}{slots}))"


def defrule(name: str) -> str:
    rule = rules()[name]
    _check_body(rule)
    doc = " ".join((rule._wrapped.__doc__ or "").split())
    conditions = [_ce(ce) for ce in rule if not isinstance(ce, InitialFact)]
    actions = [_action(a) for a in _actions(rule)]
    return "\n".join(
        [
            f"(defrule {name} {_string(doc)}",
            f"  (declare (salience {rule.salience}))",
            *(f"  {c}" for c in conditions),
            "  =>",
            *(f"  {a}" for a in actions),
            ")",
        ]
    )


def _derived_slots() -> dict[str, list[str]]:
    """Each derived fact class with the fields the rules give or test it."""
    slots: dict[str, list[str]] = {
        cls.__name__: []
        for cls in vars(F).values()
        if isinstance(cls, type) and issubclass(cls, F.Derived) and cls is not F.Derived
    }

    def note(ce):
        if isinstance(ce, NOT | OR | AND):
            for c in ce:
                note(c)
        elif type(ce).__name__ in slots:
            slots[type(ce).__name__] += [k for k in ce if k not in slots[type(ce).__name__]]

    for rule in rules().values():
        for ce in rule:
            note(ce)
        for a in _actions(rule):
            if a.kind == "declare":
                slots[a.fact] += [k for k, _ in a.fields if k not in slots[a.fact]]
    return slots


@cache
def export() -> str:
    """The whole knowledge base as one CLIPS file."""
    cat = catalogue()
    lines = [
        f";;; Bone marrow edema pre-visit knowledge base, version {cat.version}.",
        ";;; Generated from the experta rules by `bme export-clips`: do not edit.",
        ";;; Education, never a diagnosis: statements are ids of rules/data/statements.toml.",
        ";;;",
        ";;; Load it, assert answers (one fact per chosen option), run, read the Statements:",
        ';;;   (load "bme.clp") (reset)',
        ';;;   (assert (pain_sites (value "knee"))) (assert (fever (value "yes")))',
        ";;;   (run) (facts)",
        "",
        ";;; Answers: one template per question.",
    ]
    for q in cat.questions.values():
        lines.append(f"(deftemplate {q.id} {_string(q.short_text)} (slot value))")
    lines += ["", ";;; Derived facts: the intermediate conclusions."]
    for name, slots in _derived_slots().items():
        doc = " ".join((getattr(F, name).__doc__ or "").split())
        fields = "".join(f" (slot {s})" for s in slots)
        lines.append(f"(deftemplate {name} {_string(doc)}{fields})")
    lines += ['(deftemplate Statement "A statement to show the person." (slot id))', ""]
    topic = None
    for name in rules():
        if rule_topics()[name] != topic:
            topic = rule_topics()[name]
            lines += [f";;; --- {topic} ---", ""]
        lines += [defrule(name), ""]
    return "\n".join(lines)


def answer_facts(answers: dict) -> list[str]:
    """The assert strings for an answer set, one fact per chosen option."""
    out = []
    for qid, value in answers.items():
        for v in value if isinstance(value, list) else [value]:
            out.append(f"({qid} (value {_string(v)}))")
    return out
