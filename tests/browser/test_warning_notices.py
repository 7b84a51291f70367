"""Warning patterns in a real browser: the notice interrupts, with JavaScript on and off.

Two patterns besides the hip one of the main journey: a fever with a warm,
swollen knee, and not being able to bear weight after a fall. Each is walked
page by page as a person would; each notice comes right after the page that
completes its pattern (the fall makes two: one before the injury page, which
says what to do either way, and "go to an emergency department now" after it),
axe finds nothing serious on it, and the summary puts it first, above the
reference code.
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from rules.content import cases, catalogue
from rules.engine import evaluate
from rules.summary import plan

from .conftest import new_page, serious_violations
from .patient import SECTIONS, answer_page, expect_notice, expect_section, notices_by_page, press

WALKS = ["fever_warm_knee", "fall_cannot_bear_weight"]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("case_id", WALKS)
def test_a_warning_interrupts_and_comes_first(browser, base_url, screenshots, case_id, javascript):
    answers = cases()[case_id].answers
    interrupts = notices_by_page(answers)
    context, page = new_page(browser, base_url, javascript=javascript)
    try:
        page.goto("/")
        press(page, "Start now")
        for section in SECTIONS:
            if not any(q.id in answers for q in catalogue().section_questions(section)):
                continue
            expect_section(page, section)
            answer_page(page, section, answers)
            press(page, "Continue")
            if notices := interrupts.get(section):
                expect_notice(page, notices)
                page.set_viewport_size({"width": 390, "height": 844})
                what_to_do = page.get_by_role("heading", level=2, name="What to do now")
                box = what_to_do.bounding_box()
                assert box and box["y"] < 844, "what to do is on the first phone screen"
                page.screenshot(path=screenshots / f"notice-{case_id}-{section}-{javascript}.png")
                page.set_viewport_size({"width": 1280, "height": 900})
                if javascript:  # axe runs as a script; the page is the same without it
                    assert serious_violations(Axe(), page) == []
                press(page, "Continue the questionnaire for the clinic")
        expect(page).to_have_url(re.compile(r"/check$"))
        press(page, "Send and see my summary")
        expect(page).to_have_url(re.compile(r"/summary$"))
        first = plan(evaluate(answers).to_dict()).urgent[0]["id"]  # the emergency one first
        notice = page.locator(f"section.next-step #statement-{first}")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text(catalogue().warnings[first].do)
        assert notice.bounding_box()["y"] < page.locator(".reference").bounding_box()["y"]
        expect(page.get_by_text("No warning signs reported")).to_have_count(0)
        expect(page.get_by_role("heading", name="Signs to watch for")).to_be_visible()
    finally:
        context.close()
