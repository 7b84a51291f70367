"""The never-a-diagnosis checker itself, against a corpus of sentences.

FORBIDDEN_EXAMPLES must each be caught by the word list (``problems``) and so by
``check``; FRAME_ONLY_EXAMPLES slip past the word list but fit no allowed frame, so
``check`` catches them; SAFE_EXAMPLES are legitimate sentences ``check`` must pass.
"""

from __future__ import annotations

import re

import pytest

from rules.language import FORBIDDEN, FRAMES, check, frame_problems, problems, sentences

FORBIDDEN_EXAMPLES = [
    # What the person has.
    "You have bone marrow edema.",
    "You've got a stress fracture.",
    "You’ve got a stress fracture.",  # a typographic apostrophe
    "You may have osteonecrosis.",
    "You could have a stress fracture.",
    "You also have a risk factor.",
    "You are suffering from arthritis.",
    # Probability.
    "This is likely BME.",
    "Infection is unlikely.",
    "It is probably transient osteoporosis.",
    "The chances of a fracture are small.",
    "The odds favour an injury.",
    # Matching and implication.
    "Your answers are consistent with osteonecrosis.",
    "This pattern is suggestive of bone marrow edema syndrome.",
    "Your pain suggests that you need an MRI.",
    "Your answers point to a stress fracture.",
    "This sounds like bone marrow edema.",
    "Night pain is typical of a tumour.",
    "Swelling is a sign of infection.",
    "Warmth can be the sign of an infection.",
    "Pain at night indicates a problem in the bone.",
    "You seem to have osteoarthritis.",
    "Your answers fit the profile of bone marrow edema syndrome.",
    "You match the group most affected.",
    "People like you often get this.",
    # Diagnosis.
    "Your diagnosis is bone marrow edema.",
    "You were diagnosed with osteoporosis.",
    "People diagnosed with BMES recover.",
    "We diagnose bone marrow edema from your answers.",
    "The diagnosis for you is BMES.",
    # Risk, in any word order.
    "You are at high risk of a fracture.",
    "You're at risk of osteonecrosis.",
    "Your risk is raised.",
    "You are at a higher risk of osteonecrosis.",
    "Given your answers, your fracture risk is raised.",
    "The risk of a fracture for you is small.",
    "Steroids raise your risk of osteonecrosis.",
    "Men aged 30 to 60 are a high-risk group.",
    "The risk is higher in athletes like you.",
    # Hedged guesses about cause.
    "The pain may be due to an injury.",
    "It might be a stress fracture.",
    "It could be an early stage of osteonecrosis.",
    "Perhaps the steroids caused it.",
    "This is possibly transient osteoporosis.",
    "Maybe the pain comes from the bone.",
    "It seems the bone is under strain.",
    "The swelling appears to be from an injury.",
    "This looks like a stress fracture.",
    # Frequencies.
    "40% of cases are in men.",
    "Ten percent of people need surgery.",
    "1 in 3 people with this pain need surgery.",
    "3 out of 10 athletes get this.",
    "One in three people recover without treatment.",
    "Most people recover in a few months.",
    "In most cases it goes away.",
    "Your risk score is 7.",
    # Prognoses about the person.
    "You will need crutches.",
    "You'll be fine in a few weeks.",
    "Your MRI will show edema.",
    "Your knee pain will settle.",
    "An MRI will show the cause.",
    "With rest you should recover fully.",
    "You are going to need surgery.",
    "The edema will go away by itself.",
    # Ranked or bulleted lists.
    "The most probable cause is an injury.",
    "Here are the top causes of your pain.",
    "1. Osteonecrosis",
    "Possible causes:\n2) Injury",
    "#1 Osteonecrosis",
    "Possible causes:\n- Osteonecrosis\n- Infection",
    "Conditions to consider:\n* Osteonecrosis\n* Stress fracture",
    "What it could be:\n• Osteonecrosis",
    "Injury is the first most common cause for you.",
    "Ask how the two may be connected in your joint.",
    "The sources say the edema in your knee can last months.",
    "Your bone marrow edema can settle with rest.",
    "One source says pain can disturb sleep in advanced cases.",
    "A clinic's blog says deep pain can disturb sleep in severe cases.",
    "It says surgery is considered in the later stages.",
    "You told us about being over 60, the group most often affected.",
]

# Pass the word list, but fit no allowed frame: only check() catches them.
FRAME_ONLY_EXAMPLES = [
    "Bone marrow edema often follows an injury like yours.",
    "Your knee pain comes from the bone.",
    "Steroids damage the blood supply to the bone.",
    "This pattern is common in runners.",
    "An MRI is needed.",
    "Rest usually helps.",
    "The sources are clear: it is bone marrow edema.",
    "Symptoms often go in 4 to 12 months.",
    "Bone marrow edema is common after sprains.",
    # A source is always named, so that a reader knows who says it (issue 10).
    "One source says symptoms often go in 4 to 12 months.",
    "Another lists stress fractures of the hip among the injuries linked to it.",
    "Another source says it is not serious.",
    "The third source says it is rare.",
]

