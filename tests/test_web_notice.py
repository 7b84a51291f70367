"""Urgent notices that interrupt the questionnaire (the NHS 111 pattern).

When the answers saved on a page complete a warning pattern, the next screen is
the notice; its one button goes on to where the person was going. Each notice
interrupts once per draft, is stored with the submission, and stands first on
the summary.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from markupsafe import escape
from sqlalchemy import inspect, text
from sqlalchemy.exc import OperationalError

from rules.content import catalogue
from rules.engine import evaluate
from webapp import create_app
from webapp import db as store
from webapp.views import call_first, what_to_do

from .web import (
    RUNNER,
    answer_all,
    continue_after_notice,
    csrf_token,
    failing_commits,
    page_data,
    path_of,
    post_form,
    start,
    submit,
)

#: Every page answered, and no warning pattern among the answers.
QUIET = {
    **{k: v for k, v in RUNNER.items() if k != "injury_kind"},
    "pain_sites": ["knee"],
    "pain_course": "better",
    "pain_pattern": ["stairs"],
    "injury": "no",
    "athlete": "no",
    "overload": ["none"],
}
INFECTION = {**QUIET, "fever": "yes", "swelling": "yes"}  # both on the "pattern" page
CANCER = {**QUIET, "medical_history": ["cancer"]}  # the "history" page
HIP_STRESS = {**QUIET, "pain_sites": ["hip_groin"], "athlete": "yes"}  # completed on "activity"


def urgent(answers: dict) -> list[str]:
    return [s.id for s in evaluate(answers).statements if s.level == "urgent"]


def title(statement_id: str) -> str:
    return str(escape(catalogue().statements[statement_id].title))


def statement_text(answers: dict, statement_id: str) -> str:
    """A statement's text as these answers make it, as it appears in HTML."""
    made = {s.id: s for s in evaluate(answers).statements}
    return str(escape(made[statement_id].text))


def walk(client, answers: dict, pages: dict | None = None) -> dict[str, list[str]]:
    """Answer page after page to the check page, continuing past every notice.

    Returns, for each page whose save was interrupted, the notices shown (and puts the
    notice pages' HTML in ``pages``, when given).
    """
    response = start(client)
    interrupted: dict[str, list[str]] = {}
    section = None
    while path_of(response) != "/check":
        path = path_of(response)
        if path == "/notice":
            html = client.get(response.headers["Location"]).get_data(as_text=True)
            interrupted[section] = re.findall(r'name="notice" value="([^"]+)"', html)
            if pages is not None:
                pages[section] = html
            response = continue_after_notice(client, response)
            assert response.status_code == 302
            continue
        assert path.startswith("/questions/"), path
        section = path.rsplit("/", 1)[1]
        assert len(interrupted) + 1 < 30, "the wizard goes round in circles"
        response = post_form(client, path, page_data(section, answers))
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return interrupted


def draft(app, client) -> store.Draft:
    with client.session_transaction() as s:
        token = s["draft"]
    with app.app_context():
        return store.session().get(store.Draft, token)


def save(client, section: str, answers: dict, *, change: bool = False):
    url = f"/questions/{section}" + ("?change=1" if change else "")
    return post_form(client, url, page_data(section, answers))


def test_the_answer_sets_are_what_they_say():
    """The tests below rest on these: each set makes its one warning pattern."""
    assert urgent(QUIET) == []
    assert urgent(INFECTION) == ["urgent_infection"]
    assert urgent(CANCER) == ["urgent_cancer"]
    assert urgent(HIP_STRESS) == ["urgent_hip_stress"]


# --- The interrupt ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "page", "notice"),
    [
        (INFECTION, "pattern", "urgent_infection"),
        (CANCER, "history", "urgent_cancer"),
        (HIP_STRESS, "activity", "urgent_hip_stress"),
    ],
    ids=["infection", "cancer", "hip-stress"],
)
def test_interrupts_once_on_the_page_that_completes_the_pattern(client, answers, page, notice):
    # Not before the page, not on the pages after it once continued past.
    assert walk(client, answers) == {page: [notice]}


def test_no_warning_pattern_no_interrupt(client):
    assert walk(client, QUIET) == {}


