"""The facts the engine reasons with.

Answers become one typed fact class per question (``A.pain_sites(value="knee")``),
so the Rete network tests a fact's class first instead of filtering one generic
answer fact by predicates: cheaper, and rules read like the questionnaire.
Derived facts are the intermediate conclusions that rules build on.
"""

from __future__ import annotations

from types import SimpleNamespace

from experta import Fact

from .content import catalogue


class Answer(Fact):
    """Something the person answered: one fact per chosen option."""

    question_id = ""


def _answer_classes() -> SimpleNamespace:
    classes = {}
    for qid in catalogue().questions:
        # "PainSitesAnswer": distinct from every derived fact's class name.
        name = "".join(part.title() for part in qid.split("_")) + "Answer"
        classes[qid] = type(name, (Answer,), {"question_id": qid, "__doc__": qid})
    return SimpleNamespace(**classes)


#: One fact class per question, by question id: ``A.pain_sites``.
A = _answer_classes()


def answer_facts(answers: dict) -> list[Answer]:
    """Fresh facts for validated answers (experta marks facts it declares)."""
    facts = []
    for qid, value in answers.items():
        values = value if isinstance(value, list) else [value]
        facts.extend(getattr(A, qid)(value=v) for v in values)
    return facts


# --- Derived facts -----------------------------------------------------------------


class Derived(Fact):
    """An intermediate conclusion drawn by a rule, never shown on its own."""


class WeightBearingSite(Derived):
    """The pain is in a weight-bearing joint (knee, hip, ankle or foot)."""


class LastingPain(Derived):
    """The pain has lasted six weeks or more, or is getting worse or came back."""


class NotImproving(Derived):
    """The pain is not getting better."""


class Injured(Derived):
    """The pain started after an injury."""


class Athletic(Derived):
    """The person trains regularly, recently trained harder, or had a sports injury."""


class Overloaded(Derived):
    """The painful area takes repeated strain (sport, heavy work, long standing)."""


class InflamedSite(Derived):
    """The painful area is swollen or warm."""


class SteroidExposure(Derived):
    """The person takes or took corticosteroid tablets or injections."""


class PregnantOrPostpartum(Derived):
    """The person is pregnant or gave birth in the last six months."""


class CauseFamily(Derived):
    """A family of causes the sources link with bone marrow edema (``name``)."""


class RedFlag(Derived):
    """Answers that need prompt care (``kind``: a warning pattern of warnings.toml)."""


class WarningUnknown(Derived):
    """A question about warning signs was not answered, or answered "I don't know"."""


class Statement(Fact):
    """A statement to show the person (``id`` in statements.toml)."""


#: The derived fact classes, by name: what a rule may declare.
DERIVED = {
    cls.__name__: cls
    for cls in list(globals().values())
    if isinstance(cls, type) and issubclass(cls, Derived) and cls is not Derived
}
