"""The wizard's path through the questionnaire, decided on the server.

Pure functions of the catalogue and the answers so far: which pages this person
will see (show-when), where Back and Continue go, how far along they are, and
where someone who skipped ahead should be sent.
"""

from __future__ import annotations

from rules.answers import is_shown
from rules.content import Question, Section, catalogue


def shown_questions(section_id: str, answers: dict) -> list[Question]:
    return [q for q in catalogue().section_questions(section_id) if is_shown(q, answers)]


def pages(answers: dict) -> list[Section]:
    """The sections this person will see, in order."""
    return [s for s in catalogue().sections.values() if shown_questions(s.id, answers)]


def prune(answers: dict) -> dict:
    """Drop answers to questions no longer asked (e.g. pregnancy after sex changed)."""
    kept: dict = {}
    for q in catalogue().questions.values():
        if q.id in answers and is_shown(q, kept):
            kept[q.id] = answers[q.id]
    return kept


def is_complete(section_id: str, answers: dict) -> bool:
    return all(q.id in answers for q in shown_questions(section_id, answers))


def first_unanswered(answers: dict) -> str | None:
    """The first page with a question still to answer, or None when all are done."""
    for section in pages(answers):
        if not is_complete(section.id, answers):
            return section.id
    return None


def neighbours(section_id: str, answers: dict) -> tuple[str | None, str | None]:
    """The previous and next pages around ``section_id`` (None at either end)."""
    ids = [s.id for s in pages(answers)]
    if section_id not in ids:
        return None, None
    i = ids.index(section_id)
    return (ids[i - 1] if i > 0 else None, ids[i + 1] if i + 1 < len(ids) else None)


def may_be_asked(question: Question, answers: dict) -> bool:
    """Asked now, or could still be: the answer it depends on is not given yet."""
    rule = question.show_when
    if rule is None:
        return True
    if rule.question in answers:
        return is_shown(question, answers)
    return may_be_asked(catalogue().questions[rule.question], answers)


def progress(section_id: str, answers: dict) -> tuple[int, int]:
    """(this page's number, pages this person may still see).

    A page that could still appear (pregnancy, before sex is answered) counts
    until an answer rules it out, so that going forward the total only shrinks:
    "Page 2 of 9" never becomes "Page 3 of 10".
    """
    ids = [
        s.id
        for s in catalogue().sections.values()
        if any(may_be_asked(q, answers) for q in catalogue().section_questions(s.id))
    ]
    return (ids.index(section_id) + 1 if section_id in ids else 0, len(ids))


def may_visit(section_id: str, answers: dict) -> bool:
    """A page may be shown if it is asked and every page before it is complete."""
    for section in pages(answers):
        if section.id == section_id:
            return True
        if not is_complete(section.id, answers):
            return False
    return False
