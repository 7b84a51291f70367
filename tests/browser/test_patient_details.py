"""Small things a patient meets on the way: error links, descriptions, starting again."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from .conftest import serious_violations
from .patient import (
    NARROW,
    NOTICE_AFTER,
    PATIENT,
    SECTIONS,
    answer_page,
    choose,
    expect_section,
    group,
    press,
    question,
)


def reach(page: Page, section_id: str) -> None:
    """Start and answer PATIENT's pages up to ``section_id`` (no notice comes before it)."""
    page.goto("/")
    press(page, "Start now")
    for section in ["about", "pain", "pattern", "injury"]:
        expect_section(page, section)
        if section == section_id:
            return
        answer_page(page, section, PATIENT)
        press(page, "Continue")
    raise AssertionError(f"{section_id} is not among the first pages")


def in_viewport(page: Page, selector: str) -> bool:
    return page.locator(selector).evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }"
    )


# --- "There is a problem": each link shows its question -------------------------------


def error_link(page: Page, question_id: str):
    q = question(question_id)
    return page.locator(f"[data-error-summary] a[href='#{q.id}-{q.options[0].value}']")


def test_error_link_shows_the_question_and_focuses_its_first_answer(page):
    page.set_viewport_size(NARROW)
    reach(page, "pattern")
    press(page, "Continue")  # nothing chosen: six errors
    expect(page.locator("[data-error-summary] li")).to_have_count(6)
    error_link(page, "unwell").click()
    unwell = group(page, question("unwell"))
    expect(page).to_have_url(re.compile(r"/questions/pattern#unwell-yes$"))
    expect(page.locator("#unwell-yes")).to_be_focused()
    assert in_viewport(page, "#unwell-group legend"), "the question is scrolled into view"
    expect(unwell.locator("legend")).to_be_in_viewport(ratio=1)


def test_error_link_is_an_anchor_without_javascript(page_nojs):
    page = page_nojs
    page.set_viewport_size(NARROW)
    reach(page, "pattern")
    press(page, "Continue")
    error_link(page, "unwell").click()
    expect(page).to_have_url(re.compile(r"/questions/pattern#unwell-yes$"))
    expect(page.locator("label[for='unwell-yes']")).to_be_in_viewport()


# --- Accessible descriptions ----------------------------------------------------------


def test_help_is_not_part_of_the_question_description(page):
    reach(page, "about")
    sex = group(page, question("sex"))
    expect(sex).to_have_accessible_description("")
    choose(page, question("age_band"), PATIENT["age_band"])
    press(page, "Continue")
    sex = group(page, question("sex"))
    expect(sex).to_have_accessible_description(re.compile(r"^Error: \S"))
    help_text = re.compile("Why we ask|" + re.escape(question("sex").help[:20]))
    expect(sex).not_to_have_accessible_description(help_text)


def test_hidden_condition_note_is_not_read_out(page):
    reach(page, "injury")
    kind = question("injury_kind")
    expect(group(page, kind)).to_be_hidden()
    choose(page, question("injury"), "yes")
    expect(group(page, kind)).to_be_visible()
    expect(page.locator("#injury_kind-condition")).to_be_hidden()
    expect(group(page, kind)).to_have_accessible_description("")


def test_condition_note_is_read_out_without_javascript(page_nojs):
    reach(page_nojs, "injury")
    kind = group(page_nojs, question("injury_kind"))
    expect(kind).to_have_accessible_description("Answer this only if you chose “Yes” above.")


# --- Start again on a shared device -----------------------------------------------------


def test_start_again_without_javascript(page_nojs):
    page = page_nojs
    reach(page, "pain")  # "about" answered and saved
    page.goto("/")
    expect(page.get_by_role("button", name="Continue where you left off")).to_be_visible()
    press(page, "Start again")
    expect_section(page, "about")
    expect(page.locator("input:checked")).to_have_count(0)
    page.goto("/")
    expect(page.get_by_role("button", name="Start now")).to_be_visible()
    expect(page.get_by_role("button", name="Start again")).to_have_count(0)


def test_resume_page_has_no_serious_axe_violations(page):
    reach(page, "pain")
    page.goto("/")
    expect(page.get_by_role("button", name="Start again")).to_be_visible()
    assert serious_violations(Axe(), page) == []


# --- "How was this worked out?" leads back ----------------------------------------------


def test_own_reasoning_has_a_way_back_to_the_summary(page):
    page.goto("/")
    press(page, "Start now")
    for section in SECTIONS:
        answer_page(page, section, PATIENT)
        press(page, "Continue")
        if section == NOTICE_AFTER:
            press(page, "Continue the questionnaire for the clinic")
    press(page, "Send and see my summary")
    expect(page).to_have_url(re.compile(r"/summary$"))
    page.goto("/learn/cases/my-answers?step=2")
    back = page.get_by_role("link", name="Back to your summary")
    expect(back).to_be_in_viewport()
    assert serious_violations(Axe(), page) == []
    back.click()
    expect(page).to_have_url(re.compile(r"/summary$"))