SAFE_EXAMPLES = [
    # What the person told us.
    "You said you take steroid tablets.",
    "You told us about pain in the knee and the hip or groin.",
    "You said an MRI showed bone marrow edema.",
    "In your health history you listed a bone or joint infection.",
    "You did not report the warning signs this questionnaire asks about.",
    "Your answers say you take steroid tablets.",
    # What a named source says.
    "The sources list osteoarthritis among the causes of bone marrow edema.",
    "Cleveland Clinic says men between 30 and 60.",
    "Verywell Health says symptoms often go in 4 to 12 months.",
    "A clinic's blog lists stress fractures of the hip among the injuries linked to it.",
    "The sources agree that MRI is the scan that shows bone marrow edema.",
    "They differ on CT: one says X-rays and CT scans often fail to show it, e.g. early on.",
    "It also describes transient osteoporosis of the hip, a rare condition that usually "
    "settles within 3 to 6 months.",
    "The clinic's blog promotes the clinic's own procedure.",
    "These are that clinic's claims, not independent advice.",
    "None of the sources mentions fever.",
    "The sources list swollen and warm joints among the signs that can go with bone marrow edema.",
    # Instructions.
    "Contact a clinician promptly, today if you can.",
    "Tell your clinician how long the pain has lasted.",
    "Watch for a fever, chills, or the painful area becoming hot, red or more swollen.",
    "If any of these happen, contact a clinician the same day.",
    "If you get a fever, or the area becomes warm or swollen, contact a clinician promptly.",
    "When you see your clinician, bring a list of your medicines.",
    "Do not stop a steroid medicine without medical advice.",
    "Ask your clinician which scans suit you.",
    "Mention the signs to watch for to your clinician.",
    # Fixed disclaimers.
    "Only a clinician can say what is behind your pain.",
    "This app is not for emergencies: if you feel very unwell, call your emergency number.",
    "This is the app's standard safety advice.",
    "A clinician will examine you and ask about your symptoms and history.",
    # Definitions of glossary terms.
    "Bone marrow edema means fluid building up in the spongy tissue inside a bone.",
    "A DEXA scan is a scan that measures bone density.",
    "NSAIDs are a group of anti-inflammatory painkillers.",
    "Osteonecrosis means bone dying because it gets too little blood.",
]

SAFE_TITLES = [
    "Pain at night",
    "Fever: contact a clinician today",
    "Which scan shows bone marrow edema",
    "What bone marrow edema is",
    "Pain that is getting worse or came back",
    "Surgery: core decompression",
    "Questions for your clinician",
]

FORBIDDEN_TITLES = [
    "Your stress fracture",
    "Why you have knee pain",
    "Bone marrow edema is common in runners",
    "Lasting joint pain should not be overlooked",
    "Fever: infection is likely",
    "Pain at night.",
]


@pytest.mark.parametrize("sentence", FORBIDDEN_EXAMPLES)
def test_forbidden_phrasings_are_flagged(sentence):
    assert problems(sentence), sentence
    assert check(sentence), sentence


@pytest.mark.parametrize("pattern", [p for p, _ in FORBIDDEN])
def test_every_forbidden_pattern_has_an_example(pattern):
    rx = re.compile(pattern, re.IGNORECASE)
    assert any(rx.search(s.replace("’", "'")) for s in FORBIDDEN_EXAMPLES), pattern


@pytest.mark.parametrize("sentence", FRAME_ONLY_EXAMPLES)
def test_sentences_outside_the_frames_are_flagged(sentence):
    assert problems(sentence) == [], sentence
    assert frame_problems(sentence), sentence
    assert check(sentence), sentence


@pytest.mark.parametrize("sentence", SAFE_EXAMPLES)
def test_safe_sentences_are_not_flagged(sentence):
    assert check(sentence) == []


def test_every_frame_has_a_safe_example():
    for name, rx in FRAMES:
        assert any(re.match(rx, s) for s in SAFE_EXAMPLES), name


def test_a_text_is_checked_sentence_by_sentence():
    text = "You said the pain started after an injury. Bone marrow edema often follows it."
    assert len(frame_problems(text)) == 1
    assert "often follows it" in frame_problems(text)[0]
    two = "None of the sources mentions fever. This is the app's standard safety advice."
    assert check(two) == []


def test_sentences_split_on_ends_not_on_abbreviations_or_decimals():
    text = "One source says 2.5 mm, e.g. on MRI. Ask your clinician! Tell them?\nContact us"
    assert sentences(text) == [
        "One source says 2.5 mm, e.g. on MRI.",
        "Ask your clinician!",
        "Tell them?",
        "Contact us",
    ]


@pytest.mark.parametrize("title", SAFE_TITLES)
def test_safe_titles_pass(title):
    assert check(title, title=True) == []


@pytest.mark.parametrize("title", FORBIDDEN_TITLES)
def test_forbidden_titles_are_flagged(title):
    assert check(title, title=True), title


def test_counts():
    assert len(FORBIDDEN_EXAMPLES) + len(FRAME_ONLY_EXAMPLES) >= 40
    assert len(SAFE_EXAMPLES) >= 20