def test_what_to_do_now_is_the_notices_own_instruction(client):
    """Under "What to do now", first what this notice says to do, then whom to call."""
    answers = {**QUIET, "swelling": "yes", "fever": "dont_know"}
    start(client)
    for section in ["about", "pain"]:
        save(client, section, answers)
    response = save(client, "pattern", answers)
    assert path_of(response) == "/notice"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    todo = html.split('id="what-to-do"', 1)[1].split("</section>", 1)[0]
    do = str(escape(catalogue().warnings["urgent_fever_unsure"].do))
    assert todo.index(do) < todo.index("Whom to call")


def test_the_notice_page(client):
    start(client)
    for section in ["about", "pain"]:
        save(client, section, INFECTION)
    response = save(client, "pattern", INFECTION)
    assert path_of(response) == "/notice"
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    statement = next(s for s in evaluate(INFECTION).statements if s.id == "urgent_infection")
    assert f"<h1>{title('urgent_infection')}</h1>" in html
    # What they told us and why, under "Why"; the instruction once, in bold above it.
    do = str(escape(catalogue().warnings["urgent_infection"].do))
    told, why = statement_text(INFECTION, "urgent_infection").split(f" {do} ")
    assert f"<p>{told} {why}</p>" in html
    assert html.count(do) == 1 and f"<strong>{do}</strong>" in html
    # Citations compactly: publisher and kind, the quote in a closed <details>.
    passage = catalogue().passages[statement.citations[0]]
    source = catalogue().sources[passage.source]
    assert f'{source.publisher} <span class="kind">({source.kind})</span>' in html
    assert "<details>" in html and "<details open" not in html
    assert "What to do now" in html and "Contact a clinician today" in html
    assert "your doctor (GP) or an urgent care service" in html
    assert "If you feel very unwell or it is an emergency, call" in html
    assert "your local emergency number" in html
    # A plain form: works without JavaScript, with the app's CSRF token.
    form = re.search(r'<form method="post" action="([^"]+)"', html)
    assert form and form.group(1).startswith("/notice?")
    assert csrf_token(html)
    assert ">Continue the questionnaire for the clinic</button>" in html
    assert "<script>" not in html and " style=" not in html
    h = page.headers
    assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
    assert h["Cache-Control"] == "no-store" and h["X-Content-Type-Options"] == "nosniff"


def test_continue_goes_to_the_next_page_and_the_notice_is_not_shown_again(app, client):
    start(client)
    for section in ["about", "pain"]:
        save(client, section, INFECTION)
    response = save(client, "pattern", INFECTION)
    location = response.headers["Location"]
    assert parse_qs(urlsplit(location).query) == {"next": ["injury"]}
    assert path_of(continue_after_notice(client, response)) == "/questions/injury"
    assert draft(app, client).notices == ["urgent_infection"]
    # A reload of the notice, or the Back button, goes on instead of showing it again.
    assert path_of(client.get(location)) == "/questions/injury"
    # Saving the same page again does not interrupt again.
    assert path_of(save(client, "pattern", INFECTION)) == "/questions/injury"


def test_continue_in_change_mode_goes_back_to_the_check_page(client):
    answer_all(client, QUIET)
    response = save(client, "history", CANCER, change=True)
    assert path_of(response) == "/notice"
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {
        "next": ["check"],
        "change": ["1"],
    }
    assert path_of(continue_after_notice(client, response)) == "/check"


def test_continue_in_change_mode_goes_to_a_question_still_to_answer(client):
    men = {k: v for k, v in QUIET.items() if k != "pregnancy"} | {"sex": "male"}
    answer_all(client, men)
    # Changing sex asks the pregnancy question next …
    assert path_of(save(client, "about", QUIET, change=True)) == "/questions/pregnancy"
    # … but first the person changes their history, which makes a notice.
    response = save(client, "history", {**CANCER, "sex": "female"}, change=True)
    assert path_of(response) == "/notice"
    after = continue_after_notice(client, response)
    assert after.headers["Location"] == "/questions/pregnancy?change=1"


def test_a_second_different_pattern_interrupts_again(app, client):
    both = {**INFECTION, "medical_history": ["cancer"]}
    assert walk(client, both) == {"pattern": ["urgent_infection"], "history": ["urgent_cancer"]}
    # Going back and changing answers so that a new pattern appears interrupts again;
    # the notices already shown do not.
    response = save(client, "pain", {**both, "pain_sites": ["hip_groin"]}, change=True)
    assert path_of(response) == "/check", "hip pain alone makes no new pattern"
    response = save(client, "activity", {**both, "athlete": "yes"}, change=True)
    assert path_of(response) == "/notice"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"<h1>{title('urgent_hip_stress')}</h1>" in html
    assert title("urgent_infection") not in html and title("urgent_cancer") not in html
    continue_after_notice(client, response)
    assert draft(app, client).notices == ["urgent_infection", "urgent_cancer", "urgent_hip_stress"]


