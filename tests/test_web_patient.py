"""The patient's journey through Flask's test client: every path, nothing lost."""

import re

import pytest
from sqlalchemy import func, select

from rules.engine import evaluate
from webapp import db as store
from webapp.wizard import pages, prune

from .web import RUNNER, answer_all, csrf_token, path_of, post_form, start, submit


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
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){2}", reference)
    # Urgent notices first, then topics to discuss, then background.
    assert html.index("Contact a clinician promptly") < html.index("To discuss with your")
    assert html.index("To discuss with your") < html.index(">Background<")
    expected = evaluate(RUNNER)
    for statement in expected.statements:
        assert f'id="statement-{statement.id}"' in html
    assert "<details>" in html and "Cleveland Clinic Health Library" in html
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
