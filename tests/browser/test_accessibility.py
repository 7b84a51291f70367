"""axe-core on every page of the journey: no serious or critical violation.

axe is injected with ``page.evaluate`` (axe-playwright-python's way), which goes
through the DevTools protocol, so the app's Content-Security-Policy does not block
it. Evaluating needs JavaScript, so "without JavaScript" is checked by blocking
the app's own script (app.js) instead: the pages are then exactly what a browser
without JavaScript shows.
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from .conftest import new_page
from .patient import (
    NOTICE_AFTER,
    NOTICES,
    PATIENT,
    SECTIONS,
    answer_page,
    expect_notice,
    expect_section,
    press,
)

BLOCKING = {"serious", "critical"}
STATES = [
    "start",
    *SECTIONS,
    f"{SECTIONS[0]}-error",
    "notice",
    "check",
    "summary",
    "summary-print",
    "cleared",
    "not-found",
]
MODES = ["js", "nojs"]


def walk(page: Page, audit) -> None:
    """Every page a person sees, from the start to the cleared page, and a 404."""
    page.goto("/")
    audit("start")
    press(page, "Start now")
    for section in SECTIONS:
        expect_section(page, section)
        audit(section)
        if section == SECTIONS[0]:
            press(page, "Continue")  # nothing chosen: the error state
            expect(page.locator("[data-error-summary]")).to_be_visible()
            audit(f"{section}-error")
        answer_page(page, section, PATIENT)
        press(page, "Continue")
        if section == NOTICE_AFTER:
            expect_notice(page, NOTICES)
            audit("notice")
            press(page, "Continue the questionnaire for the clinic")
    expect(page).to_have_url(re.compile(r"/check$"))
    audit("check")
    press(page, "Send and see my summary")
    expect(page).to_have_url(re.compile(r"/summary$"))
    page.locator(".key-point .sources-of > summary").first.click()  # one key point's quotes
    page.locator("details.more > summary").click()  # the other topics, and one of them
    page.locator(".more-item > summary").first.click()
    audit("summary")
    page.emulate_media(media="print")
    audit("summary-print")
    page.emulate_media(media="screen")
    press(page, "Finish and clear my answers")
    expect(page.get_by_role("heading", level=1)).to_contain_text("cleared")
    audit("cleared")
    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    audit("not-found")


@pytest.fixture(scope="module", params=MODES)
def violations(request, browser, base_url) -> tuple[str, dict[str, list]]:
    """axe's violations for each page state, walking the journey once per mode."""
    mode = request.param
    context, page = new_page(browser, base_url, javascript=True)
    if mode == "nojs":
        page.route(re.compile(r"/static/app\.js"), lambda route: route.abort())
    axe = Axe()
    found: dict[str, list] = {}

    def audit(name: str) -> None:
        found[name] = axe.run(page).response["violations"]

    try:
        walk(page, audit)
    finally:
        context.close()
    return mode, found


def describe(violations: list) -> str:
    lines = []
    for v in violations:
        targets = ["".join(map(str, n["target"])) for n in v["nodes"]]
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} at {targets}")
    return "\n".join(lines)


@pytest.mark.parametrize("state", STATES)
def test_no_serious_violations(violations, state):
    mode, found = violations
    assert state in found, f"the walk did not reach {state!r} ({mode})"
    blocking = [v for v in found[state] if v["impact"] in BLOCKING]
    assert not blocking, f"axe on {state} ({mode}):\n{describe(blocking)}"


def test_report_lesser_violations(violations, capsys):
    """Moderate and minor findings do not fail, but are listed (pytest -s shows them)."""
    mode, found = violations
    with capsys.disabled():
        for state, items in found.items():
            lesser = [v for v in items if v["impact"] not in BLOCKING]
            if lesser:
                print(f"\naxe, {state} ({mode}), not blocking:\n{describe(lesser)}")


def test_checked_radio_shows_in_forced_colours(page):
    """Forced colours (Windows high contrast) drop backgrounds: the dot must be a border."""
    page.emulate_media(forced_colors="active")
    page.goto("/")
    press(page, "Start now")
    page.get_by_text("18 to 29", exact=True).click()
    expect(page.get_by_label("18 to 29", exact=True)).to_be_checked()
    dot = page.locator("label[for='age_band-18_29']").evaluate(
        "el => { const s = getComputedStyle(el, '::after');"
        " return [s.content, s.borderTopStyle, s.borderTopWidth]; }"
    )
    assert dot == ['""', "solid", "10px"], dot
