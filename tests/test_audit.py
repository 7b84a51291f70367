"""The audit log a clinic can use: pages, filters, links, counted failures, CSV, retention."""

import csv
import io
import re
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, inspect, select, text

from webapp import auditlog, auth, create_app
from webapp import db as store
from webapp.cli import main as bme

from .test_staff import PASSWORD, make_submission, sign_in
from .web import csrf_token


@pytest.fixture
def staff(app):
    with app.app_context():
        auth.create_staff("nurse", PASSWORD)
    return "nurse"


@pytest.fixture
def fast_unknown_names(monkeypatch):
    """The scrypt check of an unknown name (0.1 s each) skipped, so that 500 tries run fast.

    Only the dummy hash is skipped: real accounts are checked as always.
    """
    real = auth.check_password_hash

    def check(hash_, password):
        return False if hash_ == auth._DUMMY_HASH else real(hash_, password)

    monkeypatch.setattr(auth, "check_password_hash", check)


def fail_sign_ins(client, n: int, username="intruder{}", password="guess {}"):
    token = csrf_token(client.get("/staff/sign-in").get_data(as_text=True))
    for i in range(n):
        response = client.post(
            "/staff/sign-in",
            data={
                "csrf_token": token,
                "username": username.format(i),
                "password": password.format(i),
            },
        )
        assert response.status_code == 401


def rows(app, **where) -> list[store.AuditEvent]:
    with app.app_context():
        query = select(store.AuditEvent).order_by(store.AuditEvent.id)
        for name, value in where.items():
            query = query.where(getattr(store.AuditEvent, name) == value)
        return list(store.session().scalars(query))


def add_rows(app, n: int, *, start: datetime, step=timedelta(minutes=1), **values):
    """n audit rows, one a ``step`` apart from ``start`` on."""
    with app.app_context():
        db = store.session()
        for i in range(n):
            fields = {"actor": "nurse", "action": "view", "detail": "", **values}
            fields = {k: (v.format(i) if isinstance(v, str) else v) for k, v in fields.items()}
            db.add(store.AuditEvent(at=start + i * step, **fields))
        db.commit()


def table_rows(html: str) -> list[str]:
    body = html.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in html else ""
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


# --- Failed sign-ins cannot bury staff actions ---------------------------------------------


def test_500_anonymous_failures_then_a_staff_action_is_on_the_first_page(
    app, client, staff, fast_unknown_names
):
    app.config["STAFF_SIGN_IN_PER_MINUTE"] = 10_000  # the audit is under test, not the limit
    reference = make_submission(app)
    sign_in(client)
    attacker = app.test_client()
    fail_sign_ins(attacker, 500)
    client.get(f"/staff/submissions/{reference}")  # the staff action

    counted = rows(app, action="sign_in_failed")
    assert len(counted) == 1 and counted[0].count == 500
    assert counted[0].actor == auth.UNKNOWN_ACTOR and "127.0.0.0/24" in counted[0].detail
    assert not any("intruder" in e.actor or "guess" in e.detail for e in rows(app))

    html = client.get("/staff/audit").get_data(as_text=True)
    page = table_rows(html)
    assert len(page) == 3  # the view, the counted failures, the sign-in
    assert "Viewed a submission" in page[0] and f">{reference}</a>" in page[0]
    assert "500 tries" in page[1] and "Failed sign-in" in page[1]
    assert "Signed in" in page[2]
    assert "Failed sign-in: <strong>500</strong> in 1 row" in html


