"""FHIR R4 export: the catalogue as a Questionnaire, a submission as a
QuestionnaireResponse. linkId is the question id; sections are groups.

Plain dictionaries (JSON), built from the one question catalogue; tests
validate them with the fhir.resources models.
"""

from __future__ import annotations

from datetime import UTC, datetime

from .answers import chosen, is_shown
from .content import Question, catalogue

#: Canonical URL of the questionnaire and the code system of its answer options.
CANONICAL = "https://bme-previsit.example.org/fhir/Questionnaire/bme-previsit"
CODE_SYSTEM = "https://bme-previsit.example.org/fhir/CodeSystem/answers"


def _coding(question: Question, value: str) -> dict:
    coding = {"system": f"{CODE_SYSTEM}/{question.id}", "code": str(value)}
    if value in question.values:
        coding["display"] = question.option(value).label
    return coding


def _question_item(q: Question) -> dict:
    item = {
        "linkId": q.id,
        "text": q.text,
        "type": "choice",
        "required": True,
        "repeats": q.type == "multi",
        "answerOption": [{"valueCoding": _coding(q, o.value)} for o in q.options],
    }
    if q.show_when:
        controller = catalogue().questions[q.show_when.question]
        item["enableWhen"] = [
            {"question": controller.id, "operator": "=", "answerCoding": _coding(controller, v)}
            for v in q.show_when.any_of
        ]
        if len(item["enableWhen"]) > 1:
            item["enableBehavior"] = "any"
    return item


def questionnaire() -> dict:
    cat = catalogue()
    return {
        "resourceType": "Questionnaire",
        "id": "bme-previsit",
        "url": CANONICAL,
        "version": cat.version,
        "name": "BonePainPreVisit",
        "title": "Bone and joint pain: before your clinic visit",
        "status": "active",
        "subjectType": ["Patient"],
        "description": "A pre-visit questionnaire about bone or joint pain. It gives "
        "education, never a diagnosis.",
        "item": [
            {
                "linkId": section.id,
                "text": section.title,
                "type": "group",
                "item": [_question_item(q) for q in cat.section_questions(section.id)],
            }
            for section in cat.sections.values()
        ],
    }


def questionnaire_response(
    answers: dict, authored: datetime, reference: str, version: str | None = None
) -> dict:
    """A completed QuestionnaireResponse for stored answers (naive times are UTC)."""
    cat = catalogue()
    if authored.tzinfo is None:
        authored = authored.replace(tzinfo=UTC)
    groups = []
    for section in cat.sections.values():
        items = [
            {
                "linkId": q.id,
                "text": q.text,
                "answer": [{"valueCoding": _coding(q, v)} for v in chosen(answers, q.id)],
            }
            for q in cat.section_questions(section.id)
            if q.id in answers and is_shown(q, answers)
        ]
        if items:
            groups.append({"linkId": section.id, "text": section.title, "item": items})
    return {
        "resourceType": "QuestionnaireResponse",
        "id": reference,
        "identifier": {"system": f"{CANONICAL}/reference", "value": reference},
        "questionnaire": f"{CANONICAL}|{version or cat.version}",
        "status": "completed",
        "authored": authored.isoformat(timespec="seconds"),
        "item": groups,
    }
