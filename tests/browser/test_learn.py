"""Educator mode in a real browser: stepping, HOW, WHY-NOT, what-if; axe on every page."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .conftest import new_page, pdf_pages, pdf_text, serious_violations

#: A teacher's projector (issue 13).
PROJECTOR = {"width": 1280, "height": 720}

PAGES = [
    "/learn/",
    "/learn/rules",
    "/learn/questions/athlete",
    "/learn/cases/runner_hip_pain",
    "/learn/cases/runner_hip_pain?step=3",
    "/learn/cases/runner_hip_pain/how/urgent_hip_stress",
    "/learn/cases/runner_hip_pain/why-not/athlete_care",
    "/learn/cases/runner_hip_pain/picture",
    "/learn/picture",
    "/learn/picture/infection",
    "/learn/rules?statement=urgent_cancer",
    "/learn/cases/runner_hip_pain/why-not/urgent_cancer",
    "/learn/what-if?case=runner_hip_pain",
    "/learn/what-if?case=runner_hip_pain&changed=1&sex=martian",
]


def test_step_through_and_ask_how_and_why_not(page):
    page.set_viewport_size(PROJECTOR)
    page.goto("/learn/")
    page.get_by_role("link", name="Runner hip pain").click()
    expect(page.get_by_text(re.compile(r"^Step 0 of \d+$"))).to_be_visible()
    page.get_by_role("link", name="Next").click()
    expect(page.get_by_text(re.compile(r"^Step 1 of \d+$"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"Step 1: rule"))).to_be_visible()
    # The agenda: the rules ready to fire, the first one fires, and why.
    agenda = page.locator("table.agenda")
    expect(agenda).to_be_visible()
    expect(agenda.locator("tr.agenda-fires")).to_contain_text("fires")
    expect(page.get_by_text("Why this one:")).to_be_visible()
    assert page.url.endswith("#step")  # the reader keeps their place
    page.get_by_role("link", name="Last").click()
    urgent = page.locator("li", has_text="Hip or groin pain with sport, training or repeated")
    urgent.get_by_role("link", name="HOW?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("HOW was this reached?")
    expect(page.locator(".how-tree")).to_contain_text("hip_under_strain")
    page.go_back()
    page.get_by_text(re.compile("WHY-NOT")).click()
    page.get_by_role("link", name="Sport and bone marrow edema").click()
    expect(page.locator("main")).to_contain_text("but there is RedFlag(kind=hip_stress)")
    # WHY-NOT down to the answers, through the facts between them.
    page.goto("/learn/cases/runner_hip_pain/why-not/urgent_cancer")
    needs = page.locator("ul.needs").first
    expect(needs).to_contain_text("cancer_history")
    expect(needs).to_contain_text("Cancer, now or in the past")


def test_what_if_side_by_side(page):
    page.set_viewport_size(PROJECTOR)
    page.goto("/learn/what-if?case=runner_hip_pain")
    page.locator("label[for='wi-athlete-no']").click()
    page.locator("label[for='wi-overload-training_increase']").click()
    page.locator("label[for='wi-overload-none']").click()
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("li.removed").first).to_contain_text("Hip or groin pain with sport")
    expect(page.locator("li.added").filter(has_text="No warning signs reported")).to_have_count(1)
    page.get_by_role("link", name="Steps after").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Changed answers")
    page.get_by_role("link", name="See the reasoning as a picture").click()
    expect(page.locator(".picture svg")).to_be_visible()


def test_the_picture_is_legible_at_1280_by_720(browser, base_url, screenshots):
    """Text was 7.3 px for one case: the picture is now drawn 1:1 on the full width."""
    context = browser.new_context(base_url=base_url, viewport=PROJECTOR)
    page = context.new_page()
    try:
        for url in ("/learn/cases/runner_hip_pain/picture", "/learn/picture/infection"):
            page.goto(url)
            smallest = page.evaluate(
                """() => Math.min(...[...document.querySelectorAll('.picture svg tspan')]
                    .map(t => t.getBoundingClientRect().height))"""
            )
            font = page.evaluate(
                """() => Math.min(...[...document.querySelectorAll('.picture text')]
                    .map(t => parseFloat(getComputedStyle(t).fontSize)
                         * t.ownerSVGElement.getBoundingClientRect().width
                         / t.ownerSVGElement.viewBox.baseVal.width))"""
            )
            assert font >= 12 and smallest >= 12, (url, font, smallest)
            box = page.locator(".picture").bounding_box()
            assert box["width"] > 1200, "the picture uses the full width"
            page.screenshot(path=str(screenshots / f"learn-picture-{url.split('/')[-1]}.png"))
        # Printed: landscape pages, the picture in full-size parts, every part labelled.
        page.goto("/learn/cases/runner_hip_pain/picture")
        tiles = page.locator(".print-tiles svg.tile").count()
        pdf = screenshots / "learn-picture-print.pdf"
        page.pdf(path=pdf, prefer_css_page_size=True)
        assert pdf_pages(pdf) >= tiles > 1
        text = pdf_text(pdf)
        assert f"Part {tiles} of {tiles}" in text
        assert "athletes_are_" in text  # rule names print as text, at full size
    finally:
        context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_learn_pages_have_no_serious_axe_violations(browser, base_url, javascript):
    context, page = new_page(browser, base_url, javascript=True)
    if not javascript:
        page.route(re.compile(r"/static/app\.js"), lambda route: route.abort())
    axe = Axe()
    blocking = {}
    try:
        for url in PAGES:
            page.goto(url)
            found = serious_violations(axe, page)
            if found:
                blocking[url] = found
    finally:
        context.close()
    assert blocking == {}
