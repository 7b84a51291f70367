"""One statement, two voices: the patient's words, and the staff's.

The patient reads "You told us about a fever or chills … Contact a clinician
today". A clinician reading about a patient wants "Reported: a fever or chills"
and what the sources say, without the instructions written for the patient.
Both come from the one stored statement, with no second copy of any text: the
staff's voice is the patient's text with the sentences that speak to the person
(what they told us, instructions, disclaimers: rules/language.py frames) left
out, and what they told us said again from the answers the statement rests on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .content import Question, catalogue
from .language import frame, sentences

#: Sentences in these frames speak to the patient: the staff's voice leaves them out.
TO_THE_PATIENT = frozenset({"told", "instruction", "disclaimer"})
NOT_ANSWERED = "Not answered"
NOT_KNOWN = "Not known"
_SECOND_PERSON = re.compile(r"\byou(?:r|rs|'re|'ve|'ll)?\b", re.IGNORECASE)


@dataclass(frozen=True)
class StaffVoice:
    #: The answers the statement rests on, e.g. "Fever or chills: Yes; Warmth: Yes".
    reported: str
    #: What the sources say, in the third person.
    says: str
    #: What an urgent notice told the patient to do ("" otherwise).
    advised: str


def staff_answer(question: Question, values: list[str]) -> str:
    """One answer as staff read it: "Yes", "No", "Not known", "Not answered", or the choices."""
    options = [question.option(v) for v in values if v in question.values]
    if not options:
        return NOT_ANSWERED
    if len(options) == 1 and options[0].unknown:
        label = options[0].label
        return NOT_KNOWN if "know" in label.lower() or "sure" in label.lower() else label
    return ", ".join(o.staff or o.label for o in options)


def answer_kind(text: str) -> str:
    """ "unanswered", "unknown" or "answered": staff pages show the first two differently."""
    return {NOT_ANSWERED: "unanswered", NOT_KNOWN: "unknown"}.get(text, "answered")


def reported(rests_on: list[dict]) -> str:
    """The answers a statement rests on, in one form: "Fever or chills: Yes; Warmth: Yes"."""
    cat = catalogue()
    by_question: dict[str, list[str]] = {}
    for ref in rests_on:
        if ref["question"] in cat.questions:
            by_question.setdefault(ref["question"], []).append(ref["value"])
    return "; ".join(
        f"{cat.questions[q].short}: {staff_answer(cat.questions[q], values)}"
        for q, values in by_question.items()
    )


def for_staff(statement: dict) -> StaffVoice:
    """A stored statement (``Result.to_dict()["statements"][n]``) in the staff's voice."""
    says = [
        s
        for s in sentences(statement["text"])
        if frame(s) not in TO_THE_PATIENT and not _SECOND_PERSON.search(s)
    ]
    warning = catalogue().warnings.get(statement["id"])
    return StaffVoice(
        reported=reported(statement.get("rests_on", [])),
        says=" ".join(says),
        advised=warning.do if warning else "",
    )
