"""Issue 12, defects 4, 5, 9, 12 and 14: the database failing under the app.

A connection dropped mid-request, a read-only folder fixed while running, an
expired form with the database down, input the database refuses, and the
files' modes. Each is simulated on SQLite; with BME_TEST_POSTGRES_URL (CI),
PostgreSQL's backends are really terminated.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import threading
import uuid

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.exc import DataError, OperationalError

from webapp import create_app
from webapp import db as store
from webapp.cli import SERVE_THREADS

from .conftest import POSTGRES_URL
from .test_staff import PASSWORD, sign_in
from .web import (
    RUNNER,
    answer_all,
    csrf_token,
    failing_commits,
    page_data,
    post_form,
    start,
    submit,
)

FRIENDLY = "could not reach our records"


def _dropped(*_args, **_kwargs):
    raise OperationalError("ROLLBACK", {}, Exception("server closed the connection"))


def _assert_friendly_503(response):
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Content-Security-Policy" in response.headers
    assert response.headers["Cache-Control"] == "no-store"


# --- Defect 4: a connection dropped mid-request -------------------------------------


def test_teardown_never_raises_and_drops_the_connection(app, client, monkeypatch, caplog):
    """close() raising in the teardown: the page already decided is sent, the error's
    kind (never its text, which may quote a statement) is logged, and the session's
    connection is invalidated so the pool does not hand it out again."""
    answer_all(client, RUNNER)
    submit(client)
    invalidated = []
    real_invalidate = store.Session.invalidate
    monkeypatch.setattr(store.Session, "close", _dropped)
    monkeypatch.setattr(
        store.Session, "invalidate", lambda self: invalidated.append(1) or real_invalidate(self)
    )
    with caplog.at_level(logging.WARNING):
        response = client.get("/summary")  # its first view reads the submission
    assert response.status_code == 200
    assert "Content-Security-Policy" in response.headers
    assert invalidated
    assert "OperationalError" in caplog.text
    assert "server closed" not in caplog.text


def test_a_connection_dropped_mid_request_is_the_friendly_503(app, client, monkeypatch):
    """A query failing, then close() failing too: the friendly page, Retry-After, headers."""
    answer_all(client, RUNNER)
    monkeypatch.setattr(store, "get_draft", _dropped)
    monkeypatch.setattr(store.Session, "close", _dropped)
    for url in ("/", "/check", "/questions/about"):
        response = client.get(url)
        _assert_friendly_503(response)
        assert FRIENDLY in response.get_data(as_text=True)


def test_a_failed_save_is_the_page_again_with_retry_after(app, client, monkeypatch):
    start(client)
    about = page_data("about", RUNNER)
    token = csrf_token(client.get("/questions/about").get_data(as_text=True))
    with failing_commits(app, OperationalError("COMMIT", {}, Exception("server closed"))):
        response = client.post("/questions/about", data={"csrf_token": token, **about})
    _assert_friendly_503(response)


def test_a_connection_dropped_on_a_staff_page_is_the_staff_503(app, client, staff, monkeypatch):
    sign_in(client)
    monkeypatch.setattr(store.Session, "get", _dropped)
    monkeypatch.setattr(store.Session, "close", _dropped)
    response = client.get("/staff/")
    _assert_friendly_503(response)
    assert "The records are busy" in response.get_data(as_text=True)


@pytest.fixture
def pg_app(tmp_path):
    """An app on the CI's PostgreSQL whose connections carry a name of their own, so that
    terminating them touches no other connection."""
    if not POSTGRES_URL:
        pytest.skip("BME_TEST_POSTGRES_URL is not set (CI starts PostgreSQL)")
    name = f"bme_test_{uuid.uuid4().hex[:12]}"
    sep = "&" if "?" in POSTGRES_URL else "?"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "INSTANCE_PATH": tmp_path / "instance",
            "DATABASE_URL": f"{POSTGRES_URL}{sep}application_name={name}",
        }
    )
    admin = create_engine(POSTGRES_URL)

    def terminate() -> int:
        with admin.begin() as conn:
            return len(
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :name"
                    ),
                    {"name": name},
                ).all()
            )

    app.extensions["test_terminate"] = terminate
    yield app
    app.extensions["bme_engine"].dispose()
    admin.dispose()


def test_postgres_backends_terminated_mid_request(pg_app, monkeypatch):
    """The attack: backends terminated between a request's queries, and between
    requests. Never a 500 and nothing lost: the page decided, or the save made on a
    fresh connection; then it recovers."""
    terminate = pg_app.extensions["test_terminate"]
    client = pg_app.test_client()
    answer_all(client, RUNNER)
    real_get_draft = store.get_draft

    def then_terminated(token):
        draft = real_get_draft(token)
        assert terminate() >= 1
        return draft

    # Read, then the backend goes: the check page is already decided; close() meets the
    # dead connection in the teardown.
    monkeypatch.setattr(store, "get_draft", then_terminated)
    assert client.get("/check").status_code == 200
    # Read, then the backend goes before the save: the save checks out its own
    # connection, which the pool's pre-ping finds dead and replaces: saved, not lost.
    about = page_data("about", RUNNER | {"age_band": "over_60"})
    response = post_form(client, "/questions/about", about)
    assert response.status_code == 302
    with client.session_transaction() as s:
        token = s["draft"]
    with pg_app.app_context():
        assert real_get_draft(token).answers["age_band"] == "over_60"
    monkeypatch.setattr(store, "get_draft", real_get_draft)
    # Between requests: pool_pre_ping finds the dead connections and replaces them.
    statuses = []
    for _ in range(10):
        terminate()
        statuses.append(client.get("/check").status_code)
        statuses.append(post_form(client, "/questions/about", about).status_code)
    assert statuses == [200, 302] * 10


# --- Defect 5: a read-only database, fixed while the app runs --------------------------


def _sqlite_path(app) -> str:
    url = app.config["DATABASE_URL"]
    if not url.startswith("sqlite:///"):
        pytest.skip("SQLite only")
    return url.removeprefix("sqlite:///")


def test_read_only_connections_are_dropped_once_the_database_is_writable(app, client):
    """Real read-only SQLite connections (what a read-only folder gives, also as root):
    a save is refused with the friendly 503, and once the database can be written again
    the next save works, without a restart."""
    path = _sqlite_path(app)
    engine = app.extensions["bme_engine"]
    start(client)
    about = page_data("about", RUNNER)
    token = csrf_token(client.get("/questions/about").get_data(as_text=True))

    def read_only(_dialect, _record, _cargs, cparams):
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, **cparams)

    event.listen(engine, "do_connect", read_only)
    engine.dispose()  # the connections opened from now on are read-only
    for _ in range(3):  # as many as the pool may hold
        response = client.post("/questions/about", data={"csrf_token": token, **about})
        _assert_friendly_503(response)
    event.remove(engine, "do_connect", read_only)  # the folder is fixed
    response = client.post("/questions/about", data={"csrf_token": token, **about})
    assert response.status_code == 302


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores modes")
def test_a_read_only_folder_recovers_once_made_writable(tmp_path):
    """The attack as it was: the instance folder made read-only, then writable again."""
    folder = tmp_path / "instance"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": folder})
    client = app.test_client()
    start(client)
    about = page_data("about", RUNNER)
    app.extensions["bme_engine"].dispose()  # as after a restart: connections made anew
    for name in os.listdir(folder):
        os.chmod(folder / name, 0o400)
    os.chmod(folder, 0o500)
    try:
        assert post_form(client, "/questions/about", about).status_code == 503
    finally:
        os.chmod(folder, 0o700)
        for name in os.listdir(folder):
            os.chmod(folder / name, 0o600)
    assert post_form(client, "/questions/about", about).status_code == 302
    app.extensions["bme_engine"].dispose()


# --- Defect 9: an expired form while the database is down --------------------------------


def test_an_expired_question_form_with_the_database_down_keeps_every_answer(
    app, client, monkeypatch
):
    """Checkboxes too: every value typed on the page is shown again, with the 503."""
    app.config["TESTING"] = False  # CSRF checked as in production
    answer_all(client, RUNNER)
    monkeypatch.setattr(store, "get_draft", _dropped)
    monkeypatch.setattr(store.Session, "close", _dropped)
    about = page_data("about", RUNNER)
    response = client.post("/questions/about", data={"csrf_token": "expired", **about})
    _assert_friendly_503(response)
    html = response.get_data(as_text=True)
    assert FRIENDLY in html
    for values in about.values():
        for value in values if isinstance(values, list) else [values]:
            assert f'value="{value}"' in html
            assert "checked" in html.split(f'value="{value}"', 1)[1][:40], value
    assert 'name="csrf_token"' in html  # a fresh token: Continue works once it is back


def test_an_expired_form_elsewhere_with_the_database_down_is_no_500(app, client, monkeypatch):
    app.config["TESTING"] = False
    monkeypatch.setattr(store, "get_draft", _dropped)
    monkeypatch.setattr(store.Session, "get", _dropped)
    for url in ("/start", "/submit", "/notice", "/finish"):
        response = client.post(url, data={"csrf_token": "expired"})
        assert response.status_code in (400, 503), url
        assert "Content-Security-Policy" in response.headers


def test_an_expired_staff_form_with_the_database_down_is_no_500(app, client, staff, monkeypatch):
    """The staff error page asks who is signed in: with the database down, nobody."""
    sign_in(client)
    app.config["TESTING"] = False
    monkeypatch.setattr(store.Session, "get", _dropped)
    monkeypatch.setattr(store.Session, "close", _dropped)
    response = client.post("/staff/sign-out", data={"csrf_token": "expired"})
    assert response.status_code in (400, 503)
    assert "Content-Security-Policy" in response.headers


# --- Defect 12: input the database refuses --------------------------------------------


@pytest.mark.parametrize("bad", ["\x00", "\x01", "\x1b", "\x7f"])
def test_control_characters_on_a_question_page_are_a_400_keeping_the_answers(client, bad):
    """A NUL (which PostgreSQL refuses in text) or another control character no answer
    has: a 400 before the database, with the page shown again and what was typed kept."""
    answer_all(client, RUNNER)
    about = page_data("about", RUNNER)
    sent = {
        k: ([v + bad for v in vs] if isinstance(vs, list) else vs + bad) for k, vs in about.items()
    }
    response = post_form(client, "/questions/about", sent)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert bad not in html
    assert "Your saved answers are safe" in html
    for values in about.values():
        for value in values if isinstance(values, list) else [values]:
            assert "checked" in html.split(f'value="{value}"', 1)[1][:40], value


@pytest.mark.parametrize("bad", ["\x00", "\x01"])
def test_control_characters_elsewhere_are_a_400(client, staff, bad):
    assert client.get(f"/staff/find?reference=AB{bad}CD").status_code == 400
    page = client.get("/staff/sign-in")
    response = client.post(
        "/staff/sign-in",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "username": f"nurse{bad}",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 400


def test_input_the_database_refuses_is_a_400_not_an_outage(app, client, monkeypatch, caplog):
    """Defence in depth: whatever still reaches the database and is refused as data (a
    DataError: NUL in text on PostgreSQL, a value too long) is the request's fault, not
    an outage: 400 and a warning, not 503 and an ERROR line."""
    start(client)

    def refused(*_args, **_kwargs):
        raise DataError("SELECT", {}, Exception("text fields cannot contain NUL (0x00) bytes"))

    monkeypatch.setattr(store, "get_draft", refused)
    with caplog.at_level(logging.WARNING):
        response = client.get("/check")
    assert response.status_code == 400
    assert "Retry-After" not in response.headers
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "NUL" not in caplog.text  # the kind of error only


def test_a_nul_byte_reaching_postgres_is_a_400(pg_app):
    """On PostgreSQL itself: a NUL byte in a text parameter, past the input check."""

    def lookup():
        store.session().scalar(select(store.StaffUser).where(store.StaffUser.username == "a\x00b"))
        return "found nothing"

    pg_app.add_url_rule("/test-nul", view_func=lookup)
    assert pg_app.test_client().get("/test-nul").status_code == 400


# --- Defect 14: private files ---------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_database_files_are_private_whatever_the_umask(tmp_path):
    """0600 for the database, its -wal and -shm, 0700 for the instance folder, even with
    a umask that would make them world-writable."""
    old = os.umask(0)
    try:
        folder = tmp_path / "instance"
        app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": folder})
        client = app.test_client()
        answer_all(client, RUNNER)
        path = _sqlite_path(app)
        with app.extensions["bme_engine"].connect():  # a connection open: -wal and -shm exist
            for name in (path, f"{path}-wal", f"{path}-shm"):
                assert os.path.exists(name), name
                assert stat.S_IMODE(os.stat(name).st_mode) == 0o600, name
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
        app.extensions["bme_engine"].dispose()
    finally:
        os.umask(old)


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_an_existing_instance_folder_is_made_private(tmp_path):
    """A folder an older version made 0755 is made 0700 when the app starts."""
    folder = tmp_path / "instance"
    folder.mkdir()
    os.chmod(folder, 0o755)
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": folder})
    app.test_client().get("/")
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    app.extensions["bme_engine"].dispose()


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_a_database_file_not_ours_to_change_is_used_as_it_is(tmp_path, monkeypatch):
    """A file whose mode cannot be changed (another owner, an immutable file): chmod's
    PermissionError escaped the connection's set-up as a bare 500 on every page."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": tmp_path / "i"})
    os.chmod(_sqlite_path(app), 0o644)  # open to others, so that the app tries to change it
    app.extensions["bme_engine"].dispose()  # new connections, each set up again
    refused = []

    def not_ours(path, mode):
        refused.append(path)
        raise PermissionError(1, "Operation not permitted", path)

    monkeypatch.setattr(os, "chmod", not_ours)
    client = app.test_client()
    answer_all(client, RUNNER)
    assert refused, "the app never tried to change a mode: nothing was tested"
    assert submit(client).status_code == 302
    app.extensions["bme_engine"].dispose()


