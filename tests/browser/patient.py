"""Driving the questionnaire in a browser as a person would: by the words on screen.

Questions are found by their text (the fieldset's legend, its accessible name)
and answered by clicking the option's label, never by posting form data.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from rules.answers import is_shown
from rules.content import Question, cases, catalogue
from rules.engine import evaluate

#: Crockford base 32 (no I, L, O, U) in three groups of four.
#: A reference code: 12 characters, or 13 with the check character that codes have now.
REFERENCE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4,5}$")

#: Every page answered (pregnancy, the injury's kind, the X-ray's result) and an
#: urgent notice in the summary (urgent_hip_stress): a bundled case.
PATIENT = cases()["complete_questionnaire"].answers

#: Every page, in order: PATIENT's answers make each of them asked.
SECTIONS = list(catalogue().sections)
URGENT = "urgent_hip_stress"
NARROW = {"width": 320, "height": 640}


def notices_by_page(answers: dict) -> dict[str, list[str]]:
    """The pages whose answers complete a warning pattern, each with its new notices.

    The answers so far are evaluated after each page, as the app does on saving it;
    a notice interrupts once, and not at all after the one it only narrows (quiet_after).
    """
    so_far: dict = {}
    shown: set[str] = set()
    out: dict[str, list[str]] = {}
    for section in SECTIONS:
        for q in catalogue().section_questions(section):
            if q.id in answers and is_shown(q, answers):
                so_far[q.id] = answers[q.id]
        made = [s.id for s in evaluate(so_far).statements if s.level == "urgent"]
        quiet = {i for i in made if catalogue().warnings[i].quiet_after in shown}
        if new := [i for i in made if i not in shown | quiet]:
            out[section] = new
            shown.update(new)
    return out


def first_notice(answers: dict) -> tuple[str, list[str]]:
    """The page whose answers complete the first warning pattern, and its urgent notices."""
    pages = notices_by_page(answers)
    assert pages, "these answers make no urgent notice"
    return next(iter(pages.items()))


#: PATIENT's first urgent notice interrupts after this page.
NOTICE_AFTER, NOTICES = first_notice(PATIENT)


def expect_notice(page: Page, notices: list[str]) -> None:
    """The notice that interrupts the questionnaire: its title (or titles) as headings."""
    expect(page).to_have_url(re.compile(r"/notice\?"))
    h1 = page.get_by_role("heading", level=1)
    if len(notices) == 1:
        expect(h1).to_have_text(catalogue().statements[notices[0]].title)
    else:
        go_now = any(catalogue().warnings[i].emergency for i in notices)
        expect(h1).to_have_text(
            "Go to an emergency department now" if go_now else "Contact a clinician today"
        )
        for statement_id in notices:
            expect(
                page.get_by_role(
                    "heading", level=2, name=catalogue().statements[statement_id].title
                )
            ).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="What to do now")).to_be_visible()


def question(question_id: str) -> Question:
    return catalogue().questions[question_id]


def group(page: Page, q: Question):
    """A question's fieldset, found by its legend as a screen reader would."""
    return page.get_by_role("group", name=q.text, exact=True)


def choose(page: Page, q: Question, values) -> None:
    """Click the labels of these options (and only these) in the question's group."""
    values = [values] if isinstance(values, str) else list(values)
    fieldset = group(page, q)
    checked = set(fieldset.locator("input:checked").evaluate_all("els => els.map(e => e.value)"))
    for option in q.options:
        wanted = option.value in values
        if wanted == (option.value in checked) or (not wanted and q.type == "single"):
            continue
        fieldset.locator("label").filter(
            has_text=re.compile(f"^{re.escape(option.label)}$")
        ).click()
        box = fieldset.get_by_label(option.label, exact=True)
        if wanted:
            expect(box).to_be_checked()
        else:
            expect(box).not_to_be_checked()


def answer_page(page: Page, section_id: str, answers: dict, skip=()) -> None:
    for q in catalogue().section_questions(section_id):
        if q.id in answers and q.id not in skip and is_shown(q, answers):
            choose(page, q, answers[q.id])


def press(page: Page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def expect_section(page: Page, section_id: str, *, changing: bool = False) -> None:
    suffix = r"\?change=1" if changing else ""
    expect(page).to_have_url(re.compile(rf"/questions/{section_id}{suffix}(#.*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        catalogue().sections[section_id].title
    )


def snap(page: Page, folder: Path, name: str) -> None:
    """A full-page screenshot at desktop width and at 320 px (a small phone)."""
    desktop = page.viewport_size
    page.screenshot(path=folder / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(NARROW)
    page.screenshot(path=folder / f"{name}-320.png", full_page=True)
    page.set_viewport_size(desktop)
