"""Clinic staff in a real browser: sign in, find a submission, print it on one A4 page."""

from __future__ import annotations

import re
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from webapp import auth

from ..web import RUNNER
from .conftest import new_page, pdf_text, serious_violations, submitted

PASSWORD = "browser staff password"


@pytest.fixture(scope="module")
def reference(browser_app):
    """A staff account and one submission, made through the app itself."""
    with browser_app.app_context():
        auth.create_staff("reception", PASSWORD)
    return submitted(browser_app, RUNNER)


def sign_in(page):
    page.goto("/staff/")
    expect(page).to_have_url(re.compile(r"/staff/sign-in$"))
    page.get_by_label("Username").fill("reception")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Submissions")


def test_sign_in_find_open_and_print(page, reference, tmp_path, screenshots):
    sign_in(page)
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    page.get_by_label("Find by reference code").fill(reference.lower())
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Submission {reference}")
    expect(page.get_by_text("Not a diagnosis.", exact=True)).to_be_visible()
    page.get_by_role("link", name="Print view").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    expect(page.get_by_role("link", name="Back")).to_have_attribute(
        "href", f"/staff/submissions/{reference}"
    )
    page.screenshot(path=str(screenshots / "staff-print.png"), full_page=True)
    page.emulate_media(media="print")
    pdf = tmp_path / "print.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=False)
    shutil.copy(pdf, screenshots / "staff-print.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages == 1, f"the print view took {pages} A4 pages"
    if shutil.which("pdftotext"):
        text = pdf_text(pdf)
        assert reference in text and "Not a diagnosis" in text
        # The code and the page number in the page's margin, and room to write.
        assert f"{reference} · page 1 of 1" in text
        assert "Patient name or clinic number:" in text and "Notes:" in text
        assert text.index("Urgent notices") < text.index("Answers") < text.index("Topics")
        assert "Sign out" not in text


def test_sign_out_ends_the_session(page, reference):
    sign_in(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto(f"/staff/submissions/{reference}")
    expect(page).to_have_url(re.compile(r"/staff/sign-in$"))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_staff_pages_have_no_serious_axe_violations(browser, base_url, reference, javascript):
    context, page = new_page(browser, base_url, javascript=True)
    if not javascript:
        page.route(re.compile(r"/static/app\.js"), lambda route: route.abort())
    axe = Axe()
    found = {}
    try:
        page.goto("/staff/sign-in")
        found["sign-in"] = serious_violations(axe, page)
        page.get_by_role("button", name="Sign in").click()  # the error state
        found["sign-in-error"] = serious_violations(axe, page)
        sign_in(page)
        found["list"] = serious_violations(axe, page)
        for name, url in [
            ("submission", f"/staff/submissions/{reference}"),
            ("print", f"/staff/submissions/{reference}/print"),
            ("delete", f"/staff/submissions/{reference}/delete"),
            ("audit", "/staff/audit"),
        ]:
            page.goto(url)
            found[name] = serious_violations(axe, page)
    finally:
        context.close()
    assert {k: v for k, v in found.items() if v} == {}


def test_find_a_code_with_a_typo_is_told_so(page, reference, screenshots):
    """One wrong character (or two swapped): a typo, said at the box, what was typed kept."""
    sign_in(page)
    box = page.get_by_label("Find by reference code")
    last = reference[-1]
    typo = (reference[:-1] + ("0" if last != "0" else "1")).lower()  # the check character
    box.fill(typo)
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page).to_have_url(re.compile(r"/staff/\?.*find=typo"))
    expect(box).to_have_value(typo)
    expect(box).to_be_focused()
    expect(box).to_have_accessible_description("Error: That code has a typo: check each character.")
    page.screenshot(path=str(screenshots / "staff-find-typo.png"))
    assert serious_violations(Axe(), page) == []
    swapped = reference[:5] + reference[6] + reference[5] + reference[7:]
    if swapped != reference:
        box.fill(swapped)
        page.get_by_role("button", name="Find", exact=True).click()
        expect(box).to_have_accessible_description(re.compile("has a typo"))
    box.fill(reference)
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Submission {reference}")