def test_the_log_names_the_databases_error_code_never_its_text():
    """'database unavailable (OperationalError)' told an operator nothing; the text would
    quote the statement, answers included. The code names the cause without either."""
    orig = sqlite3.OperationalError("attempt to write a readonly database")
    orig.sqlite_errorname = "SQLITE_READONLY"
    error = OperationalError("UPDATE drafts SET answers=?", ('{"pain_sites": ["hip"]}',), orig)
    assert store.error_kind(error) == "OperationalError SQLITE_READONLY"
    assert store.error_kind(OperationalError("SELECT 1", {}, Exception("x"))) == "OperationalError"


def test_every_waitress_thread_keeps_a_pooled_connection(app):
    """With SQLAlchemy's default pool (5) and `bme serve`'s 8 threads, each request past
    the fifth opened a database connection of its own and closed it after: on
    PostgreSQL a new backend per request under load."""
    engine = app.extensions["bme_engine"]
    opened = []
    event.listen(engine, "connect", lambda *_: opened.append(1))
    together = threading.Barrier(SERVE_THREADS)

    def hold_one():
        with engine.connect():
            together.wait(timeout=10)  # every thread holds a connection at once

    for _round in range(2):
        before = len(opened)
        threads = [threading.Thread(target=hold_one) for _ in range(SERVE_THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=15)
    assert len(opened) - before == 0, "the second round opened new connections"
