"""The patient's journey through Flask's test client: every path, nothing lost."""

import itertools
import random
import re
import time
from datetime import datetime

import pytest
from sqlalchemy import func, select

from rules.content import catalogue
from rules.engine import evaluate
from webapp import create_app
from webapp import db as store
from webapp.cli import main
from webapp.wizard import pages, prune

from .web import (
    RUNNER,
    answer_all,
    continue_after_notice,
    csrf_token,
    page_data,
    path_of,
    post_form,
    start,
    submit,
)


def draft_answers(app, client) -> dict:
    with client.session_transaction() as s:
        token = s["draft"]
    with app.app_context():
        return store.session().get(store.Draft, token).answers


def test_start_page_says_what_this_is(client):
    html = client.get("/").get_data(as_text=True)
    assert "not a diagnosis" in html
    assert "Not for emergencies" in html
    assert "What happens to your answers" in html
    assert "5 to 10 minutes" in html


def test_whole_journey(app, client):
    visited = answer_all(client, RUNNER)
    assert visited == [s.id for s in pages(RUNNER)]
    assert draft_answers(app, client) == RUNNER
    response = submit(client)
    assert path_of(response) == "/summary"
    html = client.get("/summary").get_data(as_text=True)
    reference = re.search(r'class="reference-code">([0-9A-Z-]+)<', html).group(1)
    # 12 random characters and a check character: XXXX-XXXX-XXXXX (tests/test_reference.py).
    assert re.fullmatch(
        r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{5}", reference
    )
    assert store.normalise_reference(reference) == reference
    # What to do now (with the urgent notice), then the key points, then the rest.
    assert html.index(">What to do now</h2>") < html.index('id="statement-urgent_hip_stress"')
    assert html.index('id="statement-urgent_hip_stress"') < html.index("Key points to raise")
    assert html.index("Key points to raise") < html.index("More about your answers")
    expected = evaluate(RUNNER)
    for statement in expected.statements:
        assert f'id="statement-{statement.id}"' in html
    assert "<details" in html and "Cleveland Clinic Health Library" in html
    assert "academic medical centre patient education" in html
    assert "This is not a diagnosis." in html
    with app.app_context():
        stored = store.get_submission(reference)
        assert stored.answers == RUNNER
        assert stored.result == expected.to_dict()
        assert stored.urgent and stored.kb_version == expected.version


def test_show_when_skips_the_pregnancy_page_for_men(client):
    answers = {**RUNNER, "sex": "male"}
    del answers["pregnancy"]
    visited = answer_all(client, answers)
    assert "pregnancy" not in visited
    page = client.get("/questions/about").get_data(as_text=True)
    assert f"Page 1 of {len(visited)}" in page


def test_progress_counts_only_pages_this_person_sees(client):
    start(client)
    post_form(client, "/questions/about", {"age_band": "40_60", "sex": "male"})
    html = client.get("/questions/pain").get_data(as_text=True)
    assert f"Page 2 of {len(pages({'sex': 'male'}))}" in html
    assert len(pages({"sex": "male"})) == len(pages({"sex": "female"})) - 1


def test_back_links_go_to_the_previous_page(client):
    answer_all(client, RUNNER)
    html = client.get("/questions/injury").get_data(as_text=True)
    assert 'class="back-link" href="/questions/pattern"' in html
    html = client.get("/questions/about").get_data(as_text=True)
    assert 'class="back-link" href="/"' in html


def test_change_returns_to_check_and_asks_new_questions(app, client):
    answers = {**RUNNER, "sex": "male"}
    del answers["pregnancy"]
    answer_all(client, answers)
    check = client.get("/check").get_data(as_text=True)
    assert 'href="/questions/about?change=1#sex-group"' in check
    response = post_form(
        client, "/questions/about?change=1", {"age_band": "18_29", "sex": "female"}
    )
    # Changing sex reveals the pregnancy question: ask it, then back to the check page.
    assert path_of(response) == "/questions/pregnancy"
    response = post_form(client, "/questions/pregnancy?change=1", {"pregnancy": "no"})
    assert path_of(response) == "/check"
    assert draft_answers(app, client)["pregnancy"] == "no"


