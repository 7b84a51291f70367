"""Helpers for driving the wizard through Flask's test client, as a browser would."""

from __future__ import annotations

import re
from contextlib import contextmanager
from urllib.parse import urlsplit

from sqlalchemy import event

from rules.answers import chosen
from rules.content import cases
from webapp.wizard import shown_questions

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def path_of(response) -> str:
    return urlsplit(response.headers["Location"]).path


def post_form(client, url: str, data: dict | None = None, **kwargs):
    """GET the page for a fresh token, then POST the data with it."""
    page = client.get(url)
    token = csrf_token(page.get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


def start(client):
    page = client.get("/")
    return client.post("/start", data={"csrf_token": csrf_token(page.get_data(as_text=True))})


def page_data(section_id: str, answers: dict) -> dict:
    """The form fields a person would send on one page for these answers."""
    return {
        q.id: chosen(answers, q.id) for q in shown_questions(section_id, answers) if q.id in answers
    }


def continue_after_notice(client, response):
    """On an urgent notice, press its one button as a person would; returns the redirect."""
    url = response.headers["Location"]
    html = client.get(url).get_data(as_text=True)
    shown = re.findall(r'name="notice" value="([^"]+)"', html)
    assert shown, "no notice on the notice page"
    return client.post(url, data={"csrf_token": csrf_token(html), "notice": shown})


def answer_all(client, answers: dict):
    """Start and answer page after page until the check page; returns the pages visited.

    Urgent notices that interrupt on the way are read and continued past.
    """
    response = start(client)
    visited = []
    while path_of(response).startswith(("/questions/", "/notice")):
        if path_of(response) == "/notice":
            response = continue_after_notice(client, response)
            assert response.status_code == 302, response.get_data(as_text=True)[:2000]
            continue
        section = path_of(response).rsplit("/", 1)[1]
        visited.append(section)
        assert len(visited) < 30, "the wizard goes round in circles"
        response = post_form(client, f"/questions/{section}", page_data(section, answers))
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert path_of(response) == "/check"
    return visited


def submit(client):
    page = client.get("/check")
    assert page.status_code == 200
    return client.post("/submit", data={"csrf_token": csrf_token(page.get_data(as_text=True))})


#: Every page answered, with an urgent notice (a bundled case).
RUNNER = cases()["complete_questionnaire"].answers


@contextmanager
def failing_commits(app, error: Exception):
    """Every commit on the app's database raises ``error``, as a locked, full or
    read-only database makes it: ORM sessions and Core writes alike."""
    engine = app.extensions["bme_engine"]

    def refuse(_connection):
        raise error

    event.listen(engine, "commit", refuse)
    try:
        yield
    finally:
        event.remove(engine, "commit", refuse)
