"""The FHIR export of what the clinic saw (rules/fhir.py): a document Bundle.

The Composition (the summary the patient was shown), one Flag per urgent notice,
and the QuestionnaireResponse, validated with fhir.resources' R4B models (the
package no longer ships R4; Bundle, Composition, Flag and QuestionnaireResponse
are the same in R4 and R4B). The route's download is tested in test_staff.py.
"""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from rules.content import cases
from rules.engine import evaluate
from rules.fhir import CANONICAL, REFERENCE_SYSTEM, XHTML, questionnaire_response, summary_bundle
from rules.summary import plan

CODE = "7K3M-Q9TX-4HRW"
AUTHORED = datetime(2026, 11, 22, 14, 5)
CASES = cases()
#: The elements FHIR allows in narrative (the XHTML subset of the R4 Narrative type).
NARRATIVE_TAGS = frozenset((
    "a", "abbr", "acronym", "b", "big", "blockquote", "br", "caption", "cite", "code", "col",
    "colgroup", "dd", "dfn", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "kbd", "li", "ol", "p", "pre", "q", "samp", "small", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "ul", "var",
))  # fmt: skip


def stored(case_id: str) -> tuple[dict, dict]:
    answers = CASES[case_id].answers
    return answers, evaluate(answers).to_dict()


def bundle_of(answers: dict, result: dict, **extra) -> dict:
    response = questionnaire_response(answers, AUTHORED, CODE, result["version"])
    return summary_bundle(response, result, **extra)


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def divs(bundle: dict) -> list[str]:
    """Every narrative of the Bundle: the Composition's, its sections', each resource's."""
    found = []
    for e in bundle["entry"]:
        r = e["resource"]
        if "text" in r:
            found.append(r["text"]["div"])
        found += [s["text"]["div"] for s in r.get("section", [])]
    return found


def composition_text(bundle: dict) -> str:
    """What a reader of the document sees: the Composition's narrative, as plain text."""
    composition = bundle["entry"][0]["resource"]
    parts = [composition["text"]["div"]] + [s["text"]["div"] for s in composition["section"]]
    return " ".join("".join(ET.fromstring(d).itertext()) for d in parts)


def references(value) -> list[str]:
    if isinstance(value, dict):
        own = [value["reference"]] if "reference" in value else []
        return own + [r for v in value.values() for r in references(v)]
    if isinstance(value, list):
        return [r for v in value for r in references(v)]
    return []


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_bundle_validates_as_a_document(case_id):
    bundle = bundle_of(*stored(case_id), contact="Whom to call: the clinic.", emergency="Call 999.")
    Bundle.model_validate(bundle)
    for e in bundle["entry"]:
        get_fhir_model_class(e["resource"]["resourceType"]).model_validate(e["resource"])
    json.dumps(bundle)  # plain JSON
    # A FHIR document (bdl-9, bdl-10, bdl-11): identifier, timestamp, Composition first.
    assert bundle["type"] == "document"
    assert bundle["identifier"] == {"system": REFERENCE_SYSTEM, "value": CODE}
    assert REFERENCE_SYSTEM.startswith(CANONICAL)
    assert bundle["timestamp"] == "2026-11-22T14:05:00+00:00"
    composition = bundle["entry"][0]["resource"]
    assert composition["resourceType"] == "Composition" and composition["status"] == "final"
    assert composition["date"] == bundle["timestamp"]
    # Every reference resolves inside the document, and every entry is reached from it.
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(urls)) == len(urls) and all(u.startswith("urn:uuid:") for u in urls)
    for e in bundle["entry"]:
        assert e["fullUrl"] == f"urn:uuid:{e['resource']['id']}"
    assert sorted(set(references(composition))) == sorted(urls[1:])
    assert not set(references(bundle)) - set(urls)
    response = resources(bundle, "QuestionnaireResponse")
    assert len(response) == 1 and response[0]["identifier"]["value"] == CODE
    assert response[0]["subject"]["identifier"] == {"system": REFERENCE_SYSTEM, "value": CODE}


@pytest.mark.parametrize(
    ("case_id", "whom"), [("fall_cannot_bear_weight", False), ("ankle_no_weight_no_injury", True)]
)
def test_whom_to_call_today_is_left_out_beside_the_emergency_department(case_id, whom):
    """As on the patient's page: "go to an emergency department now" stands alone."""
    text = composition_text(bundle_of(*stored(case_id), contact="Whom to call: the clinic."))
    assert ("Whom to call: the clinic." in text) is whom
    assert ("Go to an emergency department now" in text) is not whom


def test_same_submission_same_document():
    answers, result = stored("fever_warm_knee")
    assert bundle_of(answers, result) == bundle_of(answers, result)
    other = summary_bundle(questionnaire_response(answers, AUTHORED, "AAAA-BBBB-CCCC"), result)
    assert {e["fullUrl"] for e in other["entry"]}.isdisjoint(
        e["fullUrl"] for e in bundle_of(answers, result)["entry"]
    )


