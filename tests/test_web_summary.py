"""The patient's summary page: what to do now, key points, the rest one tap away.

Its sizes on a phone and on paper are measured in the browser
(tests/browser/test_summary_shape.py); here, what the HTML holds and in what order.
"""

from __future__ import annotations

import re

from markupsafe import escape

from rules.content import EMERGENCY, cases, catalogue
from rules.engine import evaluate
from webapp import db as store

from .test_web_notice import CANCER, INFECTION, QUIET, draft, urgent, walk
from .web import submit


def summary(client, answers: dict) -> str:
    walk(client, answers)
    submit(client)
    return client.get("/summary").get_data(as_text=True)


def order(html: str, *needles: str) -> list[int]:
    return [html.index(n) for n in needles]


def test_the_parts_come_in_order(client):
    html = summary(client, INFECTION)
    places = order(
        html,
        ">What to do now</h2>",
        "Key points to raise with your clinician",
        "More about your answers",
        'class="reference-code"',
        'id="answers-heading"',
        'id="sources-heading"',
        'id="statement-safety_net"',
        'id="finish-heading"',
    )
    assert places == sorted(places)


def test_key_points_are_shown_and_the_rest_is_closed(client):
    html = summary(client, QUIET)
    keys = re.findall(r'<li class="statement key-point" id="statement-(\w+)"', html)
    assert keys[0] == "about_bme" and 1 <= len(keys) <= 6
    more = re.findall(r'<details class="statement more-item" id="statement-(\w+)">', html)
    assert more and not set(more) & set(keys)
    # Closed by default: no <details open> anywhere on the summary.
    assert "<details open" not in html
    made = set(evaluate(QUIET).statement_ids)
    shown = set(re.findall(r'id="statement-(\w+)"', html))
    assert shown == made


def test_every_citation_is_in_the_page(client):
    html = summary(client, INFECTION)
    result = evaluate(INFECTION)
    assert html.count('<blockquote class="quote">') == sum(
        len(s.citations) for s in result.statements
    )
    for s in result.statements:
        for pid in s.citations:
            assert str(escape(catalogue().passages[pid].quote)) in html


def test_the_emergency_words_are_said_once(client):
    for answers in (INFECTION, QUIET):
        html = summary(client, answers)
        main = html[html.index("<main") : html.index("</main>")]
        assert main.count("If you feel very unwell or it is an emergency, call") == 1
        assert EMERGENCY not in html
        client.post("/finish", data={})  # a new browser for the next walk
        client.delete_cookie("session")


def test_medical_terms_are_explained_on_the_summary(client):
    html = summary(client, cases()["steroids_hip_osteonecrosis"].answers)
    assert "MRI (imaging with a strong magnet" in html or "MRI scan (imaging" in html


def test_an_old_submission_with_a_retired_statement_still_shows(app, client):
    walk(client, QUIET)
    submit(client)
    with app.app_context():
        db = store.session()
        submission = store.get_submission(draft(app, client).reference)
        result = dict(submission.result)
        result["statements"] = [
            *result["statements"],
            {
                "id": "retired_topic",
                "level": "info",
                "title": "A retired topic",
                "text": "Words from an older knowledge base.",
                "citations": [{"passage": "cc_exam"}],
                "rests_on": [],
            },
        ]
        submission.result = result
        db.commit()
    html = client.get("/summary").get_data(as_text=True)
    assert 'id="statement-retired_topic"' in html
    assert "Words from an older knowledge base." in html


def test_a_sent_summary_keeps_the_quotes_it_was_sent_with(app, client):
    """A passage changed after a summary was sent (cc_common_finding was shortened, for
    one) showed the new words in the old summary: what the person read is what stays."""
    walk(client, QUIET)
    submit(client)
    reference = draft(app, client).reference
    with app.app_context():
        db = store.session()
        submission = store.get_submission(reference)
        result = dict(submission.result)
        first = result["statements"][0]
        old = {**first["citations"][0], "quote": "The words this passage had back then."}
        result["statements"] = [{**first, "citations": [old, *first["citations"][1:]]}]
        result["statements"] += submission.result["statements"][1:]
        submission.result = result
        db.commit()
    assert "The words this passage had back then." in client.get("/summary").get_data(as_text=True)


# --- Rendered once ---------------------------------------------------------------------


def test_a_sent_summary_is_rendered_once(client, monkeypatch):
    from webapp import patient

    calls = []
    real = patient.summary_view
    monkeypatch.setattr(patient, "summary_view", lambda result: calls.append(1) or real(result))
    first = summary(client, QUIET)
    second = client.get("/summary").get_data(as_text=True)
    assert len(calls) == 1
    body = first[first.index("<h1>") : first.index('id="finish-heading"')]
    assert body == second[second.index("<h1>") : second.index('id="finish-heading"')]
    # The finish form is not kept: each page has the token of its own session.
    assert 'name="csrf_token"' in second


def test_rendered_pages_drop_the_least_recently_used():
    from webapp.views import Rendered

    pages = Rendered(size=2)
    made = []

    def render(name):
        return lambda: made.append(name) or f"<p>{name}</p>"

    assert pages.get("a", render("a")) == "<p>a</p>"
    pages.get("b", render("b"))
    pages.get("a", render("a"))  # a is used again: b is now the oldest
    pages.get("c", render("c"))  # b goes
    pages.get("a", render("a"))
    pages.get("b", render("b"))
    assert made == ["a", "b", "c", "b"]


def test_an_urgent_items_why_does_not_repeat_its_instruction(client):
    """The instruction is shown in bold beside the sign's name; "Why" gives what they told
    us and what the sources say, without saying the instruction a second time."""
    html = summary(client, INFECTION)
    item = html.split('id="statement-urgent_infection"', 1)[1].split("</li>", 1)[0]
    do = str(escape(catalogue().warnings["urgent_infection"].do))
    assert item.count(do) == 1
    why = item.split("<summary>Why</summary>", 1)[1]
    assert "You told us about a fever or chills" in why and do not in why


def test_one_warning_is_not_called_several(app):
    """The heading over the notices, and the instruction above it, fit one notice or more."""
    both = {**INFECTION, "medical_history": CANCER["medical_history"]}
    for answers, heading in (
        (INFECTION, "The warning sign in your answers"),
        (both, "The warning signs in your answers"),
    ):
        html = summary(app.test_client(), answers)
        shown = re.findall(r'<li class="warning" id="statement-(\w+)"', html)
        assert shown == urgent(answers) and len(shown) == (1 if answers is INFECTION else 2)
        assert f'class="warnings-heading">{heading}</h3>' in html
        instruction = html.split('id="statement-next_step_today">', 1)[1].split("</p>", 1)[0]
        assert not re.search(r"\b(?:each|every|all|both)\b|warning signs", instruction)
