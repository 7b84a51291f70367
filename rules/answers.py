"""The answers format, and its validation.

Answers are a JSON object ``{question_id: value}``: a string for a "single"
question, a list of strings for a "multi" question. Questions may be left out
(unanswered), but nothing is silently ignored: an unknown question, a wrong
type, an unknown option, a repeated or clashing option, or an answer to a
question that would not be asked is an error that names the question and the
allowed values.
"""

from __future__ import annotations

from .content import Catalogue, Question, catalogue


class AnswerError(ValueError):
    """The answers do not fit the questionnaire; ``problems`` lists each one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def chosen(answers: dict, question_id: str) -> list[str]:
    """The values chosen for a question, as a list (empty when unanswered)."""
    value = answers.get(question_id)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def is_shown(question: Question, answers: dict) -> bool:
    """Whether ``question`` is asked, given the answers so far."""
    rule = question.show_when
    if rule is None:
        return True
    return any(v in rule.any_of for v in chosen(answers, rule.question))


def _allowed(question: Question) -> str:
    return ", ".join(question.values)


def _check(question: Question, value) -> list[str]:
    qid = question.id
    if question.type == "single":
        if not isinstance(value, str):
            return [f"{qid}: expected one value (a string), one of: {_allowed(question)}"]
        values = [value]
    else:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return [f"{qid}: expected a list of values, each one of: {_allowed(question)}"]
        if not value:
            return [f"{qid}: choose at least one of: {_allowed(question)}"]
        values = value
    problems = [
        f"{qid}: unknown option {v!r}; allowed: {_allowed(question)}"
        for v in values
        if v not in question.values
    ]
    if problems:
        return problems
    if len(set(values)) != len(values):
        return [f"{qid}: an option is chosen more than once"]
    exclusive = [v for v in values if question.option(v).exclusive]
    if exclusive and len(values) > 1:
        return [f"{qid}: {exclusive[0]!r} cannot be combined with other options"]
    return []


def validate(answers: object, cat: Catalogue | None = None) -> dict:
    """Return the answers in catalogue order if valid; raise AnswerError if not."""
    cat = cat or catalogue()
    if not isinstance(answers, dict):
        raise AnswerError(["answers must be a JSON object {question_id: value}"])
    problems = [
        f"{key!r}: unknown question; known questions: {', '.join(cat.questions)}"
        for key in answers
        if key not in cat.questions
    ]
    for question in cat.questions.values():
        if question.id in answers:
            problems += _check(question, answers[question.id])
    if not problems:
        for question in cat.questions.values():
            if question.id in answers and not is_shown(question, answers):
                rule = question.show_when
                problems.append(
                    f"{question.id}: not asked unless {rule.question} is one of: "
                    f"{', '.join(rule.any_of)}"
                )
    if problems:
        raise AnswerError(problems)
    return {qid: answers[qid] for qid in cat.questions if qid in answers}


def known_answers(answers: dict, cat: Catalogue | None = None) -> tuple[dict, list[str]]:
    """Stored answers as today's catalogue can read them, and what had to be left out.

    A submission keeps the answers it was sent with; a later knowledge base may have
    retired a question or an option. Those are dropped (and named), so that working
    the answers out again never fails (issue 12, defect 8).
    """
    cat = cat or catalogue()
    kept, dropped = {}, []
    for qid, value in answers.items():
        question = cat.questions.get(qid)
        if question is None:
            dropped.append(qid)
            continue
        values = value if isinstance(value, list) else [value]
        known = [v for v in values if isinstance(v, str) and v in question.values]
        dropped += [f"{qid}={v}" for v in values if v not in known]
        if known:
            kept[qid] = known if question.type == "multi" else known[0]
    while True:  # a question whose condition is no longer met is not asked
        hidden = [q for q in kept if not is_shown(cat.questions[q], kept)]
        if not hidden:
            break
        for q in hidden:
            dropped.append(q)
            del kept[q]
    try:
        return validate(kept, cat), dropped
    except AnswerError as e:  # e.g. an exclusive option now combined: keep what validates
        return {}, dropped + e.problems
