"""Learn about bone marrow edema in a real browser: a phone, axe, a tap to the quotes."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from rules.content import learn

from .conftest import serious_violations

PHONE = {"width": 390, "height": 844}


def test_the_page_on_a_phone(page, screenshots):
    page.set_viewport_size(PHONE)
    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="Learn about bone marrow edema").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Learn about bone marrow edema")
    for topic in learn():
        expect(page.get_by_role("heading", level=2, name=topic.title)).to_have_count(1)
    # Nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # A contents link goes to its topic; a tap shows a claim's quotes.
    page.get_by_role("link", name="Tests and scans").click()
    section = page.locator("section#tests")
    quote = section.locator("blockquote").first
    expect(quote).to_be_hidden()
    section.locator("details > summary").first.click()
    expect(quote).to_be_visible()
    page.screenshot(path=screenshots / "about-390.png", full_page=False)
    assert serious_violations(Axe(), page) == []