def test_several_notices_on_one_page(client):
    answers = {**QUIET, "fever": "yes", "medical_history": ["cancer", "bone_infection"]}
    assert set(urgent(answers)) == {"urgent_infection", "urgent_cancer"}
    start(client)
    response = None
    for section in ["about", "pain", "pattern", "injury", "activity", "medicines", "history"]:
        response = save(client, section, answers)
    assert path_of(response) == "/notice"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<h1>Contact a clinician today</h1>" in html
    for statement_id in ["urgent_infection", "urgent_cancer"]:
        assert re.search(
            rf'<h2 id="notice-{statement_id}-title">{re.escape(title(statement_id))}', html
        )
    assert html.count(">Continue the questionnaire for the clinic<") == 1


def test_only_the_notices_shown_are_recorded(app, client):
    """A notice the answers made after the page was shown (another tab) is shown next."""
    start(client)
    for section in ["about", "pain"]:
        save(client, section, INFECTION)
    response = save(client, "pattern", INFECTION)
    url = response.headers["Location"]
    token = csrf_token(client.get(url).get_data(as_text=True))
    second = client.post(url, data={"csrf_token": token, "notice": ["urgent_cancer"]})
    assert path_of(second) == "/notice", "nothing shown was sent back: show it again"
    assert not draft(app, client).notices


# --- Stored on the server, never in the cookie ------------------------------------


def test_notices_are_stored_on_the_draft_and_the_submission_not_in_the_cookie(app, client):
    walk(client, INFECTION)
    assert draft(app, client).notices == ["urgent_infection"]
    data = app.session_interface.get_signing_serializer(app).loads(
        client.get_cookie("bme_session").value
    )
    assert set(data) <= {"draft", "_permanent", "csrf_token", "_flashes"}
    assert "urgent" not in str(data) and "infection" not in str(data)
    submit(client)
    with app.app_context():
        reference = draft(app, client).reference
        assert store.get_submission(reference).notices_shown == ["urgent_infection"]


def test_a_submission_without_notices_stores_an_empty_list(app, client):
    walk(client, QUIET)
    submit(client)
    with app.app_context():
        assert store.get_submission(draft(app, client).reference).notices_shown == []


# --- The summary (the rest of its shape: tests/test_web_summary.py) ----------------------


def test_summary_puts_urgent_notices_first(client):
    walk(client, INFECTION)
    submit(client)
    html = client.get("/summary").get_data(as_text=True)
    name = str(escape(catalogue().statements["urgent_infection"].title.split(": ")[0]))
    notice = html.index(name)
    assert html.index("<h1>Your summary</h1>") < html.index(">What to do now</h2>") < notice
    assert notice < html.index("This is not a diagnosis.") < html.index('class="reference-code"')
    first_instruction = catalogue().statements["next_step_today"].text.split(",")[0]
    assert html.index(first_instruction) < notice


#: Cannot put weight on it: asked on the "pattern" page, before the injury page.
NO_WEIGHT = {**QUIET, "pain_pattern": ["cannot_bear_weight"]}
NO_WEIGHT_AFTER_FALL = {**NO_WEIGHT, "injury": "yes", "injury_kind": ["fall_impact"]}


def test_no_weight_since_a_fall_sends_to_the_emergency_department(app, client):
    """Before the injury page, the notice says what to do either way; once the person says
    it began with an injury, a second notice says to go now, with no "whom to call today"
    beside it, and the summary says so first."""
    app.config.update(CLINIC_PHONE="01234 567 890")
    assert walk(client, NO_WEIGHT_AFTER_FALL) == {
        "pattern": ["urgent_cannot_bear_weight"],
        "injury": ["urgent_cannot_bear_weight_injury"],
    }
    submit(client)
    html = client.get("/summary").get_data(as_text=True)
    now = html.split('id="next-heading"', 1)[1].split("</section>", 1)[0]
    go = catalogue().statements["next_step_emergency"].text.split(".")[0]
    assert now.index(go) < now.index(title("urgent_cannot_bear_weight_injury").split(": ")[0])
    assert "01234" not in now and "Whom to call" not in now
    assert "If it began after a fall" not in html and "If not, contact" not in html
    assert catalogue().statements["next_step_today"].text.split(",")[0] not in html


