"""Issue 12: defects found by an attack on the running app, each kept fixed by a test."""

import os
import stat
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from webapp import auth, security
from webapp import db as store

from .test_staff import PASSWORD, sign_in
from .web import (
    RUNNER,
    answer_all,
    csrf_token,
    failing_commits,
    page_data,
    path_of,
    post_form,
    start,
    submit,
)


def test_a_far_date_on_the_worklist_is_said_not_a_500(app, client):
    """Defect 7: /staff/?date=9999-12-31 raised OverflowError."""
    with app.app_context():
        auth.create_staff("nurse", PASSWORD)
    sign_in(client)
    for query in ("date=9999-12-31", "from=0001-01-01", "to=9999-12-31", "from=1999-12-31"):
        response = client.get(f"/staff/?{query}", follow_redirects=True)
        assert response.status_code == 200, query
        assert "not understood" in response.get_data(as_text=True), query


def test_security_headers_everywhere_and_hsts_over_https(client):
    """Defect 10: Cross-Origin-Resource-Policy always; HSTS when the request came over HTTPS,
    also on errors the app makes itself (404, 405)."""
    for response in (client.get("/"), client.get("/nope"), client.put("/start")):
        assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in response.headers
    secure = client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_nul_byte_is_a_400_not_a_database_outage(client):
    """Defect 12: PostgreSQL refuses NUL in text; it was reported as a 503 outage."""
    assert client.get("/staff/find?reference=AB%00CD").status_code == 400
    response = start(client)
    section = path_of(response).rsplit("/", 1)[1]
    page = post_form(client, f"/questions/{section}", {"age_band": "40_60\x00"})
    assert page.status_code == 400
    assert "Your saved answers are safe" in page.get_data(as_text=True)


def test_a_dropped_connection_at_teardown_is_no_bare_500(app, client, monkeypatch):
    """Defect 4: db.close() raising in the teardown escaped the app as a bare 500."""
    answer_all(client, RUNNER)

    def dropped(self):
        raise OperationalError("ROLLBACK", {}, Exception("server closed the connection"))

    submit(client)
    monkeypatch.setattr(store.Session, "close", dropped)
    response = client.get("/summary")  # its first view reads the submission
    assert response.status_code == 200
    assert "Content-Security-Policy" in response.headers


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_the_database_files_are_private(app, client):
    """Defect 14: the SQLite file and its WAL were 0644 in a 0755 folder."""
    answer_all(client, RUNNER)  # writes, so the -wal file exists
    url = app.config["DATABASE_URL"]
    if not url.startswith("sqlite:///"):
        pytest.skip("SQLite only")
    path = url.removeprefix("sqlite:///")
    for name in (path, f"{path}-wal"):
        if os.path.exists(name):
            assert stat.S_IMODE(os.stat(name).st_mode) == 0o600, name
    assert stat.S_IMODE(os.stat(app.instance_path).st_mode) == 0o700


def test_parallel_guesses_check_no_more_passwords_than_the_limit(app, monkeypatch):
    """Defect 1: the lock was read before a slow password check, so parallel guesses
    each got checked (12 per burst instead of 5), and a right one then let in."""
    import threading

    from werkzeug import security

    with app.app_context():
        user = auth.create_staff("nurse", PASSWORD)
        real_hash = user.password_hash
    checked = []
    lock = threading.Lock()
    slow_check = security.check_password_hash

    def counting(stored, password):
        if stored == real_hash:
            with lock:
                checked.append(password)
        return slow_check(stored, password)

    monkeypatch.setattr(auth, "check_password_hash", counting)
    results = []

    def guess(n):
        with app.app_context():
            results.append(auth.authenticate("nurse", f"wrong guess {n}") is not None)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    limit = app.config["STAFF_LOCKOUT_AFTER"]
    assert not any(results)
    assert len(checked) <= limit, f"{len(checked)} passwords checked; the limit is {limit}"
    with app.app_context():
        assert auth.authenticate("nurse", PASSWORD) is None, "locked: even the right one waits"