def test_failures_are_counted_per_network_and_hour(app, staff, fast_unknown_names):
    def from_address(address, n):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        fail_sign_ins(client, n)

    from_address("203.0.113.7", 3)
    from_address("203.0.113.200", 2)  # the same /24: the same row
    from_address("198.51.100.1", 4)
    from_address("2001:db8:1:2::5", 1)
    from_address("2001:db8:1:ffff::9", 1)  # the same /48
    counts = {e.detail.split("from ")[1]: e.count for e in rows(app, action="sign_in_failed")}
    assert counts == {"203.0.113.0/24": 5, "198.51.100.0/24": 4, "2001:db8:1::/48": 2}
    assert not any("203.0.113.7" in e.detail for e in rows(app))

    # The next hour starts a new row.
    with app.app_context():
        for e in store.session().scalars(select(store.AuditEvent)):
            e.at, e.first_at = e.at - timedelta(hours=1), e.first_at - timedelta(hours=1)
            e.bucket = e.bucket[:-1] + "x"  # the key of an hour past
        store.session().commit()
    from_address("203.0.113.7", 1)
    assert len(rows(app, action="sign_in_failed")) == 4


def test_many_networks_share_one_row_beyond_the_limit(app, staff, fast_unknown_names):
    for i in range(auth.SOURCES_PER_HOUR + 5):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.{i}.1"
        fail_sign_ins(client, 2)
    failed = rows(app, action="sign_in_failed")
    assert len(failed) == auth.SOURCES_PER_HOUR + 1
    other = [e for e in failed if auth.OTHER_SOURCES in e.detail]
    assert len(other) == 1 and other[0].count == 10
    assert sum(e.count for e in failed) == 2 * (auth.SOURCES_PER_HOUR + 5)


def test_lockout_still_works_and_tries_while_locked_are_counted(app, staff):
    app.config["STAFF_SIGN_IN_PER_MINUTE"] = 10_000  # the lockout is under test, not the limit
    client = app.test_client()
    for _ in range(5):
        assert sign_in(client, password="wrong password here").status_code == 401
    for _ in range(20):
        assert sign_in(client).status_code == 401  # locked: even the right password
    failed = rows(app, action="sign_in_failed", actor="nurse")
    assert [e.detail for e in failed[:5]] == ["wrong password"] * 5
    assert [e.count for e in failed[:5]] == [None] * 5  # individual rows: they feed lockout
    assert len(failed) == 6 and failed[5].count == 20 and "account locked" in failed[5].detail
    assert len(rows(app, action="account_locked")) == 1
    with app.app_context():
        user = store.session().scalar(select(store.StaffUser))
        user.locked_until = store.utcnow() - timedelta(seconds=1)
        store.session().commit()
    assert sign_in(client).status_code == 302


