"""Clinic staff: accounts, server-side sessions, lockout, pages, export, audit."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from webapp import auth, create_app
from webapp import db as store
from webapp.cli import main as bme

from .web import RUNNER, answer_all, csrf_token, path_of, submit

PASSWORD = "correct horse battery staple"


def sign_in(client, username="nurse", password=PASSWORD):
    page = client.get("/staff/sign-in")
    return client.post(
        "/staff/sign-in",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "username": username,
            "password": password,
        },
    )


def make_submission(app, answers=RUNNER) -> str:
    client = app.test_client()
    answer_all(client, answers)
    submit(client)
    html = client.get("/summary").get_data(as_text=True)
    return re.search(r'class="reference-code">([0-9A-Z-]+)<', html).group(1)


def audit_actions(app) -> list[tuple[str, str, str | None]]:
    with app.app_context():
        rows = store.session().scalars(select(store.AuditEvent).order_by(store.AuditEvent.id))
        return [(e.actor, e.action, e.reference) for e in rows]


# --- Accounts ------------------------------------------------------------------------


def test_no_default_account(app):
    with app.app_context():
        assert store.session().scalar(select(func.count()).select_from(store.StaffUser)) == 0


@pytest.mark.parametrize("password", ["short", "x" * 129])
def test_password_length_rules(app, password):
    with app.app_context(), pytest.raises(auth.PasswordError):
        auth.create_staff("someone", password)


def test_passwords_are_hashed_with_scrypt(app, staff):
    with app.app_context():
        user = store.session().scalar(select(store.StaffUser))
        assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash


def test_create_staff_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BME_INSTANCE_PATH", str(tmp_path / "i"))
    monkeypatch.setenv("BME_SECRET_KEY", "k")
    monkeypatch.setattr("getpass.getpass", lambda prompt="": PASSWORD)
    assert bme(["create-staff", "doctor"]) == 0
    assert "created" in capsys.readouterr().out
    assert bme(["create-staff", "doctor"]) == 2
    assert "already exists" in capsys.readouterr().err
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "too short")
    assert bme(["create-staff", "other"]) == 2
    assert "at least 12" in capsys.readouterr().err


# --- Signing in -----------------------------------------------------------------------


def test_sign_in_and_out(app, client, staff):
    response = sign_in(client)
    assert path_of(response) == "/staff/"
    assert client.get("/staff/").status_code == 200
    page = client.get("/staff/").get_data(as_text=True)
    client.post("/staff/sign-out", data={"csrf_token": csrf_token(page)})
    assert path_of(client.get("/staff/")) == "/staff/sign-in"
    actions = [a for _, a, _ in audit_actions(app)]
    assert actions == ["sign_in", "sign_out"]


def test_a_new_session_at_sign_in(app, client, staff):
    answer_all(client, RUNNER)  # a patient's draft in the same browser
    with client.session_transaction() as s:
        assert "draft" in s
        old = dict(s)
    sign_in(client)
    with client.session_transaction() as s:
        assert "draft" not in s and s["staff"] and s.get("csrf_token") != old.get("csrf_token")


def test_same_message_for_unknown_user_and_wrong_password(client, staff):
    unknown = sign_in(client, username="nobody")
    wrong = sign_in(client, password="wrong password here")
    assert unknown.status_code == wrong.status_code == 401

    def message(r):
        return re.search(r'<a href="#username">([^<]+)</a>', r.get_data(as_text=True)).group(1)

    assert message(unknown) == message(wrong)


def test_lockout_holds_across_workers(tmp_path, staff):
    config = {
        "TESTING": True,
        "SECRET_KEY": "s",
        "INSTANCE_PATH": tmp_path / "i",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite'}",
        "STAFF_LOCKOUT_AFTER": 5,
    }
    worker_a, worker_b = create_app(dict(config)), create_app(dict(config))
    with worker_a.app_context():
        auth.create_staff("clerk", PASSWORD)
    a, b = worker_a.test_client(), worker_b.test_client()
    for i in range(5):
        sign_in(a if i % 2 else b, "clerk", "wrong password here")
    # Locked now, on either worker, even with the right password.
    assert sign_in(a, "clerk").status_code == 401
    assert sign_in(b, "clerk").status_code == 401
    with worker_a.app_context():
        user = store.session().scalar(
            select(store.StaffUser).where(store.StaffUser.username == "clerk")
        )
        user.locked_until = store.utcnow() - timedelta(seconds=1)
        store.session().commit()
    assert path_of(sign_in(b, "clerk")) == "/staff/"
    actions = [a for _, a, _ in audit_actions(worker_a)]
    assert "account_locked" in actions
    # Five wrong passwords a row each; the two tries while locked counted in one row.
    with worker_a.app_context():
        failed = store.session().scalars(
            select(store.AuditEvent).where(store.AuditEvent.action == "sign_in_failed")
        )
        assert sorted(e.count or 1 for e in failed) == [1, 1, 1, 1, 1, 2]


def test_idle_timeout_ends_the_session(app, client, staff):
    sign_in(client)
    with app.app_context():
        row = store.session().scalar(select(store.StaffSession))
        row.last_seen = store.utcnow() - timedelta(minutes=16)
        store.session().commit()
    assert path_of(client.get("/staff/")) == "/staff/sign-in"


def test_absolute_lifetime_ends_the_session(app, client, staff):
    sign_in(client)
    with app.app_context():
        row = store.session().scalar(select(store.StaffSession))
        row.created_at = store.utcnow() - timedelta(hours=11)
        store.session().commit()
    assert path_of(client.get("/staff/")) == "/staff/sign-in"


def test_a_copied_cookie_dies_at_sign_out(app, client, staff):
    sign_in(client)
    copied = client.get_cookie("bme_session").value
    page = client.get("/staff/").get_data(as_text=True)
    client.post("/staff/sign-out", data={"csrf_token": csrf_token(page)})
    thief = app.test_client()
    thief.set_cookie("bme_session", copied)
    assert path_of(thief.get("/staff/")) == "/staff/sign-in"


# --- Every staff route refuses outsiders ------------------------------------------------


def staff_routes(app, reference):
    samples = {"reference": reference}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("staff.") and rule.endpoint != "staff.sign_in":
            url = rule.build({k: samples[k] for k in rule.arguments})[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, url


@pytest.mark.parametrize("who", ["nobody", "patient"])
def test_every_staff_route_refuses_outsiders(app, staff, who):
    reference = make_submission(app)
    client = app.test_client()
    if who == "patient":
        answer_all(client, RUNNER)
    token = csrf_token(client.get("/").get_data(as_text=True))
    seen = 0
    for method, url in staff_routes(app, reference):
        response = client.open(url, method=method, data={"csrf_token": token})
        if method == "GET":
            assert path_of(response) == "/staff/sign-in", url
        else:
            assert response.status_code == 403, url
        seen += 1
    assert seen >= 9
    with app.app_context():
        assert store.get_submission(reference) is not None


def test_reference_codes_cannot_be_enumerated(app, staff):
    reference = make_submission(app)
    client = app.test_client()
    real = client.get(f"/staff/submissions/{reference}")
    fake = client.get("/staff/submissions/AAAA-BBBB-CCCC")
    assert (real.status_code, real.location) == (fake.status_code, fake.location)
    assert client.get("/summary").status_code == 302  # nor through the patient's pages


# --- Staff pages ----------------------------------------------------------------------------


def test_today_list_find_and_view(app, client, staff):
    reference = make_submission(app)
    sign_in(client)
    html = client.get("/staff/").get_data(as_text=True)
    assert reference in html and "Hip or groin" in html
    # The urgent notice's name says why it is urgent.
    assert "Urgent</strong> Hip or groin pain with sport, training or repeated strain" in html
    typed = reference.lower().replace("-", " ").replace("0", "o")
    assert (
        path_of(client.get(f"/staff/find?reference={typed}")) == f"/staff/submissions/{reference}"
    )
    assert path_of(client.get("/staff/find?reference=nope")) == "/staff/"
    view = client.get(f"/staff/submissions/{reference}").get_data(as_text=True)
    assert "Not a diagnosis." in view
    assert view.index("Urgent notices shown to the patient") < view.index("The patient's answers")
    assert "Where it hurts</dt>" in view and "Hip or groin, Knee" in view
    assert 'answer-unknown"><dt class="summary-key">' in view and "Not known" in view


def test_date_filter(app, client, staff):
    reference = make_submission(app)
    sign_in(client)
    assert reference not in client.get("/staff/?date=2001-01-01").get_data(as_text=True)
    assert "not understood" in client.get("/staff/?date=nonsense", follow_redirects=True).get_data(
        as_text=True
    )


def test_print_view(app, client, staff):
    reference = make_submission(app)
    sign_in(client)
    html = client.get(f"/staff/submissions/{reference}/print").get_data(as_text=True)
    assert "Not a diagnosis." in html and reference in html
    assert html.index("Urgent notices") < html.index("Answers") < html.index("Topics shown")
    assert "staff-nav" not in html and "<form" not in html
    assert "Cleveland Clinic Health Library" in html


def test_mark_reviewed_and_delete(app, client, staff):
    reference = make_submission(app)
    sign_in(client)
    page = client.get(f"/staff/submissions/{reference}").get_data(as_text=True)
    client.post(f"/staff/submissions/{reference}/reviewed", data={"csrf_token": csrf_token(page)})
    page = client.get(f"/staff/submissions/{reference}").get_data(as_text=True)
    assert "Reviewed by nurse" in page
    confirm = client.get(f"/staff/submissions/{reference}/delete").get_data(as_text=True)
    assert "cannot be undone" in confirm
    client.post(f"/staff/submissions/{reference}/delete", data={"csrf_token": csrf_token(confirm)})
    assert client.get(f"/staff/submissions/{reference}").status_code == 404
    actions = [(a, r) for _, a, r in audit_actions(app)]
    assert ("mark_reviewed", reference) in actions and ("delete", reference) in actions


def test_purge(app, staff):
    old, recent = make_submission(app), make_submission(app)
    with app.app_context():
        store.get_submission(old).created_at = store.utcnow() - timedelta(days=91)
        store.session().commit()
        from webapp.staff import purge

        assert purge(90).submissions == 1
        assert store.get_submission(old) is None and store.get_submission(recent)
    assert ("system", "purge", None) in audit_actions(app)


def test_purge_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BME_INSTANCE_PATH", str(tmp_path / "i"))
    monkeypatch.setenv("BME_SECRET_KEY", "k")
    assert bme(["purge", "--days", "30"]) == 0
    assert "Purged 0" in capsys.readouterr().out


# --- FHIR -----------------------------------------------------------------------------------


def test_fhir_questionnaire_validates(app, client, staff):
    from fhir.resources.R4B.questionnaire import Questionnaire

    sign_in(client)
    data = client.get("/staff/questionnaire.json").get_json()
    Questionnaire.model_validate(data)
    items = {i["linkId"]: i for g in data["item"] for i in g["item"]}
    assert items["injury_kind"]["enableWhen"][0]["question"] == "injury"
    assert items["pain_sites"]["repeats"] is True
    assert (
        len(items["pregnancy"]["enableWhen"]) == 3 and items["pregnancy"]["enableBehavior"] == "any"
    )


def test_fhir_export_is_a_document_bundle(app, client, staff):
    """The export: a FHIR document of the summary, its urgent notices as Flags, the answers."""
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.bundle import Bundle

    reference = make_submission(app)  # complete_questionnaire: one urgent notice
    sign_in(client)
    response = client.get(f"/staff/submissions/{reference}/fhir")
    assert response.mimetype == "application/fhir+json"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="pre-visit-summary-{reference}.fhir.json"'
    )
    bundle = json.loads(response.get_data(as_text=True))
    Bundle.model_validate(bundle)
    assert bundle["type"] == "document" and bundle["identifier"]["value"] == reference
    found = {}
    for e in bundle["entry"]:
        get_fhir_model_class(e["resource"]["resourceType"]).model_validate(e["resource"])
        found.setdefault(e["resource"]["resourceType"], []).append(e["resource"])
    assert bundle["entry"][0]["resource"]["resourceType"] == "Composition"
    assert [f["code"]["coding"][0]["code"] for f in found["Flag"]] == ["urgent_hip_stress"]
    (data,) = found["QuestionnaireResponse"]
    assert data["status"] == "completed" and data["authored"]
    answers = {
        i["linkId"]: [a["valueCoding"]["code"] for a in i["answer"]]
        for g in data["item"]
        for i in g["item"]
    }
    assert answers["pain_sites"] == ["hip_groin", "knee"] and answers["fever"] == ["no"]
    composition = found["Composition"][0]
    narrative = composition["text"]["div"] + "".join(
        s["text"]["div"] for s in composition["section"]
    )
    assert reference in narrative and "Sent " in narrative
    assert ("nurse", "export", reference) in audit_actions(app)
    # Without an urgent notice, no Flag.
    from rules.content import cases

    calm = make_submission(app, cases()["knee_sports_injury"].answers)
    bundle = client.get(f"/staff/submissions/{calm}/fhir").get_json()
    assert not [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Flag"]
    # After cancer, "whom to call" names the cancer care team first, as the notice does.
    cancer = make_submission(app, cases()["cancer_history_back_pain"].answers)
    text = json.dumps(client.get(f"/staff/submissions/{cancer}/fhir").get_json())
    assert "Whom to call: your cancer care team first" in text
    fever = make_submission(app, cases()["fever_warm_knee"].answers)
    text = json.dumps(client.get(f"/staff/submissions/{fever}/fhir").get_json())
    assert "Whom to call: " in text and "cancer care team" not in text


# --- Escaping and audit hygiene ----------------------------------------------------------

XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{7*7}}",
    "</textarea><svg onload=alert(1)>",
]


def test_stored_payloads_are_escaped_everywhere(app, client, staff):
    reference = make_submission(app)
    with app.app_context():
        s = store.get_submission(reference)
        s.answers = {**s.answers, "pain_sites": XSS, "sex": XSS[1]}
        result = json.loads(json.dumps(s.result))
        result["statements"][0]["title"] = XSS[0]
        result["statements"][0]["text"] = XSS[4]
        s.result = result
        store.session().commit()
    sign_in(client)
    for url in [f"/staff/submissions/{reference}", f"/staff/submissions/{reference}/print"]:
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html and "<svg" not in html
        assert "&lt;script&gt;" in html or "&lt;" in html
    export = client.get(f"/staff/submissions/{reference}/fhir")
    assert export.status_code == 200 and export.mimetype == "application/fhir+json"
    json.loads(export.get_data(as_text=True))


def test_audit_never_holds_an_answer(app, client, staff):
    reference = make_submission(app, {**RUNNER, "medical_history": ["osteonecrosis"]})
    sign_in(client)
    for suffix in ["", "/print", "/fhir"]:
        client.get(f"/staff/submissions/{reference}{suffix}")
    html = client.get("/staff/audit").get_data(as_text=True)
    assert html.count(f">{reference}</a>") == 3  # each a link to the submission
    dump = json.dumps(audit_actions(app))
    for value in ["osteonecrosis", "hip_groin", "training_increase"]:
        assert value not in dump


def test_no_answer_reaches_a_log(app, client, staff, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    reference = make_submission(app, {**RUNNER, "medical_history": ["osteonecrosis"]})
    sign_in(client)
    for suffix in ["", "/print", "/fhir"]:
        client.get(f"/staff/submissions/{reference}{suffix}")
    sign_in(client, password="wrong password here")
    text = caplog.text + "".join(str(r.args) for r in caplog.records)
    for value in ["osteonecrosis", "hip_groin", "training_increase", PASSWORD]:
        assert value not in text
