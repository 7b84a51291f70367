"""Bad input, forged requests, a locked or missing database: clear pages, never a
500, and no answer lost. Headers on every route; no answers in cookies or logs."""

import logging
import re
import sqlite3
import time
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules.content import catalogue
from webapp import create_app
from webapp import db as store

from .web import RUNNER, answer_all, csrf_token, page_data, path_of, start, submit


def saved(app, client) -> dict:
    with client.session_transaction() as s:
        token = s["draft"]
    with app.app_context():
        return store.session().get(store.Draft, token).answers


# --- Headers -----------------------------------------------------------------------


def routes(app):
    """Every GET route in the URL map, with sample arguments: none can be forgotten."""
    samples = {
        "section_id": "about",
        "filename": "style.css",
        "reference": "AAAA-BBBB-CCCC",
        "question_id": "athlete",
        "case_id": "minimal",
        "statement_id": "about_bme",
        "topic": "infection",
    }
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods:
            yield rule.endpoint, rule.build({k: samples[k] for k in rule.arguments})[1]


def test_every_route_sends_security_headers(app, client):
    answer_all(client, RUNNER)
    seen = 0
    for endpoint, url in routes(app):
        response = client.get(url)
        h = response.headers
        csp = h["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, url
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "same-origin"
        if endpoint != "static":
            assert h["Cache-Control"] == "no-store", url
        response.close()  # static files are streamed from an open file
        seen += 1
    assert seen >= 5


def test_error_pages_send_headers_too(client):
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_no_inline_scripts_or_styles(client):
    answer_all(client, RUNNER)
    for url in ["/", "/questions/about", "/check"]:
        html = client.get(url).get_data(as_text=True)
        assert "<style" not in html and " style=" not in html
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert not re.search(r"\son[a-z]+=", html)


# --- Cookies -----------------------------------------------------------------------


def session_cookie(client):
    return client.get_cookie("bme_session")


def test_session_cookie_holds_no_answers(app, client):
    answer_all(client, RUNNER)
    cookie = session_cookie(client)
    data = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    assert set(data) <= {"draft", "_permanent", "csrf_token", "_flashes"}
    for value in ["hip_groin", "training_increase", "xray", "18_29"]:
        assert value not in str(data)


def test_cookie_flags(client):
    response = start(client)
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert "Secure" not in header
    assert "Expires=" in header, "drafts survive a closed tab in the same browser"


def test_cookie_is_secure_over_https(app):
    client = app.test_client()
    page = client.get("/", base_url="https://clinic.example")
    token = csrf_token(page.get_data(as_text=True))
    response = client.post(
        "/start",
        base_url="https://clinic.example",
        data={"csrf_token": token},
        headers={"Referer": "https://clinic.example/"},
    )
    assert "Secure" in response.headers["Set-Cookie"]


def test_tampered_session_cookie_is_a_fresh_start(client):
    answer_all(client, RUNNER)
    cookie = session_cookie(client)
    client.set_cookie("bme_session", cookie.value[:-4] + "AAAA")
    response = client.get("/check")
    assert response.status_code == 302 and path_of(response) == "/"


def test_guessed_draft_token_finds_nothing(client):
    start(client)
    with client.session_transaction() as s:
        s["draft"] = "not-a-real-token"
    assert path_of(client.get("/questions/about")) == "/"


# --- CSRF -----------------------------------------------------------------------------


@pytest.fixture
def csrf_app(tmp_path):
    return create_app(
        {
            "SECRET_KEY": "test-secret",
            "INSTANCE_PATH": tmp_path / "instance",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'csrf.sqlite'}",
            "WTF_CSRF_TIME_LIMIT": 1,
        }
    )


