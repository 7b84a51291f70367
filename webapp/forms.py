"""WTForms forms composed from the question catalogue, one per wizard page.

There is no hand-written form: each page's form class is built from the
catalogue's questions ("dynamic form composition"), so the wizard can never
drift from the engine, the exports or the print view.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from rules.answers import is_shown
from rules.content import Question, catalogue


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def required_message(question: Question) -> str:
    if question.type == "multi":
        return f"Choose at least one answer: {question.text.split('?')[0]}?"
    return f"Choose an answer: {question.text}"


class QuestionCheck:
    """Checks one answer against the catalogue, and only if the question is asked."""

    def __init__(self, question: Question):
        self.question = question

    def __call__(self, form: PageForm, field) -> None:
        q = self.question
        if not is_shown(q, form.merged_answers()):
            field.errors[:] = []
            raise StopValidation()  # not asked: its answer is dropped, not an error
        values = field.data if q.type == "multi" else ([field.data] if field.data else [])
        if not values:
            raise StopValidation(required_message(q))
        if any(v not in q.values for v in values) or len(set(values)) != len(values):
            raise StopValidation("Choose from the options shown.")
        exclusive = [q.option(v) for v in values if q.option(v).exclusive]
        if exclusive and len(values) > 1:
            raise StopValidation(
                f"Choose \u201c{exclusive[0].label}\u201d on its own, or the other answers "
                "without it."
            )


class PageForm(FlaskForm):
    """Base of the per-page forms; ``other_answers`` are the answers from other pages."""

    section_id = ""
    question_ids: tuple[str, ...] = ()

    def __init__(self, *args, other_answers: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.other_answers = other_answers or {}

    def page_answers(self) -> dict:
        """What this page's fields hold, as answers (empty fields left out)."""
        out = {}
        for qid in self.question_ids:
            data = self[qid].data
            if data:
                out[qid] = data
        return out

    def merged_answers(self) -> dict:
        return {**self.other_answers, **self.page_answers()}

    def asked_answers(self) -> dict:
        """This page's answers to the questions actually asked, after validation."""
        merged = self.merged_answers()
        cat = catalogue()
        return {
            qid: value
            for qid, value in self.page_answers().items()
            if is_shown(cat.questions[qid], merged)
        }


def _field(question: Question):
    choices = [SelectChoice(o.value, o.label) for o in question.options]
    kwargs = {
        "label": question.text,
        "choices": choices,
        "validators": [QuestionCheck(question)],
        "validate_choice": False,  # QuestionCheck gives a plainer message
    }
    if question.type == "multi":
        return CheckboxesField(**kwargs)
    return RadioField(**kwargs)


_classes: dict[str, type[PageForm]] = {}


def page_form_class(section_id: str) -> type[PageForm]:
    """The form class for one wizard page, built once from the catalogue."""
    if section_id not in _classes:
        questions = catalogue().section_questions(section_id)
        attrs = {q.id: _field(q) for q in questions}
        attrs["section_id"] = section_id
        attrs["question_ids"] = tuple(q.id for q in questions)
        _classes[section_id] = type(f"{section_id.title()}Form", (PageForm,), attrs)
    return _classes[section_id]


class ActionForm(FlaskForm):
    """A button-only form (start, submit, clear): just the CSRF token."""
