"""The answers format: validation names the question and the allowed values."""

import pytest

from rules.answers import AnswerError, is_shown, validate


def error_for(answers) -> str:
    with pytest.raises(AnswerError) as info:
        validate(answers)
    return str(info.value)


def test_valid_answers_come_back_in_catalogue_order():
    clean = validate({"sex": "male", "age_band": "40_60", "pain_sites": ["knee"]})
    assert list(clean) == ["age_band", "sex", "pain_sites"]


def test_empty_answers_are_valid():
    assert validate({}) == {}


@pytest.mark.parametrize(
    "answers, words",
    [
        ([], ["JSON object"]),
        ({"pain_site": ["knee"]}, ["'pain_site'", "unknown question", "pain_sites"]),
        ({"pain_sites": "knee"}, ["pain_sites", "list", "hip_groin"]),
        ({"sex": ["male"]}, ["sex", "one value", "female"]),
        ({"sex": "man"}, ["sex", "unknown option 'man'", "female, male"]),
        ({"pain_sites": []}, ["pain_sites", "at least one"]),
        ({"pain_sites": ["knee", "knee"]}, ["pain_sites", "more than once"]),
        ({"imaging": ["none", "mri"]}, ["imaging", "'none' cannot be combined"]),
        ({"injury": "no", "injury_kind": ["sports"]}, ["injury_kind", "not asked unless injury"]),
        ({"injury_kind": ["sports"]}, ["injury_kind", "not asked unless"]),
        ({"sex": "male", "pregnancy": "no"}, ["pregnancy", "not asked unless sex"]),
        ({"pain_sites": [1]}, ["pain_sites", "list of values"]),
        ({"fever": None}, ["fever", "one value"]),
    ],
)
def test_errors_name_the_question_and_allowed_values(answers, words):
    message = error_for(answers)
    for word in words:
        assert word in message


def test_every_problem_is_reported():
    with pytest.raises(AnswerError) as info:
        validate({"nope": 1, "sex": "x", "fever": "maybe"})
    assert len(info.value.problems) == 3


def test_show_when(cat):
    pregnancy = cat.questions["pregnancy"]
    assert is_shown(pregnancy, {"sex": "female"})
    assert not is_shown(pregnancy, {"sex": "male"})
    assert not is_shown(pregnancy, {})
    assert is_shown(cat.questions["xray_ct_result"], {"imaging": ["ct", "mri"]})