@pytest.mark.parametrize(
    "password",
    [" " * 12, "  short one  ", "password1234", "qwertyuiopasdf", "nurse-nurse-nurse"],
)
def test_weak_passwords_are_refused(app, password):
    """Defect 15: twelve spaces were a password; common ones were not checked."""
    with app.app_context(), pytest.raises(auth.PasswordError):
        auth.create_staff("nurse", password)


def test_a_sent_summary_does_not_outlive_the_visit(app, client):
    """Defect 13: the draft cookie lasted 24 h, so a shared device showed the summary
    after the browser was closed and opened again."""
    from .web import submit

    answer_all(client, RUNNER)
    response = submit(client)
    cookie = response.headers.get("Set-Cookie", "")
    assert "bme_session=" in cookie and "Expires=" not in cookie, "ends with the browser"
    assert client.get("/summary").status_code == 200
    start_page = client.get("/").get_data(as_text=True)
    assert "Not your summary?" in start_page and "/start-again" in start_page
    with app.app_context():
        for draft in store.session().scalars(select(store.Draft)):
            draft.updated_at = store.utcnow() - store.sent_lifetime() - timedelta(minutes=1)
        store.session().commit()
    assert path_of(client.get("/summary")) != "/summary"  # gone from this browser


def test_replacing_the_cookie_ends_the_staff_session_on_the_server(app, client):
    """Defect 6: signing in again, or the patient start in the same browser, replaced the
    cookie but left the old staff session alive on the server."""
    with app.app_context():
        auth.create_staff("nurse", PASSWORD)

    def live_sessions() -> int:
        with app.app_context():
            return len(store.session().scalars(select(store.StaffSession)).all())

    sign_in(client)
    assert live_sessions() == 1
    sign_in(client)  # again, in the same browser
    assert live_sessions() == 1
    start(client)  # a patient starts in this browser
    assert live_sessions() == 0


def test_a_sign_in_flood_is_refused_before_any_password_is_hashed(app, client, monkeypatch):
    """Defect 2: every attempt ran scrypt, so ~9 attempts a second filled two cores and
    patients waited. Past the per-source limit, attempts cost no hashing at all."""
    with app.app_context():
        auth.create_staff("nurse", PASSWORD)
    hashed = []
    real = auth.check_password_hash
    monkeypatch.setattr(auth, "check_password_hash", lambda h, p: hashed.append(1) or real(h, p))
    limit = app.config["STAFF_SIGN_IN_PER_MINUTE"]
    token = csrf_token(client.get("/staff/sign-in").get_data(as_text=True))
    guess = {"csrf_token": token, "username": "someone", "password": "wrong guess here"}
    statuses = [client.post("/staff/sign-in", data=guess).status_code for _ in range(limit + 5)]
    assert statuses[:limit] == [401] * limit
    assert statuses[limit:] == [429] * 5
    assert len(hashed) == limit, "no password hashed past the limit"
    assert client.get("/").status_code == 200  # the patients' pages are not limited


def test_the_window_is_per_network_and_moves_on(monkeypatch):
    """A full window refuses that network only, and a minute later lets it try again."""
    import limits.storage.memory

    now = [1_000_000.0]
    monkeypatch.setattr(limits.storage.memory.time, "time", lambda: now[0])
    window = auth.AttemptWindow(3)
    assert [window.allow("198.51.100.0/24") for _ in range(4)] == [True, True, True, False]
    assert window.full("198.51.100.0/24")
    assert not window.full("203.0.113.0/24") and window.allow("203.0.113.0/24")
    now[0] += 61
    assert not window.full("198.51.100.0/24") and window.allow("198.51.100.0/24")


def test_past_the_limit_the_sign_in_is_refused_before_flask_runs(app, client):
    """Defect 2, under a flood: a refusal that still read the session, made a form token
    and rendered a page let eight clients make a patient's page 9.5 times slower. Past
    the limit the gate answers (page and form alike) before any of the app's code."""
    reached = []
    app.before_request(lambda: reached.append(1) and None)
    token = csrf_token(client.get("/staff/sign-in").get_data(as_text=True))
    guess = {"csrf_token": token, "username": "someone", "password": "wrong guess here"}
    for _ in range(app.config["STAFF_SIGN_IN_PER_MINUTE"]):
        client.post("/staff/sign-in", data=guess)
    reached.clear()
    for refused in (client.get("/staff/sign-in"), client.post("/staff/sign-in", data=guess)):
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "60"
        assert refused.headers["Content-Security-Policy"] == security.CSP
        assert refused.headers["Cache-Control"] == "no-store"
        assert "Too many sign-in attempts" in refused.get_data(as_text=True)
    assert reached == [], "the app's code ran for a refused request"
    assert client.get("/").status_code == 200
    assert reached, "other pages pass the gate"