@pytest.mark.parametrize("token", [None, "forged-token", "expired"])
def test_bad_csrf_token_on_a_question_page_keeps_the_answers(csrf_app, token):
    client = csrf_app.test_client()
    answer_all(client, RUNNER)
    before = saved(csrf_app, client)
    data = {"age_band": "40_60", "sex": "female"}
    if token == "expired":
        data["csrf_token"] = csrf_token(client.get("/questions/about").get_data(as_text=True))
        time.sleep(2.1)
    elif token:
        data["csrf_token"] = token
    response = client.post("/questions/about?change=1", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "timed out" in html
    assert re.search(r'value="40_60"\s+checked', html), "what was typed is shown again"
    assert saved(csrf_app, client) == before, "nothing saved from an untrusted request"
    # With the fresh token on that page, pressing the button again works.
    retry = client.post("/questions/about?change=1", data={**data, "csrf_token": csrf_token(html)})
    assert retry.status_code == 302
    assert saved(csrf_app, client)["age_band"] == "40_60"


@pytest.mark.parametrize("url", ["/start", "/submit", "/finish"])
def test_bad_csrf_token_elsewhere_is_a_friendly_page(csrf_app, url):
    client = csrf_app.test_client()
    answer_all(client, RUNNER)
    response = client.post(url, data={"csrf_token": "forged"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "timed out" in html and "Go back to your answers" in html
    assert saved(csrf_app, client) == RUNNER


# --- Database trouble ------------------------------------------------------------------


@pytest.fixture
def locked_db(tmp_path):
    """An app on SQLite with a short busy timeout, and a way to hold the database locked."""
    path = tmp_path / "locked.sqlite"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "s",
            "INSTANCE_PATH": tmp_path / "instance",
            "DATABASE_URL": f"sqlite:///{path}",
            "DATABASE_BUSY_TIMEOUT_MS": 50,
        }
    )

    @contextmanager
    def locked():
        locker = sqlite3.connect(path, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            locker.execute("ROLLBACK")
            locker.close()

    return app, locked


def test_locked_database_keeps_the_page_and_the_answers(locked_db):
    app, locked = locked_db
    client = app.test_client()
    answer_all(client, RUNNER)
    token = csrf_token(client.get("/questions/about").get_data(as_text=True))
    data = {"csrf_token": token, "age_band": "over_60", "sex": "female"}
    with locked():
        response = client.post("/questions/about?change=1", data=data)
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "could not save" in html
    assert re.search(r'value="over_60"\s+checked', html)
    assert saved(app, client) == RUNNER
    retry = client.post("/questions/about?change=1", data=data)
    assert retry.status_code == 302 and saved(app, client)["age_band"] == "over_60"


def test_locked_database_on_submit_is_a_503_page(locked_db):
    app, locked = locked_db
    client = app.test_client()
    answer_all(client, RUNNER)
    token = csrf_token(client.get("/check").get_data(as_text=True))
    with locked():
        response = client.post("/submit", data={"csrf_token": token})
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "try again" in response.get_data(as_text=True)
    assert path_of(submit(client)) == "/summary", "the answers survived; submit works now"


def test_database_down(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "s",
            "INSTANCE_PATH": tmp_path / "instance",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.sqlite'}",
        }
    )
    client = app.test_client()
    assert client.get("/").status_code == 200
    response = start(client)
    assert response.status_code == 503
    assert "try again" in response.get_data(as_text=True)


# --- Size limits and malformed input ------------------------------------------------------


def test_oversized_request_is_413_page(client):
    start(client)
    token = csrf_token(client.get("/questions/about").get_data(as_text=True))
    response = client.post(
        "/questions/about", data={"csrf_token": token, "age_band": "x" * 100_000}
    )
    assert response.status_code == 413
    assert "too much" in response.get_data(as_text=True)


def test_many_unknown_fields_change_nothing(app, client):
    answer_all(client, RUNNER)
    token = csrf_token(client.get("/questions/about").get_data(as_text=True))
    data = {"csrf_token": token, **{f"f{i}": "1" for i in range(500)}}
    response = client.post("/questions/about?change=1", data=data)
    assert response.status_code == 200  # the page again, asking for its answers
    assert "There is a problem" in response.get_data(as_text=True)
    assert saved(app, client) == RUNNER


def test_too_many_multipart_parts_is_rejected_cleanly(client):
    start(client)
    token = csrf_token(client.get("/questions/about").get_data(as_text=True))
    data = {"csrf_token": token, **{f"f{i}": "1" for i in range(500)}}
    response = client.post("/questions/about", data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "<!doctype html>" in response.get_data(as_text=True)


def test_wrong_method_is_a_page(client):
    response = client.post("/check")
    assert response.status_code in (400, 405)
    assert "<!doctype html>" in response.get_data(as_text=True)


SECTIONS = list(catalogue().sections)
junk = st.one_of(
    st.text(max_size=40),
    st.sampled_from([v for q in catalogue().questions.values() for v in q.values]),
)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    section=st.sampled_from(SECTIONS),
    fields=st.dictionaries(
        st.sampled_from([*catalogue().questions, "csrf_token", "x"]),
        st.lists(junk, max_size=4),
        max_size=8,
    ),
)
def test_any_input_on_any_page_is_handled(app, section, fields):
    client = app.test_client()
    answer_all(client, RUNNER)
    before = saved(app, client)
    page = client.get(f"/questions/{section}?change=1")
    if page.status_code != 200:
        return  # a page this person does not see (redirects)
    token = csrf_token(page.get_data(as_text=True))
    response = client.post(f"/questions/{section}?change=1", data={**fields, "csrf_token": token})
    assert response.status_code in (200, 302, 400, 413)
    after = saved(app, client)
    if response.status_code != 302:
        assert after == before, "a rejected page changes nothing"
    else:
        # Only this page's answers (and those no longer asked) may change.
        on_page = {q.id for q in catalogue().section_questions(section)}
        for qid, value in before.items():
            if qid not in on_page and qid in after:
                assert after[qid] == value


# --- Logs and secrets ---------------------------------------------------------------------


def test_no_answers_in_logs(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    answers = {**RUNNER, "medical_history": ["cancer", "osteonecrosis"]}
    answer_all(client, answers)
    submit(client)
    client.get("/summary")
    text = caplog.text + "".join(str(r.args) for r in caplog.records)
    for secret in ["osteonecrosis", "hip_groin", "training_increase", "cancer"]:
        assert secret not in text


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(RuntimeError, match="BME_SECRET_KEY"):
        create_app(
            {
                "PRODUCTION": True,
                "INSTANCE_PATH": tmp_path / "i",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite'}",
            }
        )


def test_development_key_is_kept_so_workers_agree(tmp_path):
    config = {"INSTANCE_PATH": tmp_path / "i", "DATABASE_URL": f"sqlite:///{tmp_path / 'd.sqlite'}"}
    first = create_app(dict(config))
    second = create_app(dict(config))
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    assert (tmp_path / "i" / "secret_key").stat().st_mode & 0o077 == 0


def test_the_cookie_is_sent_again_on_each_save_not_on_each_page(app, client):
    """The draft lasts DRAFT_HOURS from its last save, and so does the cookie: a saved
    page sends it again with that expiry; a page only shown does not re-sign it."""
    from email.utils import parsedate_to_datetime

    start(client)
    client.get("/questions/about")  # the first page keeps a form token in the cookie
    shown = client.get("/questions/about")
    assert shown.status_code == 200
    assert "Set-Cookie" not in shown.headers
    token = csrf_token(shown.get_data(as_text=True))
    saved = client.post(
        "/questions/about", data={"csrf_token": token, **page_data("about", RUNNER)}
    )
    assert saved.status_code == 302
    header = saved.headers["Set-Cookie"]
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", header).group(1))
    hours = (expires - datetime.now(UTC)).total_seconds() / 3600
    assert app.config["DRAFT_HOURS"] - 0.1 < hours <= app.config["DRAFT_HOURS"]