def test_workers_counting_at_once_add_to_one_row(tmp_path):
    """Threads (like waitress's) on one database: every try counted, in one row."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "s",
            "INSTANCE_PATH": tmp_path / "i",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        }
    )
    start = threading.Barrier(8)
    errors = []

    def worker():
        try:
            start.wait()
            for _ in range(15):
                with app.test_request_context(environ_base={"REMOTE_ADDR": "192.0.2.9"}):
                    auth.count_failure(auth.UNKNOWN_ACTOR, "sign_in_failed", "unknown user name")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [e.count for e in rows(app)] == [120]
    app.extensions["bme_engine"].dispose()


def test_an_older_audit_table_gets_the_new_columns_and_index(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE audit_events (id INTEGER PRIMARY KEY, at DATETIME, "
                "actor VARCHAR(80), action VARCHAR(40), reference VARCHAR(20), detail VARCHAR(200))"
            )
        )
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "s", "INSTANCE_PATH": tmp_path / "i", "DATABASE_URL": url}
    )
    columns = {c["name"] for c in inspect(engine).get_columns("audit_events")}
    assert {"count", "first_at", "bucket"} <= columns
    unique = {i["name"]: i["unique"] for i in inspect(engine).get_indexes("audit_events")}
    assert unique.get("ix_audit_events_bucket")
    for _ in range(2):
        with app.test_request_context():
            auth.count_failure(auth.UNKNOWN_ACTOR, "sign_in_failed", "unknown user name")
    assert [e.count for e in rows(app)] == [2]
    app.extensions["bme_engine"].dispose()
    engine.dispose()


# --- Paging -------------------------------------------------------------------------------


def test_pages_of_fifty_newest_first_with_links_that_keep_the_filters(app, client, staff):
    add_rows(app, 120, start=datetime(2026, 3, 1, 9), action="print", detail="row {}")
    add_rows(app, 3, start=datetime(2026, 3, 1, 8), action="view", detail="view {}")
    sign_in(client)
    html = client.get("/staff/audit?action=print").get_data(as_text=True)
    page = table_rows(html)
    assert len(page) == auditlog.PAGE_SIZE
    assert "row 119<" in page[0] and "row 70<" in page[-1]
    assert "<strong>120</strong> rows match these filters: rows 1 to 50" in html
    assert "Page 1 of 3" in html and "Previous page" not in html
    nxt = re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    assert "action=print" in nxt and "page=2" in nxt
    html = client.get(nxt).get_data(as_text=True)
    assert "row 69<" in table_rows(html)[0] and 'rel="prev"' in html
    last = client.get("/staff/audit?action=print&page=3").get_data(as_text=True)
    assert len(table_rows(last)) == 20 and 'rel="next"' not in last
    assert "row 0<" in table_rows(last)[-1]
    # A page that is not a number is the first; one past the end is the last.
    assert "row 119<" in client.get("/staff/audit?action=print&page=abc").get_data(as_text=True)
    assert "Page 3 of 3" in client.get("/staff/audit?action=print&page=999").get_data(as_text=True)


# --- Filters ------------------------------------------------------------------------------


def test_filter_by_action_person_and_code(app, client, staff):
    first, second = make_submission(app), make_submission(app)
    sign_in(client)
    client.get(f"/staff/submissions/{first}")
    client.get(f"/staff/submissions/{second}/print")
    add_rows(app, 2, start=store.utcnow(), actor="Alex", action="view", reference=first)

    html = client.get("/staff/audit?action=print").get_data(as_text=True)
    assert [second in r for r in table_rows(html)] == [True]
    html = client.get("/staff/audit?person=ALEX").get_data(as_text=True)  # any case
    assert len(table_rows(html)) == 2 and all(">Alex<" in r for r in table_rows(html))
    assert client.get("/staff/audit?person=ale").get_data(as_text=True).count("<tr>") == 0
    typed = first.lower().replace("-", " ")  # as a person types it
    html = client.get(f"/staff/audit?reference={typed}").get_data(as_text=True)
    assert len(table_rows(html)) == 3 and second not in html.split("<tbody>")[1]
    assert "No rows match" in client.get("/staff/audit?reference=nonsense").get_data(as_text=True)
    html = client.get(f"/staff/audit?reference={first}&person=nurse").get_data(as_text=True)
    assert len(table_rows(html)) == 1
    # The counts by action link to that action, keeping the other filters.
    html = client.get("/staff/audit?person=nurse").get_data(as_text=True)
    assert "Viewed a submission: <strong>1</strong>" in html
    assert re.search(r'href="/staff/audit\?[^"]*action=view[^"]*person=nurse', html) or re.search(
        r'href="/staff/audit\?[^"]*person=nurse[^"]*action=view', html
    )


@pytest.fixture
def zoned_app(tmp_path):
    """A clinic in Auckland: 13 hours ahead of UTC in March (summer time)."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "s",
            "INSTANCE_PATH": tmp_path / "i",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
            "TIMEZONE": "Pacific/Auckland",
        }
    )
    with app.app_context():
        auth.create_staff("nurse", PASSWORD)
    yield app
    app.extensions["bme_engine"].dispose()


