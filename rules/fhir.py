"""FHIR R4 export: the catalogue as a Questionnaire, a submission as a
QuestionnaireResponse, and what the patient was shown as a document Bundle.
linkId is the question id; sections are groups.

Plain dictionaries (JSON), built from the one question catalogue and the stored
result; tests validate them with the fhir.resources models.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from html import escape

from .answers import chosen, is_shown
from .content import Catalogue, Question, catalogue
from .summary import plan

BASE = "https://bme-previsit.example.org/fhir"
#: Canonical URL of the questionnaire and the code system of its answer options.
CANONICAL = f"{BASE}/Questionnaire/bme-previsit"
CODE_SYSTEM = f"{BASE}/CodeSystem/answers"
#: The reference code the patient gives the clinic: the identifier of a submission.
REFERENCE_SYSTEM = f"{CANONICAL}/reference"
#: One identifier per urgent notice of a submission: "<reference code>/<notice id>".
FLAG_SYSTEM = f"{CANONICAL}/flag"
#: Which notice a Flag is (the statement id of warnings.toml).
NOTICE_SYSTEM = f"{BASE}/CodeSystem/notices"
DOCUMENT_TYPE_SYSTEM = f"{BASE}/CodeSystem/document-types"
XHTML = "http://www.w3.org/1999/xhtml"


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


# --- What the patient was shown, as a FHIR document ------------------------------------
#
# A Bundle of type "document": the Composition first (the summary, section by
# section, as XHTML narrative made from the stored result through
# rules/summary.py, the same plan the summary page and its print follow), then
# the resources its sections point to: one Flag per urgent notice and the
# QuestionnaireResponse. fullUrls are urn:uuid, derived from the reference code,
# so that exporting the same submission twice gives the same document.

APP = "Bone marrow edema pre-visit questionnaire"


def _e(text) -> str:
    """Text for XHTML: <, >, & and quotes escaped (XML has no named entities beyond these)."""
    return escape(str(text), quote=True)


def _narrative(body: str) -> dict:
    return {"status": "generated", "div": f'<div xmlns="{XHTML}">{body}</div>'}


def _full_url(reference: str, part: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{REFERENCE_SYSTEM}/{reference}/{part}')}"


def _subject(reference: str) -> dict:
    """The patient, known here only by the reference code they give the clinic."""
    return {
        "type": "Patient",
        "identifier": {"system": REFERENCE_SYSTEM, "value": reference},
        "display": f"The patient who gives reference code {reference}",
    }


def _sources_of(statement: dict, cat: Catalogue) -> str:
    """ "Sources: Cleveland Clinic, Verywell": the publishers a statement cites, as printed."""
    names = []
    for c in statement.get("citations", []):
        source = cat.sources.get(c.get("source", ""))
        name = (source.short or source.publisher) if source else c.get("publisher", "")
        if name and name not in names:
            names.append(name)
    return f" <em>Sources: {_e(', '.join(names))}.</em>" if names else ""


def _flag(statement: dict, reference: str, authored: str) -> dict:
    """An urgent notice the patient was shown, as a clinical Flag about them."""
    title = statement["title"]
    return {
        "resourceType": "Flag",
        "id": _full_url(reference, f"flag/{statement['id']}").removeprefix("urn:uuid:"),
        "text": _narrative(
            f"<p>Urgent notice shown to the patient ({_e(reference)}): {_e(title)}</p>"
        ),
        "identifier": [{"system": FLAG_SYSTEM, "value": f"{reference}/{statement['id']}"}],
        "status": "active",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/flag-category",
                        "code": "clinical",
                        "display": "Clinical",
                    }
                ]
            }
        ],
        "code": {
            "coding": [{"system": NOTICE_SYSTEM, "code": statement["id"]}],
            "text": title,
        },
        "subject": _subject(reference),
        "period": {"start": authored},
        "author": {"display": APP},
    }


def _answers_narrative(response: dict) -> str:
    """The answers of a QuestionnaireResponse in words: page, then question: answer."""
    parts = []
    for group in response.get("item", []):
        rows = "".join(
            f"<li>{_e(item['text'])}: "
            + _e(
                ", ".join(
                    a["valueCoding"].get("display", a["valueCoding"]["code"])
                    for a in item.get("answer", [])
                )
            )
            + "</li>"
            for item in group.get("item", [])
        )
        parts.append(f"<p><strong>{_e(group['text'])}</strong></p><ul>{rows}</ul>")
    return "".join(parts) or "<p>No question was answered.</p>"


def summary_bundle(
    response: dict,
    result: dict,
    *,
    sent: str = "",
    contact: str = "",
    emergency: str = "",
) -> dict:
    """A FHIR R4 document: the summary the patient was shown, its urgent notices, the answers.

    ``response`` is :func:`questionnaire_response` of the submission, ``result``
    its stored engine result (``Result.to_dict()``). ``sent`` is the submission
    time as the patient read it, ``contact`` and ``emergency`` the clinic's
    "whom to call" and emergency sentences shown with urgent notices (the web app
    knows them; the rules do not): plain text, escaped here like everything else.
    """
    cat = catalogue()
    reference = response["identifier"]["value"]
    authored = response["authored"]
    version = response.get("questionnaire", "").partition("|")[2] or result.get("version")
    shape = plan(result)
    ids = {
        "composition": _full_url(reference, "composition"),
        "response": _full_url(reference, "questionnaire-response"),
    }
    flags = [_flag(s, reference, authored) for s in shape.urgent]

    def ref(url: str, display: str) -> dict:
        return {"reference": url, "display": display}

    now = "".join(f"<p>{_e(s['text'])}{_sources_of(s, cat)}</p>" for s in shape.next_step)
    if shape.urgent:
        if contact and not shape.go_now:
            now += f"<p><strong>{_e(contact)}</strong></p>"
        now += f"<p>The {shape.warning_signs} in the answers:</p><ul>"
        for s in shape.urgent:
            warning = cat.warnings.get(s["id"])
            name = s["title"].split(": ")[0]
            do = f" {_e(warning.do)}" if warning else ""
            now += (
                f"<li><strong>{_e(name)}.</strong>{do} Why: {_e(s['text'])}"
                f"{_sources_of(s, cat)}</li>"
            )
        now += "</ul>"
    if emergency:
        now += f"<p>{_e(emergency)}</p>"

    def statements(items: list[dict], tag: str) -> str:
        rows = "".join(
            f"<li><strong>{_e(s['title'])}</strong>. {_e(s['text'])}{_sources_of(s, cat)}</li>"
            for s in items
        )
        return f"<{tag}>{rows}</{tag}>"

    sections = [
        {
            "title": "What to do now",
            "text": _narrative(now or "<p>No instruction was shown.</p>"),
            **(
                {
                    "entry": [
                        ref(_full_url(reference, f"flag/{s['id']}"), s["title"])
                        for s in shape.urgent
                    ]
                }
                if shape.urgent
                else {}
            ),
        }
    ]
    if shape.key_points:
        sections.append(
            {
                "title": "Key points to raise with your clinician",
                "text": _narrative(statements(shape.key_points, "ol")),
            }
        )
    if shape.more:
        sections.append(
            {
                "title": f"More about your answers ({len(shape.more)} topics)",
                "text": _narrative(statements(shape.more, "ul")),
            }
        )
    sections.append(
        {
            "title": "Your answers",
            "text": _narrative(_answers_narrative(response)),
            "entry": [ref(ids["response"], "The answers, as a QuestionnaireResponse")],
        }
    )
    sources = "".join(
        f"<li><strong>{_e(src.publisher)}</strong>: “{_e(src.title)}”. "
        f"{_e(src.kind.capitalize())}; {_e(src.review)}."
        + (f" {_e(src.caution)}" if src.caution else "")
        + "</li>"
        for src in cat.sources.values()
    )
    sections.append({"title": "The sources", "text": _narrative(f"<ul>{sources}</ul>")})
    sections += [
        {"title": s["title"], "text": _narrative(f"<p>{_e(s['text'])}{_sources_of(s, cat)}</p>")}
        for s in shape.end
    ]

    when = _e(sent or authored)
    composition = {
        "resourceType": "Composition",
        "id": ids["composition"].removeprefix("urn:uuid:"),
        "text": _narrative(
            f"<p><strong>Pre-visit summary {_e(reference)}</strong></p>"
            f"<p>Reference code: {_e(reference)}. Sent {when}. What the patient was shown "
            "after answering the questionnaire: patient education from three published "
            "articles, chosen by rules from the answers. Not a diagnosis.</p>"
        ),
        "identifier": {"system": REFERENCE_SYSTEM, "value": reference},
        "status": "final",
        "type": {
            "coding": [
                {
                    "system": DOCUMENT_TYPE_SYSTEM,
                    "code": "previsit-summary",
                    "display": "Pre-visit summary shown to the patient",
                }
            ],
            "text": "Pre-visit summary shown to the patient",
        },
        "subject": _subject(reference),
        "date": authored,
        "author": [{"display": f"{APP}, knowledge base {version}" if version else APP}],
        "title": f"Pre-visit summary {reference}",
        "section": sections,
    }
    response = {
        **response,
        "id": ids["response"].removeprefix("urn:uuid:"),
        "subject": _subject(reference),
    }
    entries = [(ids["composition"], composition), (ids["response"], response)]
    entries += [(f"urn:uuid:{f['id']}", f) for f in flags]
    return {
        "resourceType": "Bundle",
        "id": _full_url(reference, "bundle").removeprefix("urn:uuid:"),
        "identifier": {"system": REFERENCE_SYSTEM, "value": reference},
        "type": "document",
        "timestamp": authored,
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
    }
