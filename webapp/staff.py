"""The clinic's side: sign in, find a submission, print, export, review, delete, audit."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import delete, select

from rules.fhir import questionnaire, questionnaire_response

from . import auth
from . import db as store
from .forms import ActionForm
from .views import compact_citations, sources_list, staff_answer_groups, summary_sections

bp = Blueprint("staff", __name__, url_prefix="/staff")

PUBLIC = {"staff.sign_in"}


@bp.before_request
def require_staff():
    """Every staff page but sign-in needs a live staff session."""
    if request.endpoint in PUBLIC:
        return None
    if auth.current_staff() is None:
        if request.method == "GET":
            return redirect(url_for("staff.sign_in"))
        abort(403)
    return None


def actor() -> str:
    return auth.current_staff().username


def _submission(reference: str) -> store.Submission:
    submission = store.get_submission(store.normalise_reference(reference))
    if submission is None:
        abort(404)
    return submission


# --- Sign in and out -----------------------------------------------------------


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = ActionForm()
    error = None
    if request.method == "POST":
        username = request.form.get("username", "")[:80]
        password = request.form.get("password", "")[: auth.MAX_PASSWORD + 1]
        user = auth.authenticate(username, password)
        if user is not None:
            auth.start_session(user)
            auth.audit(user.username, "sign_in")
            return redirect(url_for("staff.index"))
        error = "The username or password is not right, or the account is locked for now."
    status = 401 if error else 200
    return render_template("staff/sign_in.html", form=form, error=error), status


@bp.post("/sign-out")
def sign_out():
    ActionForm()
    auth.audit(actor(), "sign_out")
    auth.end_session()
    flash("You are signed out.")
    return redirect(url_for("staff.sign_in"))


# --- Finding submissions -------------------------------------------------------


@bp.get("/")
def index():
    try:
        day = (
            date.fromisoformat(request.args.get("date", ""))
            if request.args.get("date")
            else date.today()
        )
    except ValueError:
        day = date.today()
        flash("That date was not understood; showing today.")
    start = datetime.combine(day, datetime.min.time())
    rows = (
        store.session()
        .scalars(
            select(store.Submission)
            .where(
                store.Submission.created_at >= start,
                store.Submission.created_at < start + timedelta(days=1),
            )
            .order_by(store.Submission.created_at.desc())
        )
        .all()
    )
    return render_template(
        "staff/index.html",
        day=day,
        rows=rows,
        sites=[_sites(s.answers) for s in rows],
        form=ActionForm(),
    )


def _sites(answers: dict) -> str:
    from rules.content import catalogue

    q = catalogue().questions["pain_sites"]
    return ", ".join(q.option(v).label for v in answers.get("pain_sites", []) if v in q.values)


@bp.get("/find")
def find():
    reference = store.normalise_reference(request.args.get("reference", ""))
    if reference and store.get_submission(reference):
        return redirect(url_for("staff.submission", reference=reference))
    flash("No submission has that reference code. Check it and try again.")
    return redirect(url_for("staff.index"))


# --- One submission --------------------------------------------------------------


def _page(template: str, submission: store.Submission, **extra):
    return render_template(
        template,
        s=submission,
        groups=summary_sections(submission.result),
        statements=compact_citations(submission.result),
        answers=staff_answer_groups(submission.answers),
        sources=sources_list(),
        form=ActionForm(),
        **extra,
    )


@bp.get("/submissions/<reference>")
def submission(reference):
    s = _submission(reference)
    auth.audit(actor(), "view", s.reference)
    return _page("staff/submission.html", s)


@bp.get("/submissions/<reference>/print")
def print_view(reference):
    s = _submission(reference)
    auth.audit(actor(), "print", s.reference)
    return _page("staff/print.html", s)


@bp.get("/submissions/<reference>/fhir")
def export(reference):
    s = _submission(reference)
    auth.audit(actor(), "export", s.reference)
    body = questionnaire_response(s.answers, s.created_at, s.reference, s.kb_version)
    return Response(
        json.dumps(body, indent=2, ensure_ascii=False),
        mimetype="application/fhir+json",
        headers={"Content-Disposition": f'attachment; filename="{s.reference}.json"'},
    )


@bp.get("/questionnaire.json")
def export_questionnaire():
    return Response(
        json.dumps(questionnaire(), indent=2, ensure_ascii=False), mimetype="application/fhir+json"
    )


@bp.post("/submissions/<reference>/reviewed")
def mark_reviewed(reference):
    ActionForm()
    s = _submission(reference)
    s.reviewed = True
    s.reviewed_by = actor()
    s.reviewed_at = store.utcnow()
    store.session().commit()
    auth.audit(actor(), "mark_reviewed", s.reference)
    flash(f"{s.reference} is marked as reviewed.")
    return redirect(url_for("staff.submission", reference=s.reference))


@bp.route("/submissions/<reference>/delete", methods=["GET", "POST"])
def delete_submission(reference):
    s = _submission(reference)
    if request.method == "GET":
        return render_template("staff/delete.html", s=s, form=ActionForm())
    ActionForm()
    ref = s.reference
    store.session().delete(s)
    store.session().commit()
    auth.audit(actor(), "delete", ref)
    flash(f"Submission {ref} is deleted.")
    return redirect(url_for("staff.index"))


# --- Audit --------------------------------------------------------------------------


@bp.get("/audit")
def audit_log():
    events = (
        store.session()
        .scalars(select(store.AuditEvent).order_by(store.AuditEvent.at.desc()).limit(500))
        .all()
    )
    return render_template("staff/audit.html", events=events, form=ActionForm())


def purge(retention_days: int, actor_name: str = "system") -> int:
    """Delete submissions older than the retention period; returns how many."""
    cutoff = store.utcnow() - timedelta(days=retention_days)
    db = store.session()
    old = db.scalars(
        select(store.Submission.reference).where(store.Submission.created_at < cutoff)
    ).all()
    if old:
        db.execute(delete(store.Submission).where(store.Submission.created_at < cutoff))
    # Expired drafts and staff sessions go too: nothing is kept longer than needed.
    now = store.utcnow()
    db.execute(delete(store.Draft).where(store.Draft.updated_at < now - store.draft_lifetime()))
    idle = timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])
    db.execute(delete(store.StaffSession).where(store.StaffSession.last_seen < now - idle))
    db.commit()
    auth.audit(actor_name, "purge", detail=f"{len(old)} older than {retention_days} days")
    return len(old)