def test_password_hashing_runs_one_at_a_time(monkeypatch):
    """Defect 2: at most one scrypt at once per process; others wait, then are told."""
    monkeypatch.setattr(auth, "HASH_WAIT", 0.01)
    with auth.hashing_slot(), pytest.raises(auth.SignInBusy), auth.hashing_slot():
        pass


def test_an_expired_form_while_the_database_is_down_keeps_what_was_typed(app, client, monkeypatch):
    """Defect 9: a bad form token with the database down was a 500 (the handler read the
    draft), and the answers typed on the page were not shown again."""
    app.config["TESTING"] = False  # CSRF checked as in production
    response = start(client)
    section = path_of(response).rsplit("/", 1)[1]

    def down(_token):
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(store, "get_draft", down)
    page = client.post(f"/questions/{section}", data={"age_band": "40_60", "csrf_token": "old"})
    html = page.get_data(as_text=True)
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "could not reach our records" in html
    assert 'value="40_60"' in html and "checked" in html.split('value="40_60"', 1)[1][:40]


def test_a_read_only_database_recovers_once_fixed(app, client, monkeypatch):
    """Defect 5: SQLite connections opened read-only stayed in the pool: 503 until a
    restart, even after the folder was made writable again."""
    import sqlite3

    start(client)
    engine = app.extensions["bme_engine"]
    disposed = []
    real_dispose = engine.dispose
    monkeypatch.setattr(engine, "dispose", lambda *a, **k: disposed.append(1) or real_dispose())
    read_only = OperationalError(
        "UPDATE", {}, sqlite3.OperationalError("attempt to write a readonly database")
    )
    about = page_data("about", RUNNER)
    with failing_commits(app, read_only):
        assert post_form(client, "/questions/about", about).status_code == 503
    assert disposed, "the read-only connections are dropped"
    assert post_form(client, "/questions/about", about).status_code == 302  # fixed


@pytest.mark.parametrize(
    "headers, status",
    [
        ({}, 302),  # no Referer at all (a privacy setting): the token is enough
        ({"Referer": "https://clinic.example/questions/about"}, 302),
        ({"Origin": "https://clinic.example"}, 302),
        ({"Origin": "https://evil.example"}, 400),
        ({"Referer": "https://evil.example/page"}, 400),
        ({"Referer": "https://clinic.example.evil.example/"}, 400),
    ],
)
def test_https_posts_need_no_referer_but_refuse_other_sites(app, headers, status):
    """Defect 11: over HTTPS, a browser that sends no Referer could never save a page."""
    app.config["TESTING"] = False  # CSRF checked as in production
    client = app.test_client()
    page = client.get("/", base_url="https://clinic.example")
    response = client.post(
        "/start",
        base_url="https://clinic.example",
        data={"csrf_token": csrf_token(page.get_data(as_text=True))},
        headers=headers,
    )
    assert response.status_code == status


def test_errors_waitress_answers_itself_carry_the_security_headers(app):
    """Defect 10: a malformed request is answered by waitress, before the app; that
    answer carried none of the security headers. `bme serve` swaps its error task."""
    import socket
    import threading

    from webapp.serving import make_server

    server = make_server(app, host="127.0.0.1", port=0, threads=1)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.effective_port), timeout=10) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nonsense\r\n\r\n")
            reply = b""
            while chunk := s.recv(65536):
                reply += chunk
    finally:
        server.close()
        server.task_dispatcher.shutdown()
    head = reply.split(b"\r\n\r\n", 1)[0].decode().lower()
    assert head.startswith("http/1.1 400"), head
    assert f"content-security-policy: {security.CSP}".lower() in head
    assert "x-content-type-options: nosniff" in head
    assert "cache-control: no-store" in head