def test_dates_are_the_clinics_days_and_times_its_clock(zoned_app):
    app, client = zoned_app, zoned_app.test_client()
    # 11:30 UTC on 1 March is 00:30 on 2 March in Auckland.
    add_rows(app, 1, start=datetime(2026, 3, 1, 11, 30, 5), action="delete", detail="late")
    add_rows(app, 1, start=datetime(2026, 3, 1, 10, 59, 0), action="delete", detail="early")
    sign_in(client)
    html = client.get("/staff/audit?from=2026-03-02&to=2026-03-02").get_data(as_text=True)
    assert [("late" in r) for r in table_rows(html)] == [True]
    assert "2 March 2026, 00:30:05 NZDT" in html
    assert 'datetime="2026-03-01T11:30:05Z"' in html
    html = client.get("/staff/audit?from=2026-03-01&to=2026-03-01").get_data(as_text=True)
    assert [("early" in r) for r in table_rows(html)] == [True]
    # From after to: the two are swapped, not an empty page.
    html = client.get("/staff/audit?from=2026-03-02&to=2026-02-28").get_data(as_text=True)
    assert len(table_rows(html)) == 2
    assert 'name="from" type="date" value="2026-02-28"' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=nonsense", "From: “nonsense” is not a date."),
        ("to=2026-02-30", "To: “2026-02-30” is not a date."),
        ("from=0001-01-01", "From: 0001-01-01 is out of range."),  # before year 1 in UTC
        ("to=9999-12-31", "To: 9999-12-31 is out of range."),
        ("from=2026-03-01&to=%ff%fe", "” is not a date."),
    ],
)
def test_bad_dates_are_said_clearly_never_a_500(zoned_app, query, message):
    client = zoned_app.test_client()
    sign_in(client)
    response = client.get(f"/staff/audit?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and "<title>Error: Audit log" in html
    assert message in html
    assert "<tbody>" not in html  # no unfiltered rows taken for filtered ones
    assert 'aria-invalid="true"' in html
    csv_response = client.get(f"/staff/audit.csv?{query}")
    assert csv_response.status_code == 302 and "/staff/audit?" in csv_response.location


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_ends_of_the_calendar_in_the_servers_zone(app, client, staff, day):
    sign_in(client)
    response = client.get(f"/staff/audit?from={day}&to={day}")
    assert response.status_code == 400
    assert f"From: {day} is out of range." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "page=-1",
        "page=1e9",
        "page=99999999999999999999999",
        "action=" + "x" * 500,
        "person=%27%22%3Cscript%3E",
        "reference=%E2%80%AE%00",
        "from=2026-03-01T10:00",
        "from=20260301",
        "to=+002026-03-01",
    ],
)
def test_odd_filters_are_a_page(app, client, staff, query):
    sign_in(client)
    response = client.get(f"/staff/audit?{query}")
    assert response.status_code in (200, 400)
    assert "<script>" not in response.get_data(as_text=True)


# --- Codes as links -----------------------------------------------------------------------


def test_codes_link_to_their_submission_and_deleted_ones_are_text(app, client, staff):
    kept, gone = make_submission(app), make_submission(app)
    sign_in(client)
    client.get(f"/staff/submissions/{kept}")
    confirm = client.get(f"/staff/submissions/{gone}/delete").get_data(as_text=True)
    client.post(f"/staff/submissions/{gone}/delete", data={"csrf_token": csrf_token(confirm)})
    html = client.get("/staff/audit").get_data(as_text=True)
    assert f'<a href="/staff/submissions/{kept}">{kept}</a>' in html
    assert f"{gone} (deleted)" in html and f'href="/staff/submissions/{gone}"' not in html


