"""The whole patient journey in Chromium, with JavaScript on and off."""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import Page, expect

from rules.content import catalogue

from .conftest import pdf_text
from .patient import (
    NOTICE_AFTER,
    NOTICES,
    PATIENT,
    REFERENCE,
    SECTIONS,
    URGENT,
    answer_page,
    choose,
    expect_notice,
    expect_section,
    group,
    press,
    question,
    snap,
)


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def any_page(request) -> tuple[Page, bool]:
    javascript = request.param
    return request.getfixturevalue("page" if javascript else "page_nojs"), javascript


def focused(page: Page, selector: str) -> bool:
    return page.locator(selector).evaluate("el => el === document.activeElement")


def test_whole_journey(any_page, screenshots, tmp_path):
    page, javascript = any_page
    mode = "js" if javascript else "nojs"

    def snap_page(name: str, *, differs_without_js: bool = False) -> None:
        """Screenshots of each page type; without JavaScript only where pages differ."""
        if javascript or differs_without_js:
            snap(page, screenshots, f"{mode}-{name}")

    # --- Start -------------------------------------------------------------------
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Prepare for your clinic visit")
    snap_page("01-start")
    press(page, "Start now")
    expect_section(page, "about")
    # The pregnancy page counts until an answer rules it out: the total never grows.
    expect(page.locator(".progress-text")).to_have_text(f"Page 1 of {len(SECTIONS)}")

    # --- A validation error: one answer given, one missing -------------------------
    age, sex = question("age_band"), question("sex")
    choose(page, age, PATIENT["age_band"])
    press(page, "Continue")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    # The error summary comes first in the page's main content.
    assert page.locator("main > *").first.evaluate("el => el.matches('[data-error-summary]')")
    # app.js focuses it; without JavaScript the autofocus attribute does the same.
    assert focused(page, "[data-error-summary]"), "the error summary should have focus"
    # What was chosen on the page is still chosen, and the error is at the field.
    expect(group(page, age).get_by_label("18 to 29", exact=True)).to_be_checked()
    expect(group(page, sex)).to_contain_text("Error: Choose an answer: " + sex.text)
    snap_page("02-question-error")
    link = summary.get_by_role("link", name=f"Choose an answer: {sex.text}")
    expect(link).to_have_attribute("href", "#sex-female")
    link.click()
    expect(page).to_have_url(re.compile(r"#sex-female$"))
    assert focused(page, "#sex-female"), "the error link should move focus to the field"
    choose(page, sex, PATIENT["sex"])
    press(page, "Continue")

    # --- Page after page, with Back once ----------------------------------------
    for number, section in enumerate(SECTIONS[1:], 2):
        expect_section(page, section)
        expect(page.locator(".progress-text")).to_have_text(f"Page {number} of {len(SECTIONS)}")
        if section == "injury":
            check_conditional_reveal(page, javascript)
            snap_page("03-question-conditional", differs_without_js=True)
        answer_page(page, section, PATIENT)
        if section == "pattern":
            snap_page("04-question-multi")
        if section == "activity":
            # Back to the injury page: its saved answers are shown again.
            page.get_by_role("link", name="Back", exact=True).click()
            expect_section(page, "injury")
            expect(group(page, question("injury")).get_by_label("Yes", exact=True)).to_be_checked()
            kind = group(page, question("injury_kind"))
            expect(kind.get_by_label("A sports injury", exact=True)).to_be_checked()
            press(page, "Continue")
            expect_section(page, "activity")  # the notice, if already seen, is not shown again
            answer_page(page, section, PATIENT)
        press(page, "Continue")
        if section == NOTICE_AFTER:
            # The answers complete a warning pattern: the notice interrupts (NHS 111).
            expect_notice(page, NOTICES)
            snap_page("04b-notice")
            press(page, "Continue the questionnaire for the clinic")

    # --- Check your answers, and one change ---------------------------------------
    expect(page).to_have_url(re.compile(r"/check$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    duration = question("pain_duration")
    row = page.locator(".summary-row").filter(has_text=duration.text)
    expect(row.locator("dd").first).to_have_text("6 weeks to 3 months")
    snap_page("05-check")
    page.get_by_role("link", name=f"Change your answer to: {duration.text}").click()
    expect_section(page, "pain", changing=True)
    expect(group(page, duration).get_by_label("6 weeks to 3 months", exact=True)).to_be_checked()
    choose(page, duration, "3_to_12_months")
    press(page, "Save and go back to your answers")
    # Back on the check page, at the row that was changed.
    expect(page).to_have_url(re.compile(r"/check#pain_duration-group$"))
    expect(row).to_be_in_viewport()
    expect(row.locator("dd").first).to_have_text("3 to 12 months")

    # --- Submit: the summary -------------------------------------------------------
    press(page, "Send and see my summary")
    expect(page).to_have_url(re.compile(r"/summary$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your summary")
    reference = page.locator(".reference-code").inner_text().strip()
    assert REFERENCE.match(reference), reference
    # What to do now comes first, with the urgent notice's own instruction.
    next_step = page.locator("section.next-step")
    expect(next_step).to_have_class(re.compile(r"\bnext-step-urgent\b"))
    expect(next_step.get_by_role("heading", level=2)).to_have_text("What to do now")
    statement = next_step.locator(f"#statement-{URGENT}")
    expect(statement).to_be_visible()
    expect(statement).to_contain_text(catalogue().warnings[URGENT].do)
    # Its why and quotes are closed <details>; a click opens them.
    why = statement.locator("details").first
    quote = why.locator(".quote").first
    expect(why).not_to_have_attribute("open", "")
    expect(quote).to_be_hidden()
    why.locator("summary").click()
    expect(why).to_have_attribute("open", "")
    expect(quote).to_be_visible()
    # On a phone, the instruction and the notice are on the first screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.evaluate("window.scrollTo(0, 0)")
    for first_screen in [
        next_step.locator(".instruction").first,
        statement.locator(":scope > p > strong"),
    ]:
        box = first_screen.bounding_box()
        assert box and box["y"] + box["height"] <= 844, box
    assert statement.bounding_box()["y"] < page.locator(".reference").bounding_box()["y"]
    page.set_viewport_size({"width": 1280, "height": 900})
    print_button = page.get_by_role("button", name="Print this summary")
    if javascript:
        expect(print_button).to_be_visible()
    else:
        expect(print_button).to_be_hidden()
    snap_page("06-summary", differs_without_js=True)

    # --- Print to PDF -----------------------------------------------------------------
    pdf = tmp_path / "summary.pdf"
    page.pdf(path=pdf, format="A4")
    assert pdf.exists() and pdf.stat().st_size > 1000
    assert pdf.read_bytes().startswith(b"%PDF")
    shutil.copy(pdf, screenshots / f"{mode}-06-summary.pdf")
    if shutil.which("pdftotext"):
        text = pdf_text(pdf)
        assert reference in text
        assert "What to do now" in text
        assert "Finish and clear" not in text
        assert "Print this summary" not in text

    # --- Finish and clear ---------------------------------------------------------------
    press(page, "Finish and clear my answers")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your answers are cleared from this browser"
    )
    snap_page("07-cleared")
    page.goto("/check")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("status")).to_contain_text("We could not find answers in this browser")
    expect(page.get_by_role("button", name="Start now")).to_be_visible()


def check_conditional_reveal(page: Page, javascript: bool) -> None:
    """With JavaScript the injury's kind appears once "Yes" is chosen; without, a note says when."""
    kind = page.locator("#injury_kind-group")
    note = "Answer this only if you chose \u201cYes\u201d above."
    if javascript:
        expect(kind).to_be_hidden()
        choose(page, question("injury"), "no")
        expect(kind).to_be_hidden()
        choose(page, question("injury"), "yes")
        expect(kind).to_be_visible()
        expect(kind.get_by_text(note)).to_be_hidden()
    else:
        expect(kind).to_be_visible()
        expect(kind.get_by_text(note)).to_be_visible()
