"""The knowledge base as CLIPS constructs, generated from the experta rules.

``bme export-clips`` writes it; educators load it into CLIPS itself, and the tests
load it into CLIPS through clipspy and hold its statements and derived facts equal to
experta's over thousands of answer sets: a second, independent engine as an oracle.

Generated, never hand-kept: a template per question, per derived fact class and for
statements; one ``defrule`` per experta rule with its salience and docstring;
conditions from the rule's pattern tree and actions from the rule's body. Anything
this translation does not know (a test, a variable binding, a predicate, a body that
does more than declare a literal fact or say a literal statement) raises ValueError,
so the export can never silently differ from what experta runs. Every value is a
CLIPS string, so that answers such as ``18_29`` never read as numbers.
"""

from __future__ import annotations

import inspect
from functools import cache

from experta import Fact
from experta.conditionalelement import AND, NOT, OR
from experta.deffacts import DefFacts
from experta.fact import InitialFact
from experta.fieldconstraint import ANDFC, NOTFC, ORFC, L, W

from . import facts as F
from .answers import validate
from .content import catalogue
from .engine import KnowledgeBase, rule_topics, rules
from .explain import Action, actions


def _refuse(what) -> ValueError:
    return ValueError(f"no CLIPS translation for {what}")


def _string(value) -> str:
    if not isinstance(value, str):
        raise _refuse(f"the non-string value {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- Conditions: the experta pattern tree ----------------------------------------------


def _constraint(c) -> str:
    """A field constraint in CLIPS's connectives (~ binds tighter than &, & than |)."""
    if getattr(c, "__bind__", None):  # MATCH.x: a join CLIPS would read its own way
        raise _refuse(f"the variable binding {c!r}")
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
    raise _refuse(f"the constraint {c!r}")


def template_of(cls: type) -> str:
    """The deftemplate of a fact class: the question id for answers, else the class name."""
    if issubclass(cls, F.Answer) and cls.question_id in catalogue().questions:
        return cls.question_id
    if cls is F.Statement or cls in F.DERIVED.values():
        return cls.__name__
    raise _refuse(f"the fact class {cls.__name__}")


def _pattern(fact: Fact) -> str:
    slots = []
    for key, value in fact.items():
        if not isinstance(key, str) or fact.is_special(key):  # Fact("x"), AS.f << Fact()
            raise _refuse(f"the field {key!r} of {fact!r}")
        slots.append(f"({key} {_constraint(value)})")
    return "(" + " ".join([template_of(type(fact)), *slots]) + ")"


def _ce(ce) -> str:
    """A conditional element: a pattern, or not / or / and of them (never TEST, EXISTS...)."""
    if isinstance(ce, NOT):
        inner = [_ce(c) for c in ce]
        return "(not " + (inner[0] if len(inner) == 1 else "(and " + " ".join(inner) + ")") + ")"
    if isinstance(ce, OR | AND):
        return f"({'or' if isinstance(ce, OR) else 'and'} " + " ".join(_ce(c) for c in ce) + ")"
    if isinstance(ce, Fact) and not isinstance(ce, InitialFact):
        return _pattern(ce)
    raise _refuse(f"the condition {ce!r}")


def _assert(action: Action) -> str:
    """An action of the body (rules/explain.py reads them) as a CLIPS assert."""
    if action.kind == "say":
        template, slots = "Statement", (("id", action.target),)
    else:
        template, slots = action.fact, action.fields
    return f"(assert ({template}" + "".join(f" ({k} {_string(v)})" for k, v in slots) + "))"


# --- The constructs --------------------------------------------------------------------


def defrule(name: str) -> str:
    """One experta rule as a CLIPS defrule, with its salience and its docstring."""
    rule = rules()[name]
    doc = " ".join((rule._wrapped.__doc__ or "").split())
    conditions = [_ce(ce) for ce in rule]
    body = [_assert(a) for a in actions(rule)]
    return "\n".join(
        [
            f"(defrule {name} {_string(doc)}",
            f"  (declare (salience {rule.salience}))",
            *(f"  {c}" for c in conditions),
            "  =>",
            *(f"  {a}" for a in body),
            ")",
        ]
    )


def _derived_slots() -> dict[str, list[str]]:
    """Each derived fact class with the fields the rules test it on or give it."""
    slots: dict[str, list[str]] = {name: [] for name in F.DERIVED}

    def note(template: str, fields) -> None:
        if template in slots:
            slots[template] += [k for k in fields if k not in slots[template]]

    def walk(ce) -> None:
        if isinstance(ce, NOT | OR | AND):
            for c in ce:
                walk(c)
        else:
            note(type(ce).__name__, ce)

    for rule in rules().values():
        for ce in rule:
            walk(ce)
        for a in actions(rule):
            note(a.fact, dict(a.fields))
    return slots


#: For a class at the CLIPS prompt: (answer pain_sites knee hip_groin).
ANSWER_FUNCTION = r"""(deffunction answer "Assert an answer: a fact per chosen option, as strings."
  (?question $?values)
  (foreach ?value ?values
    (assert-string (format nil "(%s (value \"%s\"))" ?question ?value))))"""


@cache
def export() -> str:
    """The whole knowledge base as one CLIPS file."""
    for name, _ in inspect.getmembers(KnowledgeBase, lambda v: isinstance(v, DefFacts)):
        if name != "_declare_initial_fact":  # experta's own: InitialFact, see below
            raise _refuse(f"the DefFacts {name} (facts declared before the answers)")
    cat = catalogue()
    lines = [
        f";;; Bone marrow edema pre-visit knowledge base, version {cat.version}.",
        ";;; generated by bme export-clips; do not edit (the rules live in rules/kb/).",
        ";;; Education, never a diagnosis: statements are ids of rules/data/statements.toml.",
        ";;;",
        ";;; Load it, reset, assert the answers (one fact per chosen option; every value",
        ";;; is a string), run, and read the Statement facts:",
        ';;;   (load "bme.clp") (reset)',
        ';;;   (assert (pain_sites (value "knee"))) (assert (pain_sites (value "hip_groin")))',
        ';;;   (answer fever "yes")   ; the same, through the function below',
        ";;;   (run) (facts)",
        "",
        ANSWER_FUNCTION,
        "",
        ";;; Answers: one template per question.",
    ]
    for q in cat.questions.values():
        lines.append(f"(deftemplate {q.id} {_string(q.short_text)} (slot value))")
    lines += ["", ";;; Derived facts: the intermediate conclusions."]
    for name, slots in _derived_slots().items():
        doc = " ".join((F.DERIVED[name].__doc__ or "").split())
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


def answer_facts_clips(answers: dict) -> list[str]:
    """The answer facts ``evaluate`` declares, as CLIPS fact strings (``env.assert_string``).

    Validated first and in catalogue order, as ``evaluate`` does (bad answers raise
    AnswerError); one fact per chosen option, as ``facts.answer_facts``. experta's
    InitialFact needs no counterpart: CLIPS fires a rule without conditions after reset.
    """
    out = []
    for qid, value in validate(answers).items():
        for v in value if isinstance(value, list) else [value]:
            out.append(f"({qid} (value {_string(v)}))")
    return out