# --- CSV ----------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode())  # for Excel
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_export_of_the_filtered_rows_is_audited(app, client, staff):
    add_rows(app, 120, start=datetime(2026, 3, 1, 9), action="print", detail="row {}")
    add_rows(app, 2, start=datetime(2026, 3, 1, 8), action="view", detail="view {}")
    sign_in(client)
    html = client.get("/staff/audit?action=print").get_data(as_text=True)
    link = re.search(r'href="(/staff/audit\.csv[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "Download these 120 rows (CSV)" in html and "action=print" in link
    response = client.get(link)
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="audit-log-\d{4}-\d{2}-\d{2}\.csv"', disposition)
    table = read_csv(response)
    assert table[0] == auditlog.CSV_HEADER
    assert len(table) == 121  # every page, not only the first
    assert table[1][2:6] == ["Printed a submission", "print", "", "row 119"]
    assert all(r[3] == "print" for r in table[1:])
    # Times in the clinic's zone with their offset, to the second.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", table[1][0])
    exports = rows(app, action="export_audit")
    assert len(exports) == 1 and exports[0].actor == "nurse"
    assert exports[0].detail == "120 rows; action=print"


def test_csv_cells_cannot_be_formulas(app, client, staff):
    nasty = ['=HYPERLINK("http://x","y")', "+1+2", "-3+4", "@SUM(A1)", "\t=1", "\r=2"]
    for i, value in enumerate(nasty):
        add_rows(app, 1, start=datetime(2026, 3, 1, 9, i), actor=value, detail=value)
    sign_in(client)
    table = read_csv(client.get("/staff/audit.csv?action=view"))
    cells = {c for r in table[1:] for c in (r[1], r[5])}
    assert cells == {"'" + v for v in nasty}
    assert auditlog.csv_cell("a=1") == "a=1" and auditlog.csv_cell(None) == ""


def test_the_counted_rows_export_with_their_count(app, client, staff, fast_unknown_names):
    fail_sign_ins(app.test_client(), 7)
    sign_in(client)
    table = read_csv(client.get("/staff/audit.csv?action=sign_in_failed"))
    assert [r[6] for r in table[1:]] == ["7"]
    assert table[1][1] == auth.UNKNOWN_ACTOR and table[1][7] <= table[1][0]


# --- Retention ----------------------------------------------------------------------------


def test_purge_trims_the_audit_log_to_a_year_by_default(app, staff):
    from webapp.staff import purge

    now = store.utcnow()
    add_rows(app, 1, start=now - timedelta(days=400), detail="old")
    add_rows(app, 1, start=now - timedelta(days=300), detail="kept")
    with app.app_context():
        done = purge(90)
    assert done.audit_rows == 1 and done.submissions == 0
    details = [e.detail for e in rows(app)]
    assert "old" not in details and "kept" in details
    assert "0 submissions older than 90 days, 1 audit rows older than 365 days" in details[-1]
    with app.app_context():
        assert purge(90, audit_days=200).audit_rows == 1
    assert "kept" not in [e.detail for e in rows(app)]
    assert [e.action for e in rows(app)] == ["purge", "purge"]  # a purge is never trimmed away


def test_purge_command_uses_the_audit_retention_setting(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BME_INSTANCE_PATH", str(tmp_path / "i"))
    monkeypatch.setenv("BME_SECRET_KEY", "k")
    url = f"sqlite:///{tmp_path / 'i' / 'bme.sqlite'}"
    app = create_app({"SECRET_KEY": "k", "INSTANCE_PATH": tmp_path / "i", "DATABASE_URL": url})
    now = store.utcnow()
    add_rows(app, 1, start=now - timedelta(days=40), detail="forty")
    add_rows(app, 1, start=now - timedelta(days=10), detail="ten")
    app.extensions["bme_engine"].dispose()

    assert bme(["purge"]) == 0
    assert "Trimmed 0 audit log row(s) older than 365 days." in capsys.readouterr().out
    monkeypatch.setenv("BME_AUDIT_RETENTION_DAYS", "30")
    assert bme(["purge"]) == 0
    assert "Trimmed 1 audit log row(s) older than 30 days." in capsys.readouterr().out
    assert bme(["purge", "--audit-days", "5"]) == 0
    assert "Trimmed 1 audit log row(s) older than 5 days." in capsys.readouterr().out
    for bad in ["0", "a year"]:
        monkeypatch.setenv("BME_AUDIT_RETENTION_DAYS", bad)
        assert bme(["purge"]) == 2
        assert "BME_AUDIT_RETENTION_DAYS" in capsys.readouterr().err
    with app.app_context():
        left = store.session().scalar(
            select(func.count()).select_from(store.AuditEvent).where(store.AuditEvent.detail != "")
        )
    assert left == 3  # the three purges' own rows
    app.extensions["bme_engine"].dispose()