def test_no_weight_not_sure_of_an_injury_sends_to_the_emergency_department(app, client):
    """ "I don't know" about an injury gets the instruction for an injury (a fall that is
    not remembered can break a bone): the emergency department now, and no "whom to
    call today" beside it."""
    app.config.update(CLINIC_PHONE="01234 567 890")
    assert walk(client, {**NO_WEIGHT, "injury": "dont_know"}) == {
        "pattern": ["urgent_cannot_bear_weight"],
        "injury": ["urgent_cannot_bear_weight_unsure"],
    }
    submit(client)
    html = client.get("/summary").get_data(as_text=True)
    now = html.split('id="next-heading"', 1)[1].split("</section>", 1)[0]
    assert now.index("Go to an emergency department now") < now.index("not sure about an injury")
    assert "01234" not in now and "Whom to call" not in now
    assert "If it began after a fall" not in html


def test_the_cancer_notice_says_to_call_the_care_team_first(app, client):
    """The notice says to contact the cancer care team: "Whom to call" says them first,
    on the notice page and on the summary, and the clinic after them."""
    app.config.update(CLINIC_PHONE="01234 567 890")
    notices: dict[str, str] = {}
    assert walk(client, {**QUIET, "medical_history": ["cancer"]}, notices) == {
        "history": ["urgent_cancer"]
    }
    first = "Whom to call: your cancer care team first. If you cannot reach them, call the clinic"
    assert first in notices["history"]
    submit(client)
    now = client.get("/summary").get_data(as_text=True).split('id="next-heading"', 1)[1]
    assert first in now.split("</section>", 1)[0]
    other = app.test_client()
    assert walk(other, NO_WEIGHT) == {"pattern": ["urgent_cannot_bear_weight"]}
    submit(other)
    assert "cancer care team" not in other.get("/summary").get_data(as_text=True)


def test_a_later_notice_still_names_the_care_team_first(app, client):
    """A fever told after the cancer history, by changing an answer: its notice's
    "Whom to call" agrees with the summary's, which reads every notice."""
    walk(client, {**QUIET, "medical_history": ["cancer"]})
    response = save(client, "pattern", {**QUIET, "fever": "yes"}, change=True)
    assert path_of(response) == "/notice"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="notice" value="urgent_infection"' in html
    assert "Whom to call: your cancer care team first" in html


def test_whom_to_call_names_who_a_notice_names_first():
    config = {"CLINIC_PHONE": "", "EMERGENCY_NUMBER": ""}
    assert call_first(["next_step_today", "urgent_infection"]) == ""
    assert call_first(["urgent_infection", "urgent_cancer"]) == "your cancer care team"
    assert what_to_do(config, "your cancer care team")["contact"] == [
        (
            "Whom to call: your cancer care team first. If you cannot reach them, call "
            "your doctor (GP) or an urgent care service.",
            "",
        )
    ]
    assert what_to_do(config)["contact"] == [
        ("Whom to call: your doctor (GP) or an urgent care service.", "")
    ]


def test_the_emergency_notice_leaves_out_whom_to_call(app, client):
    app.config.update(CLINIC_PHONE="01234 567 890")
    start(client)
    for section in ["about", "pain", "pattern"]:
        save(client, section, NO_WEIGHT_AFTER_FALL)
    response = save(client, "injury", NO_WEIGHT_AFTER_FALL)
    assert path_of(response) == "/notice"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    todo = html.split('id="what-to-do"', 1)[1].split("</section>", 1)[0]
    assert todo.index("Go to an emergency department now.") < todo.index("call your local")
    assert "Whom to call" not in todo and "01234" not in todo