def test_changing_an_answer_drops_answers_no_longer_asked(app, client):
    answer_all(client, RUNNER)
    post_form(client, "/questions/injury?change=1", {"injury": "no", "injury_kind": ["sports"]})
    saved = draft_answers(app, client)
    assert saved["injury"] == "no" and "injury_kind" not in saved


def test_validation_errors_keep_what_was_given(client):
    start(client)
    response = post_form(client, "/questions/about", {"age_band": "30_39"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and 'href="#sex-female"' in html
    assert 'id="sex-error"' in html
    assert re.search(r'value="30_39"\s+checked', html), "the answer given stays chosen"
    assert html.startswith("<!doctype html>") and "<title>Error: " in html


def test_exclusive_options_cannot_be_combined(client):
    answer_all(client, RUNNER)
    response = post_form(
        client, "/questions/tests?change=1", {"imaging": ["none", "mri"], "mri_result": "bme"}
    )
    html = response.get_data(as_text=True)
    assert "on its own" in html
    assert re.search(r'value="mri"\s+checked', html)


def test_forged_option_is_an_error_not_a_crash(app, client):
    answer_all(client, RUNNER)
    before = draft_answers(app, client)
    response = post_form(
        client,
        "/questions/about?change=1",
        {"age_band": "<script>alert(1)</script>", "sex": "female"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Choose from the options shown" in html and "<script>alert" not in html
    assert draft_answers(app, client) == before


def test_conditional_question_shown_with_a_note_without_javascript(client):
    answer_all(client, RUNNER)
    html = client.get("/questions/injury").get_data(as_text=True)
    assert 'data-show-when="injury"' in html
    assert "Answer this only if you chose “Yes” above." in html


# --- Skipping ahead, expiry, double submit ------------------------------------


@pytest.mark.parametrize("url", ["/questions/tests", "/questions/treatment", "/check"])
def test_skipping_ahead_goes_to_the_first_unanswered_page(client, url):
    start(client)
    post_form(client, "/questions/about", {"age_band": "40_60", "sex": "male"})
    response = client.get(url)
    assert response.status_code == 302 and path_of(response) == "/questions/pain"


def test_submit_before_finishing_goes_to_the_first_unanswered_page(client):
    start(client)
    token = csrf_token(client.get("/questions/about").get_data(as_text=True))
    response = client.post("/submit", data={"csrf_token": token})
    assert path_of(response) == "/questions/about"


def test_unknown_page_is_404(client):
    start(client)
    response = client.get("/questions/nope")
    assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)


def test_no_draft_goes_to_the_start_with_a_message(client):
    response = client.get("/questions/about")
    assert path_of(response) == "/"
    assert "start again" in client.get("/").get_data(as_text=True)


def test_expired_draft(app, client):
    answer_all(client, RUNNER)
    with client.session_transaction() as s:
        token = s["draft"]
    with app.app_context():
        draft = store.session().get(store.Draft, token)
        draft.updated_at = store.utcnow() - store.timedelta(hours=25)
        store.session().commit()
    assert path_of(client.get("/check")) == "/"


def test_double_submit_stores_one_submission(app, client):
    answer_all(client, RUNNER)
    token = csrf_token(client.get("/check").get_data(as_text=True))
    first = client.post("/submit", data={"csrf_token": token})
    second = client.post("/submit", data={"csrf_token": token})
    assert path_of(first) == path_of(second) == "/summary"
    with app.app_context():
        count = store.session().scalar(select(func.count()).select_from(store.Submission))
    assert count == 1


def test_after_submit_answers_cannot_change(client):
    answer_all(client, RUNNER)
    submit(client)
    assert path_of(client.get("/questions/about")) == "/summary"
    assert path_of(client.get("/check")) == "/summary"


def test_finish_and_clear(app, client):
    answer_all(client, RUNNER)
    submit(client)
    with client.session_transaction() as s:
        token = s["draft"]
    html = client.get("/summary").get_data(as_text=True)
    response = client.post("/finish", data={"csrf_token": csrf_token(html)})
    assert "cleared" in response.get_data(as_text=True)
    with client.session_transaction() as s:
        assert "draft" not in s
    with app.app_context():
        assert store.session().get(store.Draft, token) is None
        # The clinic keeps the submission.
        assert store.session().scalar(select(func.count()).select_from(store.Submission)) == 1
    assert path_of(client.get("/summary")) == "/"


def test_pruned_answers_are_what_gets_evaluated():
    answers = {**RUNNER, "sex": "male"}
    assert "pregnancy" not in prune(answers)


# --- Start again on a shared device ---------------------------------------------------


def test_start_again_clears_the_draft_and_starts_a_new_one(app, client):
    start(client)
    post_form(client, "/questions/about", {"age_band": "40_60", "sex": "male"})
    with client.session_transaction() as s:
        old = s["draft"]
    html = client.get("/").get_data(as_text=True)
    assert "Continue where you left off" in html
    assert 'action="/start-again"' in html and ">Start again</button>" in html
    response = client.post("/start-again", data={"csrf_token": csrf_token(html)})
    assert path_of(response) == "/questions/about"
    with client.session_transaction() as s:
        new = s["draft"]
    assert new != old
    with app.app_context():
        assert store.session().get(store.Draft, old) is None
    assert draft_answers(app, client) == {}
    html = client.get("/").get_data(as_text=True)
    assert "Start now" in html and "Start again" not in html


def test_start_again_needs_the_form_token(app, client):
    start(client)
    post_form(client, "/questions/about", {"age_band": "40_60", "sex": "male"})
    response = client.post("/start-again", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert draft_answers(app, client) == {"age_band": "40_60", "sex": "male"}


def test_no_start_again_before_any_answer(client):
    start(client)
    html = client.get("/").get_data(as_text=True)
    assert "Start again" not in html


# --- Progress that does not jump ------------------------------------------------------

PROGRESS = re.compile(r'class="progress-text" id="progress">Page (\d+) of (\d+)<')


def progress_on_each_page(client, answers: dict) -> list[tuple[int, int]]:
    """(page, total) as shown on each page of a whole journey, in order."""
    response = start(client)
    seen = []
    while path_of(response).startswith(("/questions/", "/notice")):
        if path_of(response) == "/notice":
            response = continue_after_notice(client, response)
            continue
        section = path_of(response).rsplit("/", 1)[1]
        html = client.get(f"/questions/{section}").get_data(as_text=True)
        seen.append(tuple(map(int, PROGRESS.search(html).groups())))
        response = client.post(
            f"/questions/{section}",
            data={"csrf_token": csrf_token(html), **page_data(section, answers)},
        )
    assert path_of(response) == "/check"
    return seen


MAN = {k: v for k, v in {**RUNNER, "sex": "male"}.items() if k != "pregnancy"}


@pytest.mark.parametrize("answers", [RUNNER, MAN], ids=["pregnancy-page", "ruled-out"])
def test_progress_total_never_grows(client, answers):
    seen = progress_on_each_page(client, answers)
    numbers = [n for n, _ in seen]
    totals = [t for _, t in seen]
    assert numbers == list(range(1, len(seen) + 1))
    assert all(a >= b for a, b in itertools.pairwise(totals)), totals
    assert totals[-1] == len(seen) == len(pages(answers)), "the last page is page N of N"


# --- The clinic's time zone -----------------------------------------------------------

NOVEMBER = datetime(2026, 11, 22, 14, 5)  # naive UTC, as stored
JULY = datetime(2026, 7, 1, 13, 5)


def shown(app, when: datetime) -> str:
    return app.jinja_env.from_string("{{ when|local_time }}").render(when=when)


def zone_app(tmp_path, zone: str):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "k",
            "INSTANCE_PATH": tmp_path / "instance",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'tz.sqlite'}",
            "TIMEZONE": zone,
        }
    )


def test_local_time_in_the_clinic_zone(tmp_path):
    london = zone_app(tmp_path, "Europe/London")
    assert shown(london, NOVEMBER) == "22 November 2026, 14:05 GMT"
    assert shown(london, JULY) == "1 July 2026, 14:05 BST"
    new_york = zone_app(tmp_path, "America/New_York")
    assert shown(new_york, NOVEMBER) == "22 November 2026, 09:05 EST"
    assert shown(zone_app(tmp_path, "UTC"), NOVEMBER) == "22 November 2026, 14:05 UTC"


def test_local_time_defaults_to_the_servers_zone(app, monkeypatch):
    assert app.config["TIMEZONE"] == ""
    try:
        monkeypatch.setenv("TZ", "Asia/Tokyo")
        time.tzset()
        assert shown(app, NOVEMBER) == "22 November 2026, 23:05 JST"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_time_zone_is_read_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("BME_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("BME_SECRET_KEY", "k")
    monkeypatch.setenv("BME_TIMEZONE", "Australia/Sydney")
    assert shown(create_app(), NOVEMBER) == "23 November 2026, 01:05 AEDT"


@pytest.mark.parametrize("zone", ["Europe/Londres", "../../etc/passwd", "GMT+1"])
def test_unknown_time_zone_stops_the_app_at_start_up(tmp_path, monkeypatch, capsys, zone):
    with pytest.raises(RuntimeError, match=r"BME_TIMEZONE.*Europe/London"):
        zone_app(tmp_path, zone)
    monkeypatch.setenv("BME_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("BME_SECRET_KEY", "k")
    monkeypatch.setenv("BME_TIMEZONE", zone)
    assert main(["serve", "--port", "1"]) == 2
    assert "is not a time zone known here" in capsys.readouterr().err


# --- Accessible descriptions ------------------------------------------------------------


def test_fieldset_description_leaves_out_the_help(client):
    start(client)
    html = client.get("/questions/about").get_data(as_text=True)
    assert "Why we ask this" in html
    assert "-why" not in re.findall(r"<fieldset[^>]*>", html)[0]
    assert not re.search(r'aria-describedby="[^"]*-why', html)
    html = post_form(client, "/questions/about", {"age_band": "30_39"}).get_data(as_text=True)
    assert 'aria-describedby="sex-error"' in html


def test_kept_question_pages_are_the_pages_rendered_fresh(app, client, monkeypatch):
    """A question page is kept per view and only given a token: over many answer sets,
    each page served (perhaps kept from another person's visit) is exactly the page
    rendered afresh for this person, in change mode too."""
    from webapp import patient
    from webapp.views import Rendered

    from .answer_sets import random_answers

    start(client)
    with client.session_transaction() as s:
        token = s["draft"]
    rng = random.Random(20261122)
    token_value = re.compile(r'name="csrf_token" type="hidden" value="[^"]*"')
    kept = 0
    for _ in range(60):
        answers = random_answers(rng, skip=0.3)
        with app.app_context():
            store.session().get(store.Draft, token).answers = answers
            store.session().commit()
        for section in catalogue().sections:
            for query in ("", "?change=1"):
                path = f"/questions/{section}{query}"
                served = client.get(path)
                monkeypatch.setattr(patient, "QUESTION_PAGES", Rendered())
                fresh = client.get(path)
                assert served.status_code == fresh.status_code, path
                assert served.headers.get("Location") == fresh.headers.get("Location"), path
                if served.status_code == 200:
                    kept += 1
                    assert token_value.sub("", served.get_data(as_text=True)) == token_value.sub(
                        "", fresh.get_data(as_text=True)
                    ), (path, answers)
                monkeypatch.undo()
    assert kept > 150  # pages were shown, not only redirected
