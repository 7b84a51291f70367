"""The staff worklist (issue 11): urgent and not reviewed first, filters, counts,
the clinic's days and time zone, and "Print all new" with one sheet per submission."""

import re
from datetime import datetime, timedelta

import pytest

from rules.content import cases
from webapp import auth, create_app
from webapp import db as store

from .test_staff import PASSWORD, audit_actions, make_submission, sign_in

URGENT = cases()["fever_warm_knee"].answers
QUIET = cases()["knee_sports_injury"].answers


@pytest.fixture
def three(app):
    """A quiet submission, an urgent one, and an urgent one already reviewed."""
    quiet, urgent, reviewed = (make_submission(app, a) for a in (QUIET, URGENT, URGENT))
    with app.app_context():
        s = store.get_submission(reviewed)
        s.reviewed, s.reviewed_by, s.reviewed_at = True, "nurse", store.utcnow()
        store.session().commit()
        auth.create_staff("nurse", PASSWORD)
    return quiet, urgent, reviewed


def listed(html: str) -> list[str]:
    return re.findall(r'<td data-label="Reference"><a [^>]+>([0-9A-Z-]+)</a>', html)


def test_urgent_and_not_reviewed_come_first_with_counts(client, three):
    quiet, urgent, reviewed = three
    sign_in(client)
    html = client.get("/staff/").get_data(as_text=True)
    assert listed(html) == [urgent, quiet, reviewed]
    assert "Urgent</strong> Fever or chills with bone or joint pain</span>" in html  # why, in words
    counts = re.findall(r"<strong>(\d+)</strong> ([a-z ,]+)</a>", html)
    assert counts == [
        ("1", "urgent, not reviewed"),
        ("2", "not reviewed"),
        ("2", "urgent"),
        ("3", "in all"),
    ]
    assert "UTC" in html or "GMT" in html  # each time says its zone


def test_filters(client, three):
    quiet, urgent, reviewed = three
    sign_in(client)
    assert listed(client.get("/staff/?show=urgent").get_data(as_text=True)) == [urgent, reviewed]
    assert listed(client.get("/staff/?show=new").get_data(as_text=True)) == [urgent, quiet]
    past = client.get("/staff/?from=2001-01-01&to=2001-01-31").get_data(as_text=True)
    assert listed(past) == [] and "No submissions match" in past
    bad = client.get("/staff/?from=nonsense", follow_redirects=True).get_data(as_text=True)
    assert "not understood" in bad and set(listed(bad)) == {quiet, urgent, reviewed}


def test_the_clinics_day_not_utc(tmp_path):
    """A submission at 23:30 UTC is the next day in a clinic 14 hours ahead."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "INSTANCE_PATH": tmp_path / "instance",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'tz.sqlite'}",
            "TIMEZONE": "Pacific/Kiritimati",
        }
    )
    reference = make_submission(app, QUIET)
    with app.app_context():
        auth.create_staff("nurse", PASSWORD)
        store.get_submission(reference).created_at = datetime(2026, 3, 1, 23, 30)
        store.session().commit()
    client = app.test_client()
    sign_in(client)
    assert listed(client.get("/staff/?date=2026-03-01").get_data(as_text=True)) == []
    html = client.get("/staff/?date=2026-03-02").get_data(as_text=True)
    assert listed(html) == [reference] and "2 March 2026, 13:30 +14" in html


def test_print_all_new_gives_one_sheet_each(app, client, three):
    quiet, urgent, reviewed = three
    sign_in(client)
    html = client.get("/staff/print-new").get_data(as_text=True)
    sheets = re.findall(r'<article class="sheet sheet-([0-9A-Z-]+)"', html)
    assert sheets == [urgent, quiet], "the new ones, urgent first; not the reviewed one"
    css = client.get(f"/staff/print.css?r={urgent}&r={quiet}&r=nope").get_data(as_text=True)
    assert css.count("@page sheet-") == 2 and f'"Pre-visit summary {urgent}"' in css
    assert ("nurse", "print", urgent) in audit_actions(app)
    assert ("nurse", "print", reviewed) not in audit_actions(app)


def test_default_is_the_last_week(app, client, three):
    quiet, _, _ = three
    with app.app_context():
        store.get_submission(quiet).created_at = store.utcnow() - timedelta(days=8)
        store.session().commit()
    sign_in(client)
    assert quiet not in listed(client.get("/staff/").get_data(as_text=True))