def test_several_notices_with_the_emergency_one_say_go_now_first(app, client):
    """A sports injury to the hip makes two notices on one page: the heading and the
    first instruction are the emergency department's."""
    answers = {
        **NO_WEIGHT_AFTER_FALL,
        "pain_sites": ["hip_groin"],
        "injury_kind": ["sports"],
    }
    walked = walk(client, answers)
    assert sorted(walked["injury"]) == ["urgent_cannot_bear_weight_injury", "urgent_hip_stress"]
    assert walked["injury"][0] == "urgent_cannot_bear_weight_injury"
    other = app.test_client()
    start(other)
    for section in ["about", "pain", "pattern"]:
        save(other, section, answers)
    response = save(other, "injury", answers)
    html = other.get(response.headers["Location"]).get_data(as_text=True)
    assert "<h1>Go to an emergency department now</h1>" in html
    todo = html.split('id="what-to-do"', 1)[1].split("</section>", 1)[0]
    assert todo.index("Go to an emergency department now.") < todo.index("Contact a clinician")


def test_no_weight_without_an_injury_says_contact_today(app, client):
    """No injury: no second interrupt (it would only narrow the first), and the summary
    says only "contact a clinician today"."""
    app.config.update(CLINIC_PHONE="01234 567 890")
    assert walk(client, NO_WEIGHT) == {"pattern": ["urgent_cannot_bear_weight"]}
    submit(client)
    html = client.get("/summary").get_data(as_text=True)
    now = html.split('id="next-heading"', 1)[1].split("</section>", 1)[0]
    assert "Whom to call: the clinic" in now
    assert str(escape(catalogue().warnings["urgent_cannot_bear_weight_no_injury"].do)) in now
    assert catalogue().statements["next_step_emergency"].text.split(".")[0] not in now
    assert "If it began after a fall" not in html and "emergency department" not in now


def test_the_check_page_shows_a_notice_still_due(app, client):
    """A draft whose answers make a notice it never showed (begun before the notice was
    added to the knowledge base) is stopped at the check page, not sent without it."""
    walk(client, NO_WEIGHT_AFTER_FALL)
    with client.session_transaction() as s:
        token = s["draft"]
    with app.app_context():
        store.session().get(store.Draft, token).notices = ["urgent_cannot_bear_weight"]
        store.session().commit()
    response = client.get("/check")
    assert path_of(response) == "/notice"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="notice" value="urgent_cannot_bear_weight_injury"' in html
    assert path_of(continue_after_notice(client, response)) == "/check"


def test_summary_without_urgent_notices_says_to_book_the_visit(client):
    walk(client, QUIET)
    submit(client)
    html = client.get("/summary").get_data(as_text=True)
    assert "next-step-urgent" not in html and "Contact a clinician today" not in html
    assert html.index(">What to do now</h2>") < html.index("Book a visit with a clinician")


def test_notice_after_submission_goes_to_the_summary(client):
    walk(client, INFECTION)
    submit(client)
    assert path_of(client.get("/notice?next=check")) == "/summary"
    token = csrf_token(client.get("/summary").get_data(as_text=True))
    response = client.post("/notice?next=check", data={"csrf_token": token})
    assert path_of(response) == "/summary"


# --- Settings --------------------------------------------------------------------------


