"""The staff worklist in a real browser (issue 11): filter to urgent, print all new with
one A4 page each and the code on every page, stacked rows on a narrow screen, and staff
error pages in the staff layout; axe on each."""

from __future__ import annotations

import re
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from rules.content import cases
from webapp import auth

from .conftest import new_page, pdf_pages, pdf_text, serious_violations, submitted

PASSWORD = "worklist staff password"


@pytest.fixture(scope="module")
def codes(browser_app):
    """A staff account, an urgent and a quiet submission made through the app."""
    with browser_app.app_context():
        auth.create_staff("desk", PASSWORD)
    made = [
        submitted(browser_app, cases()[c].answers)
        for c in ("fever_warm_knee", "knee_sports_injury")
    ]
    return made


def sign_in(page):
    page.goto("/staff/sign-in")
    page.get_by_label("Username").fill("desk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Submissions")


def test_filter_to_urgent_and_print_all_new(page, codes, tmp_path, screenshots):
    urgent, quiet = codes
    sign_in(page)
    page.get_by_label("Urgent", exact=True).check()
    page.get_by_role("button", name="Show").click()
    rows = page.locator("table.worklist tbody tr")
    expect(rows.filter(has_text=urgent)).to_have_count(1)
    expect(rows.filter(has_text=quiet)).to_have_count(0)
    expect(rows.filter(has_text=urgent)).to_contain_text("Fever or chills")
    page.get_by_role("link", name=re.compile(r"^Print all new")).click()
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    page.emulate_media(media="print")
    pdf = tmp_path / "new.pdf"
    page.pdf(path=str(pdf), format="A4")
    shutil.copy(pdf, screenshots / "staff-print-new.pdf")
    sheets = page.locator("article.sheet").count()
    assert sheets >= 2
    assert pdf_pages(pdf) == sheets, "one A4 page per submission"
    if shutil.which("pdftotext"):
        pages = pdf_text(pdf).split("\f")
        for n, text in enumerate(pages[:sheets], 1):
            code = re.search(r"([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4,5}) · page", text)
            assert code, f"page {n} has no code in its margin"
            assert f"page {n} of {sheets}" in text
            assert f"Pre-visit summary {code.group(1)}" in text


def test_narrow_screen_stacks_rows_and_wide_uses_the_width(browser, base_url, codes, screenshots):
    context, page = new_page(browser, base_url, javascript=True)
    try:
        page.set_viewport_size({"width": 320, "height": 800})
        sign_in(page)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the list scrolls sideways by {overflow}px at 320px"
        page.screenshot(path=str(screenshots / "staff-list-320.png"), full_page=True)
        page.set_viewport_size({"width": 1366, "height": 768})
        page.reload()
        width = page.evaluate("document.querySelector('main').getBoundingClientRect().width")
        assert width > 1000, f"the staff area uses {width}px of a 1366px screen"
    finally:
        context.close()


def test_staff_worklist_and_errors_have_no_serious_axe_violations(page, codes):
    sign_in(page)
    axe = Axe()
    found = {}
    for name, url in [
        ("list-urgent", "/staff/?show=urgent"),
        ("list-empty", "/staff/?from=2001-01-01&to=2001-01-02"),
        ("print-new", "/staff/print-new"),
        ("not-found", "/staff/submissions/ZZZZ-ZZZZ-ZZZZ"),
    ]:
        page.goto(url)
        found[name] = serious_violations(axe, page)
    page.goto("/staff/no-such-page")
    expect(page.get_by_role("navigation", name="Staff")).to_be_visible()
    assert {k: v for k, v in found.items() if v} == {}


def test_export_downloads_a_valid_document_bundle(page, codes, tmp_path, screenshots):
    """Export from the submission page, as staff would: a FHIR document that validates."""
    import json

    from fhir.resources.R4B.bundle import Bundle

    urgent, _ = codes
    sign_in(page)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"/staff/submissions/{urgent}")
    page.screenshot(path=str(screenshots / "staff-submission-1366.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Export FHIR").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == f"pre-visit-summary-{urgent}.fhir.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    bundle = Bundle.model_validate(body)
    assert bundle.type == "document"
    kinds = [e["resource"]["resourceType"] for e in body["entry"]]
    assert kinds[0] == "Composition" and "QuestionnaireResponse" in kinds
    assert kinds.count("Flag") == 1  # the one urgent notice this patient was shown
