"""The audit log in a real browser: filter, page, follow a code, download the CSV; axe clean."""

from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from webapp import auth
from webapp import db as store

from ..web import RUNNER
from .conftest import new_page, serious_violations, submitted

USERNAME = "auditor"
PASSWORD = "browser audit password"
PRINTS = 60  # more than a page


@pytest.fixture(scope="module")
def reference(browser_app):
    """An account, one submission, and a page and more of printing in the log."""
    with browser_app.app_context():
        auth.create_staff(USERNAME, PASSWORD)
        db = store.session()
        start = datetime(2026, 3, 1, 9)
        for i in range(PRINTS):
            db.add(
                store.AuditEvent(
                    at=start + timedelta(minutes=i), actor=USERNAME, action="print", detail=f"p{i}"
                )
            )
        db.commit()
    return submitted(browser_app, RUNNER)


def sign_in(page, password=PASSWORD):
    page.goto("/staff/sign-in")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_filter_page_follow_and_download(page, reference, tmp_path):
    page.goto("/staff/sign-in")
    for _ in range(3):  # unknown names: counted, one row
        page.get_by_label("Username").fill("nobody-here")
        page.get_by_label("Password").fill("a wrong guess")
        page.get_by_role("button", name="Sign in").click()
    sign_in(page)
    expect(page).to_have_url(re.compile(r"/staff/$"))
    page.goto(f"/staff/submissions/{reference}")
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    rows = page.locator("table.audit tbody tr")
    expect(rows.first).to_contain_text("Viewed a submission")
    # Other tests' failed sign-ins (blank names) may be counted in the same row.
    expect(page.locator("table.audit")).to_contain_text(re.compile(r"[3-9] tries"))

    page.get_by_label("Action", exact=True).select_option(label="Printed a submission")
    page.get_by_label("Person", exact=True).fill(USERNAME.upper())
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"action=print"))
    expect(page.get_by_text(f"{PRINTS} rows match these filters")).to_be_visible()
    expect(rows).to_have_count(50)
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    page.get_by_role("link", name="Next page (older rows)").click()
    expect(page).to_have_url(re.compile(r"action=print.*page=2|page=2.*action=print"))
    expect(rows).to_have_count(PRINTS - 50)
    expect(rows.last).to_contain_text("p0")
    expect(page.get_by_label("Action", exact=True)).to_have_value("print")

    page.get_by_label("From", exact=True).fill("2026-03-01")
    page.get_by_label("To", exact=True).fill("2026-03-01")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"from=2026-03-01"))

    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile(r"Download these \d+ rows \(CSV\)")).click()
    download = info.value
    assert re.fullmatch(r"audit-log-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with path.open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert table[0][:3] == ["time", "who", "action"]
    assert len(table) >= 2 and all(r[3] == "print" for r in table[1:])

    page.get_by_role("link", name="Clear the filters").click()
    page.get_by_label("Reference code").fill(reference.lower())
    page.get_by_role("button", name="Show").click()
    page.locator("table.audit").get_by_role("link", name=reference).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_audit_pages_have_no_serious_axe_violations(browser, base_url, reference, javascript):
    context, page = new_page(browser, base_url, javascript=True)
    if not javascript:
        page.route(re.compile(r"/static/app\.js"), lambda route: route.abort())
    axe = Axe()
    found = {}
    try:
        sign_in(page)
        expect(page).to_have_url(re.compile(r"/staff/$"))
        for name, url in [
            ("all", "/staff/audit"),
            ("filtered", f"/staff/audit?action=print&person={USERNAME}"),
            ("page-2", "/staff/audit?action=print&page=2"),
            ("code", f"/staff/audit?reference={reference}"),
            ("empty", "/staff/audit?person=nobody-at-all"),
            ("bad-date", "/staff/audit?from=nonsense&to=9999-12-31"),
        ]:
            page.goto(url)
            found[name] = serious_violations(axe, page)
        expect(page.get_by_role("alert")).to_contain_text("is not a date")
    finally:
        context.close()
    assert {k: v for k, v in found.items() if v} == {}