def test_emergency_number_and_clinic_phone_settings(app, client):
    app.config.update(EMERGENCY_NUMBER="999", CLINIC_PHONE="01234 567 890")
    start(client)
    for section in ["about", "pain"]:
        save(client, section, INFECTION)
    response = save(client, "pattern", INFECTION)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'call <a href="tel:999">999</a>.' in html
    assert 'the clinic, on <a href="tel:01234567890">01234 567 890</a>' in html
    main = html[html.index("<main") : html.index("</main>")]  # the footer is the layout's
    assert "your local emergency number" not in main
    continue_after_notice(client, response)
    for section in ["injury", "activity", "medicines", "history", "pregnancy", "tests"]:
        save(client, section, INFECTION)
    save(client, "treatment", INFECTION)
    submit(client)
    summary = client.get("/summary").get_data(as_text=True)
    assert summary.index('<a href="tel:999">999</a>') < summary.index('class="reference-code"')
    assert "01234 567 890" in summary


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("BME_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("BME_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    monkeypatch.setenv("BME_SECRET_KEY", "env-secret")
    monkeypatch.setenv("BME_EMERGENCY_NUMBER", "112")  # Flask reads this as the number 112
    monkeypatch.setenv("BME_CLINIC_PHONE", "+44 20 7946 0000")
    app = create_app()
    try:
        todo = what_to_do(app.config)
    finally:
        app.extensions["bme_engine"].dispose()
    assert ("112", "tel:112") in todo["emergency"]
    assert ("+44 20 7946 0000", "tel:+442079460000") in todo["contact"]


def test_default_settings(app):
    todo = what_to_do(app.config)
    assert ("your local emergency number", "") in todo["emergency"]
    assert "your doctor (GP)" in todo["contact"][0][0]


# --- Trouble: the database, the form's token, no draft ---------------------------------


def test_database_failure_on_continue_shows_the_notice_again(app, client, monkeypatch):
    start(client)
    for section in ["about", "pain"]:
        save(client, section, INFECTION)
    response = save(client, "pattern", INFECTION)
    url = response.headers["Location"]
    token = csrf_token(client.get(url).get_data(as_text=True))
    data = {"csrf_token": token, "notice": ["urgent_infection"]}

    with failing_commits(app, OperationalError("COMMIT", {}, Exception("database is locked"))):
        failed = client.post(url, data=data)
    assert failed.status_code == 503 and failed.headers["Retry-After"]
    html = failed.get_data(as_text=True)
    assert f"<h1>{title('urgent_infection')}</h1>" in html
    assert "We could not save this just now" in html and "answers are safe" in html
    assert not draft(app, client).notices
    retry = client.post(url, data={**data, "csrf_token": csrf_token(html)})
    assert path_of(retry) == "/questions/injury"
    assert draft(app, client).notices == ["urgent_infection"]


def test_forged_token_on_the_notice_is_the_friendly_400_page(client):
    start(client)
    for section in ["about", "pain"]:
        save(client, section, INFECTION)
    url = save(client, "pattern", INFECTION).headers["Location"]
    response = client.post(url, data={"csrf_token": "forged", "notice": "urgent_infection"})
    assert response.status_code == 400
    assert "This page timed out" in response.get_data(as_text=True)
    missing = client.post(url, data={"notice": "urgent_infection"})
    assert missing.status_code == 400


def test_no_draft_goes_to_the_start(client):
    assert path_of(client.get("/notice")) == "/"
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert path_of(client.post("/notice", data={"csrf_token": token})) == "/"


def test_a_forged_next_page_is_ignored(client):
    start(client)
    for section in ["about", "pain"]:
        save(client, section, INFECTION)
    save(client, "pattern", INFECTION)
    html = client.get("/notice?next=https://evil.example/").get_data(as_text=True)
    assert "evil" not in html
    response = client.post(
        "/notice?next=https://evil.example/",
        data={"csrf_token": csrf_token(html), "notice": "urgent_infection"},
    )
    assert response.headers["Location"] == "/questions/injury"


# --- An existing database gets the new columns -------------------------------------------


def columns(engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def test_an_old_database_gets_the_new_columns(app, client):
    engine = app.extensions["bme_engine"]
    start(client)  # a draft from before the upgrade
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE drafts DROP COLUMN notices"))
        conn.execute(text("ALTER TABLE submissions DROP COLUMN notices_shown"))
    assert "notices" not in columns(engine, "drafts")
    store.create_tables(app)
    assert "notices" in columns(engine, "drafts")
    assert "notices_shown" in columns(engine, "submissions")
    assert draft(app, client).notices is None  # the old draft: NULL reads as none shown
    for section in ["about", "pain"]:
        save(client, section, INFECTION)
    response = save(client, "pattern", INFECTION)
    assert path_of(continue_after_notice(client, response)) == "/questions/injury"
    assert draft(app, client).notices == ["urgent_infection"]
    assert store.add_missing_columns(engine) == [], "a second run changes nothing"


def test_an_old_sqlite_database_is_upgraded_when_the_app_starts(tmp_path):
    path = tmp_path / "old.sqlite"
    old = store.make_engine(f"sqlite:///{path}")
    store.Base.metadata.create_all(old)
    with old.begin() as conn:
        conn.execute(text("ALTER TABLE drafts DROP COLUMN notices"))
        conn.execute(text("ALTER TABLE submissions DROP COLUMN notices_shown"))
    old.dispose()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "s",
            "INSTANCE_PATH": tmp_path / "instance",
            "DATABASE_URL": f"sqlite:///{path}",
        }
    )
    engine = app.extensions["bme_engine"]
    try:
        assert "notices" in columns(engine, "drafts")
        assert "notices_shown" in columns(engine, "submissions")
        client = app.test_client()
        assert walk(client, INFECTION) == {"pattern": ["urgent_infection"]}
        assert submit(client).status_code == 302
    finally:
        engine.dispose()
