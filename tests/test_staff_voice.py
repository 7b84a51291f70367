"""One statement, two voices (issue 11): staff read about a patient, not to them.

The staff's voice is derived from the stored statement (rules/voice.py): no second
copy of any text, no sentence that speaks to the patient.
"""

import random
import re

import pytest

from rules.content import cases, catalogue
from rules.engine import evaluate
from rules.language import frame, sentences
from rules.voice import NOT_ANSWERED, NOT_KNOWN, answer_kind, for_staff, reported, staff_answer
from tests.answer_sets import random_answers

from .test_staff import make_submission, sign_in


@pytest.fixture(scope="module")
def results():
    rng = random.Random(11)
    answer_sets = [c.answers for c in cases().values()]
    answer_sets += [random_answers(rng) for _ in range(150)]
    return [evaluate(a).to_dict() for a in answer_sets]


def test_the_staff_voice_speaks_about_the_patient(results):
    for result in results:
        for s in result["statements"]:
            voice = for_staff(s)
            said = sentences(voice.says)
            # Nothing new: every sentence is one the patient was shown.
            assert set(said) <= set(sentences(s["text"])), s["id"]
            for sentence in said:
                assert frame(sentence) not in {"told", "instruction", "disclaimer"}, sentence
                assert " you" not in f" {sentence.lower()}", sentence


def test_reported_comes_from_the_answers_the_statement_rests_on():
    result = evaluate(cases()["fever_warm_knee"].answers).to_dict()
    urgent = next(s for s in result["statements"] if s["id"] == "urgent_infection")
    voice = for_staff(urgent)
    assert voice.reported == reported(urgent["rests_on"])
    assert "Fever or chills: Yes" in voice.reported and "Warmth: Yes" in voice.reported
    assert voice.advised == catalogue().warnings["urgent_infection"].do
    info = next(s for s in result["statements"] if s["id"] == "about_bme")
    assert for_staff(info).advised == ""


def test_answers_read_one_way():
    q = catalogue().questions
    assert staff_answer(q["fever"], ["yes"]) == "Yes"
    assert staff_answer(q["fever"], ["no"]) == "No"
    assert staff_answer(q["fever"], ["dont_know"]) == NOT_KNOWN
    assert staff_answer(q["fever"], []) == NOT_ANSWERED
    assert staff_answer(q["pain_sites"], ["knee", "hip_groin"]) == "Knee, Hip or groin"
    assert staff_answer(q["sex"], ["prefer_not_say"]) == "Prefer not to say"
    assert [answer_kind(t) for t in ("Yes", NOT_KNOWN, NOT_ANSWERED)] == [
        "answered",
        "unknown",
        "unanswered",
    ]
    assert all(question.short for question in q.values())


def test_the_staff_page_is_written_for_staff(app, client, staff):
    reference = make_submission(app, cases()["fever_warm_knee"].answers)
    sign_in(client)
    page = client.get(f"/staff/submissions/{reference}").get_data(as_text=True)
    assert "As the patient read it" in page  # the patient's words stay one tap away
    shown = re.sub(r"<details.*?</details>", "", page, flags=re.DOTALL)
    for patient_words in ("You told us", "Tell your clinician", "your answers", "Watch for"):
        assert patient_words not in shown, patient_words
    assert (
        "Reported:</strong> " in shown and "Patient advised:</strong> Contact a clinician" in shown
    )
    headings = re.findall(r"<h[23][^>]*>(.*?)</h[23]>", shown, re.DOTALL)
    second_person = re.compile(r"\b(?:you|your)\b", re.IGNORECASE)
    assert not [h for h in headings if second_person.search(h)], headings
    assert not [h for h in headings if ": contact" in h.lower()], headings


def test_staff_words_never_speak_as_the_patient():
    first_person = re.compile(r"\b(?:I|I'm|my|me)\b")
    for q in catalogue().questions.values():
        for option in q.options:
            words = staff_answer(q, [option.value])
            assert not first_person.search(words), (q.id, option.value, words)