@pytest.mark.parametrize(
    ("case_id", "notices"),
    [
        ("fever_warm_knee", ["urgent_infection"]),
        (
            "everything_at_once",
            ["urgent_infection", "urgent_cancer", "urgent_hip_stress"],
        ),
        ("minimal", []),
        ("ankylosing_spondylitis_back", []),
    ],
)
def test_one_flag_per_urgent_notice(case_id, notices):
    answers, result = stored(case_id)
    titles = {s["id"]: s["title"] for s in result["statements"]}
    bundle = bundle_of(answers, result)
    flags = resources(bundle, "Flag")
    assert [f["code"]["coding"][0]["code"] for f in flags] == notices
    for flag, notice in zip(flags, notices, strict=True):
        assert flag["status"] == "active"
        assert flag["category"][0]["coding"][0]["system"] == (
            "http://terminology.hl7.org/CodeSystem/flag-category"
        )
        assert flag["category"][0]["coding"][0]["code"] == "clinical"
        assert flag["code"]["text"] == titles[notice]
        assert flag["subject"]["identifier"] == {"system": REFERENCE_SYSTEM, "value": CODE}
        assert flag["identifier"][0]["value"] == f"{CODE}/{notice}"
        assert flag["identifier"][0]["system"].startswith(CANONICAL)
        assert flag["period"] == {"start": "2026-11-22T14:05:00+00:00"}
    # The Flags are what "What to do now" points to.
    now = bundle["entry"][0]["resource"]["section"][0]
    assert now["title"] == "What to do now"
    flag_urls = [e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Flag"]
    assert [r["reference"] for r in now.get("entry", [])] == flag_urls


@pytest.mark.parametrize("case_id", ["fever_warm_knee", "everything_at_once", "minimal"])
def test_narrative_is_the_summary(case_id):
    answers, result = stored(case_id)
    bundle = bundle_of(answers, result, sent="22 November 2026, 14:05 GMT")
    text = composition_text(bundle)
    shape = plan(result)
    assert CODE in text and "22 November 2026, 14:05 GMT" in text
    # The same plan as the summary page: every key point, topic and instruction.
    for s in [*shape.next_step, *shape.key_points, *shape.more, *shape.end]:
        assert s["title"] in text or s["text"] in text, s["id"]
    for s in shape.key_points:
        assert s["title"] in text and s["text"] in text, s["id"]
    titles = [s["title"] for s in bundle["entry"][0]["resource"]["section"]]
    assert titles[0] == "What to do now"
    assert ("Key points to raise with your clinician" in titles) == bool(shape.key_points)
    assert any(t.startswith("More about your answers") for t in titles) == bool(shape.more)
    assert "The sources" in titles and "Your answers" in titles


def test_narrative_is_valid_xhtml():
    answers, result = stored("everything_at_once")
    for div in divs(bundle_of(answers, result, contact="Call <b>", emergency="999 & more")):
        root = ET.fromstring(div)  # well-formed XML, or this raises
        assert root.tag == f"{{{XHTML}}}div"
        for element in root.iter():
            assert element.tag.startswith(f"{{{XHTML}}}")
            assert element.tag.removeprefix(f"{{{XHTML}}}") in NARRATIVE_TAGS, element.tag
            assert not element.attrib
        assert "".join(root.itertext()).strip()


def test_text_is_escaped():
    answers, result = stored("fever_warm_knee")
    result = copy.deepcopy(result)
    shape = plan(result)
    key, urgent = shape.key_points[0]["id"], shape.urgent[0]["id"]
    for s in result["statements"]:
        if s["id"] == key:
            s["title"] = "<script>alert(1)</script> & 'x'"
            s["text"] = 'a < b > c "d"'
        if s["id"] == urgent:
            s["title"] = "</div><p>Fever"
    bundle = bundle_of(answers, result, contact="<img src=x onerror=alert(1)>")
    Bundle.model_validate(bundle)
    raw = "".join(divs(bundle))
    assert "<script" not in raw and "<img" not in raw and "</div><p>Fever" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#x27;x&#x27;" in raw
    assert "a &lt; b &gt; c &quot;d&quot;" in raw
    for div in divs(bundle):
        root = ET.fromstring(div)
        assert all(e.tag.removeprefix(f"{{{XHTML}}}") in NARRATIVE_TAGS for e in root.iter())
    text = composition_text(bundle)
    assert "<script>alert(1)</script> & 'x'" in text and 'a < b > c "d"' in text
    assert "<img src=x onerror=alert(1)>" in text
    # The Flag's code is the title as plain text (JSON, not markup).
    assert resources(bundle, "Flag")[0]["code"]["text"] == "</div><p>Fever"
