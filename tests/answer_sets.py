"""Hypothesis strategies for valid answer sets, driven by the catalogue alone.

No question id is written here: every question, option, exclusive option and
``show_when`` condition comes from ``rules.content.catalogue()``, so a new
question is covered without a change to this file.
"""

from __future__ import annotations

import random

from hypothesis import strategies as st

from rules.answers import is_shown
from rules.content import Question, catalogue


def answer_for(question: Question) -> st.SearchStrategy:
    """One valid answer to ``question``: a value, or a non-empty list of values.

    In a multi-choice question an exclusive option ("None of these", "I don't
    know") is only ever chosen alone.
    """
    if question.type == "single":
        return st.sampled_from(question.values)
    exclusive = [o.value for o in question.options if o.exclusive]
    combinable = [o.value for o in question.options if not o.exclusive]
    choices = []
    if combinable:
        choices.append(st.lists(st.sampled_from(combinable), min_size=1, unique=True))
    if exclusive:
        choices.append(st.sampled_from(exclusive).map(lambda v: [v]))
    return st.one_of(*choices)


@st.composite
def _answers(draw, complete: bool) -> dict:
    answers: dict = {}
    for question in catalogue().questions.values():
        # show_when only refers to earlier questions, so the answers so far decide.
        if not is_shown(question, answers):
            continue
        if complete or draw(st.booleans()):
            answers[question.id] = draw(answer_for(question))
    return answers


def valid_answers() -> st.SearchStrategy[dict]:
    """Any valid answer set: each shown question answered or left out."""
    return _answers(complete=False)


def complete_answers() -> st.SearchStrategy[dict]:
    """An answer set as the wizard makes it: every shown question answered."""
    return _answers(complete=True)


def long_case() -> dict:
    """The longest summary a person can get: every non-exclusive box ticked.

    Each single-choice question gets, in questionnaire order, the option that
    makes the most words of statements given the answers so far.
    """
    from rules.engine import evaluate

    def words(answers: dict) -> int:
        return sum(len(s.text.split()) for s in evaluate(answers).statements)

    answers: dict = {}
    for question in catalogue().questions.values():
        if not is_shown(question, answers):
            continue
        if question.type == "multi":
            answers[question.id] = [o.value for o in question.options if not o.exclusive]
        else:
            answers[question.id] = max(
                question.values, key=lambda v: words({**answers, question.id: v})
            )
    return answers


def random_answers(rng: random.Random, skip: float = 0.2) -> dict:
    """A valid answer set from a seeded generator, for samples too large for hypothesis.

    Each shown question is left out with probability ``skip``; a multi-choice
    answer is an exclusive option alone (one time in five) or some of the others,
    in the catalogue's order, as the wizard sends them.
    """
    answers: dict = {}
    for question in catalogue().questions.values():
        if not is_shown(question, answers) or rng.random() < skip:
            continue
        if question.type == "single":
            answers[question.id] = rng.choice(question.values)
            continue
        exclusive = [o.value for o in question.options if o.exclusive]
        combinable = [o.value for o in question.options if not o.exclusive]
        if exclusive and rng.random() < 0.2:
            answers[question.id] = [rng.choice(exclusive)]
        else:
            k = rng.randint(1, len(combinable))
            answers[question.id] = sorted(rng.sample(combinable, k), key=combinable.index)
    return answers
