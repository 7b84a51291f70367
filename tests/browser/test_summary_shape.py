"""The summary of the longest case, read on a phone and printed, with JavaScript on and off.

The long case ticks every box that can be combined (tests/answer_sets.py): six
warning patterns, 31 statements. Its summary must still be one a person in pain
can use (issue 9's targets, also in the README):

- at most 600 words shown before anything is opened;
- at most 6 phone screens at 390×844;
- the first instruction ("What to do now") on the first screen;
- at most 2 A4 pages when printed;
- every citation reachable: each statement's quotes are in the page, one tap away.

The figures are written to ``summary-figures-<mode>.json`` in the screenshots folder.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from rules.answers import is_shown
from rules.content import catalogue
from rules.engine import evaluate
from rules.summary import KEY_POINTS
from tests.answer_sets import long_case

from .conftest import new_page, pdf_pages, pdf_text, serious_violations
from .patient import SECTIONS, answer_page, expect_section, press

PHONE = {"width": 390, "height": 844}
MAX_WORDS, MAX_SCREENS, MAX_PAGES = 600, 6, 2


def walk(page: Page, answers: dict) -> None:
    """Answer every page shown, going on past each notice, and send."""
    page.goto("/")
    press(page, "Start now")
    for section in SECTIONS:
        if not any(is_shown(q, answers) for q in catalogue().section_questions(section)):
            continue
        expect_section(page, section)
        answer_page(page, section, answers)
        press(page, "Continue")
        if "/notice" in page.url:
            press(page, "Continue the questionnaire for the clinic")
    expect(page).to_have_url(re.compile(r"/check$"))
    press(page, "Send and see my summary")
    expect(page).to_have_url(re.compile(r"/summary$"))


def shown_words(page: Page) -> int:
    """Words a reader sees before opening anything: innerText skips closed <details>."""
    return len(page.locator("body").inner_text().split())


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_the_long_case_fits_a_phone_and_two_pages(
    browser, base_url, screenshots, tmp_path, javascript
):
    answers = long_case()
    result = evaluate(answers)
    context, page = new_page(browser, base_url, javascript=javascript)
    mode = "js" if javascript else "nojs"
    try:
        walk(page, answers)
        page.set_viewport_size(PHONE)
        page.evaluate("window.scrollTo(0, 0)")
        figures = {
            "statements": len(result.statements),
            "words_shown": shown_words(page),
            "phone_screens": round(
                page.evaluate("document.documentElement.scrollHeight") / PHONE["height"], 1
            ),
        }
        page.screenshot(path=screenshots / f"summary-long-{mode}-390.png", full_page=True)

        # What to do now: the first thing, its first instruction on the first screen.
        next_step = page.get_by_role("heading", level=2, name="What to do now")
        assert page.locator("main h2").first.inner_text() == "What to do now"
        instruction = page.locator(".next-step .instruction").first
        step = next(s for s in result.statements if s.id.startswith("next_step_"))
        first = step.text.split(". ")[0]
        expect(instruction).to_contain_text(first)
        box = instruction.bounding_box()
        assert box and box["y"] + box["height"] <= PHONE["height"], box
        assert next_step.bounding_box()["y"] < PHONE["height"]

        # At most six key points; the core message first among them.
        points = page.locator(".key-point")
        assert 1 <= points.count() <= KEY_POINTS
        expect(points.first).to_have_id("statement-about_bme")
        expect(points.first).to_contain_text("MRI")
        # The rest closed, one tap away.
        more = page.locator("details.more-item")
        assert more.count() >= 1
        for n in range(more.count()):
            expect(more.nth(n)).not_to_have_attribute("open", "")
        expect(page.locator("details.answers")).not_to_have_attribute("open", "")

        # Every citation of every statement is in the page, and a tap shows it.
        expected = sum(len(s.citations) for s in result.statements)
        expect(page.locator("blockquote.quote")).to_have_count(expected)
        item = more.first
        quote = item.locator("blockquote").first
        expect(quote).to_be_hidden()
        outer = page.locator("details.more > summary")
        outer.click()
        item.locator("summary").click()
        expect(quote).to_be_visible()
        item.locator("summary").click()
        outer.click()
        expect(quote).to_be_hidden()

        # Printed on A4: the key points with compact citations, at most two pages.
        page.set_viewport_size({"width": 1280, "height": 900})
        pdf = tmp_path / "summary.pdf"
        page.pdf(path=pdf, format="A4")
        shutil.copy(pdf, screenshots / f"summary-long-{mode}.pdf")
        figures["printed_pages"] = pdf_pages(pdf)
        text = pdf_text(pdf)
        reference = page.locator(".reference-code").inner_text().strip()
        assert reference in text and "What to do now" in text
        assert re.search(r"Sources: [^\n]*\[1(, \d+)*\]", text), "compact numbered citations print"

        if javascript:  # axe runs as a script
            assert serious_violations(Axe(), page) == []
        (screenshots / f"summary-figures-{mode}.json").write_text(json.dumps(figures, indent=2))
        print(mode, figures)
        assert figures["words_shown"] <= MAX_WORDS, figures
        assert figures["phone_screens"] <= MAX_SCREENS, figures
        assert figures["printed_pages"] <= MAX_PAGES, figures
    finally:
        context.close()
