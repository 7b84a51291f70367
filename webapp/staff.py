"""The clinic's side: sign in, find a submission, print, export, review, delete, audit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from sqlalchemy import delete, select

from rules.fhir import questionnaire, questionnaire_response

from . import auditlog, auth, clinic_day_bounds, clinic_today
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
    if request.method == "POST" and not auth.attempt_allowed():
        abort(429)
    if request.method == "POST":
        username = request.form.get("username", "")[:80]
        password = request.form.get("password", "")[: auth.MAX_PASSWORD + 1]
        try:
            with auth.hashing_slot():
                user = auth.authenticate(username, password)
        except auth.SignInBusy:
            error = "Many sign-ins are being checked just now. Wait a few seconds, then try again."
            return (
                render_template("staff/sign_in.html", form=form, error=error),
                503,
                {"Retry-After": "5"},
            )
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


#: The worklist's filters: which submissions to show.
SHOWS = {"all": "All", "new": "Not reviewed", "urgent": "Urgent"}
#: Days shown when none are asked for: the last week, today included.
DEFAULT_DAYS = 7
MAX_ROWS = 500


def _a_date(text: str) -> date:
    """A date a clinic can mean: years 2000 to 2999 (9999-12-31 plus a day would
    overflow; issue 12, defect 7). Anything else is a ValueError, said to the person."""
    day = date.fromisoformat(text)
    if not 2000 <= day.year <= 2999:
        raise ValueError(text)
    return day


@dataclass(frozen=True)
class Worklist:
    """What the list shows: the clinic's days ``first`` to ``last``, filtered by ``show``."""

    first: date
    last: date
    show: str

    @classmethod
    def from_args(cls, args) -> Worklist:
        """The filters from the address; a date that is not understood is said, not a 500."""
        today = clinic_today(current_app.extensions["bme_zone"])
        first, last = today - timedelta(days=DEFAULT_DAYS - 1), today
        try:
            if args.get("date"):  # one day, as older links have it
                first = last = _a_date(args["date"])
            if args.get("from"):
                first = _a_date(args["from"])
            if args.get("to"):
                last = _a_date(args["to"])
        except ValueError:
            flash("That date was not understood; showing the last week.")
            first, last = today - timedelta(days=DEFAULT_DAYS - 1), today
        if first > last:
            first, last = last, first
        show = args.get("show", "all")
        return cls(first, last, show if show in SHOWS else "all")

    def args(self, **changed) -> dict:
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "show": self.show,
            **changed,
        }

    def rows(self, show: str | None = None) -> list:
        """Urgent and not yet reviewed first, then not reviewed, then by time, newest first."""
        show = show or self.show
        start, end = clinic_day_bounds(self.first, self.last, current_app.extensions["bme_zone"])
        query = select(store.Submission).where(
            store.Submission.created_at >= start, store.Submission.created_at < end
        )
        if show == "new":
            query = query.where(store.Submission.reviewed.is_(False))
        elif show == "urgent":
            query = query.where(store.Submission.urgent.is_(True))
        found = (
            store.session()
            .scalars(query.order_by(store.Submission.created_at.desc()).limit(MAX_ROWS))
            .all()
        )
        return sorted(found, key=lambda s: (not (s.urgent and not s.reviewed), s.reviewed))


def why_urgent(submission: store.Submission) -> str:
    """The urgent notices the patient was shown, in a few words each."""
    return "; ".join(
        s["title"].split(": ")[0]
        for s in submission.result.get("statements", [])
        if s.get("level") == "urgent"
    )


@bp.get("/")
def index():
    worklist = Worklist.from_args(request.args)
    everything = worklist.rows("all")
    counts = {
        "all": len(everything),
        "new": sum(not s.reviewed for s in everything),
        "urgent": sum(s.urgent for s in everything),
        "urgent_new": sum(s.urgent and not s.reviewed for s in everything),
    }
    rows = everything if worklist.show == "all" else worklist.rows()
    return render_template(
        "staff/index.html",
        worklist=worklist,
        shows=SHOWS,
        counts=counts,
        rows=[
            {"s": s, "sites": _sites(s.answers), "why": why_urgent(s) if s.urgent else ""}
            for s in rows
        ],
        truncated=len(rows) >= MAX_ROWS,
        form=ActionForm(),
    )


@bp.get("/print-new")
def print_new():
    """Every submission not yet reviewed in the list's days: one A4 page each."""
    worklist = Worklist.from_args(request.args)
    submissions = worklist.rows("new")
    for s in submissions:
        auth.audit(actor(), "print", s.reference)
    return _print(
        submissions,
        title=f"New submissions, {worklist.first:%d %b} to {worklist.last:%d %b %Y}",
        back=url_for("staff.index", **worklist.args()),
    )


def _sites(answers: dict) -> str:
    from rules.content import catalogue

    q = catalogue().questions["pain_sites"]
    return ", ".join(q.option(v).label for v in answers.get("pain_sites", []) if v in q.values)


#: Why a find found nothing, shown at the find box above what was typed.
FIND_ERRORS = {
    "typo": "That code has a typo: check each character.",
    "unknown": "No submission has that code.",
    "empty": "Type a reference code to find a submission.",
}


@bp.get("/find")
def find():
    typed = request.args.get("reference", "").strip()[:40]
    found, why = store.find_submission(typed) if typed else (None, "empty")
    if found is not None:
        return redirect(url_for("staff.submission", reference=found.reference))
    return redirect(url_for("staff.index", reference=typed or None, find=why))


@bp.context_processor
def find_box():
    """The find box after a find that found nothing: what was typed, and why.

    Carried in the address, not the session, so that Back and reload show the same;
    the message is one of the fixed ones above, the text is escaped like any other.
    """
    if request.endpoint != "staff.index":
        return {}
    return {
        "find_typed": request.args.get("reference", "")[:40],
        "find_error": FIND_ERRORS.get(request.args.get("find", "")),
    }


# --- One submission --------------------------------------------------------------


def _page(template: str, submission: store.Submission, **extra):
    return render_template(
        template,
        s=submission,
        groups=summary_sections(submission.result),
        answers=staff_answer_groups(submission.answers),
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
    back = url_for("staff.submission", reference=s.reference)
    return _print([s], title=f"Pre-visit summary {s.reference}", back=back)


def _sheet(submission: store.Submission) -> dict:
    """What one printed sheet shows: the statements in the staff's voice, the answers."""
    return {
        "s": submission,
        "statements": compact_citations(submission.result),
        "answers": staff_answer_groups(submission.answers),
    }


def _print(submissions: list, *, title: str, back: str):
    return render_template(
        "staff/print.html",
        sheets=[_sheet(s) for s in submissions],
        title=title,
        back=back,
        sources=sources_list(),
        page_class=page_class,
    )


def page_class(reference: str) -> str:
    """The CSS class (and named page) of one submission's sheet."""
    return f"sheet-{reference}"


@bp.get("/print.css")
def sheet_css():
    """Named pages, one per sheet: its reference code and page number in every margin.

    A stylesheet, not an inline style, so that the Content-Security-Policy can keep
    forbidding inline styles; only codes of stored submissions are written into it.
    """
    rules = []
    for typed in request.args.getlist("r")[:200]:
        s = store.get_submission(store.normalise_reference(typed))
        if s is None:
            continue
        name = page_class(s.reference)
        rules.append(
            f".{name} {{ page: {name}; }}\n"
            f"@page {name} {{\n"
            f'  @top-right {{ content: "Pre-visit summary {s.reference}"; }}\n'
            f'  @bottom-right {{ content: "{s.reference} \\B7  page " counter(page)'
            ' " of " counter(pages); }\n'
            "}"
        )
    return Response("\n".join(rules) + "\n", mimetype="text/css")


@bp.get("/submissions/<reference>/fhir")
def export(reference):
    """What the patient was shown, as a FHIR R4 document (rules/fhir.py builds it)."""
    from rules.fhir import summary_bundle

    from . import local_time
    from .views import call_first, what_to_do

    s = _submission(reference)
    auth.audit(actor(), "export", s.reference)
    ids = [statement["id"] for statement in s.result.get("statements", [])]
    todo = what_to_do(current_app.config, call_first(ids))
    body = summary_bundle(
        questionnaire_response(s.answers, s.created_at, s.reference, s.kb_version),
        s.result,
        sent=local_time(s.created_at, current_app.extensions["bme_zone"]),
        contact="".join(text for text, _ in todo["contact"]),
        emergency="".join(text for text, _ in todo["emergency"]),
    )
    filename = f"pre-visit-summary-{s.reference}.fhir.json"
    return Response(
        json.dumps(body, indent=2, ensure_ascii=False),
        mimetype="application/fhir+json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
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
    """The log, newest first, a page at a time, filtered by action, person, code and days.

    A filter that cannot be read is said above the form (status 400) and no rows are
    shown, so that an unfiltered list is never taken for a filtered one.
    """
    f = auditlog.AuditFilter.from_args(request.args, current_app.extensions["bme_zone"])
    counts = [] if f.errors else auditlog.counts(f)
    total = sum(c.rows for c in counts)
    events, page, pages = (
        ([], 1, 1) if f.errors else auditlog.page_of(f, request.args.get("page"), total)
    )
    people = store.session().scalars(select(store.StaffUser.username)).all()
    html = render_template(
        "staff/audit.html",
        f=f,
        errors=f.errors,
        counts=counts,
        total=total,
        events=events,
        page=page,
        pages=pages,
        first_row=(page - 1) * auditlog.PAGE_SIZE + 1,
        live=auditlog.existing(e.reference for e in events),
        actions=auditlog.choices(f.action),
        label=auditlog.label,
        people=sorted({*people, "system", auth.UNKNOWN_ACTOR}),
        form=ActionForm(),
    )
    return html, 400 if f.errors else 200


@bp.get("/audit.csv")
def audit_csv():
    """The rows the same filters match, every page, as a CSV file; the download is audited."""
    zone = current_app.extensions["bme_zone"]
    f = auditlog.AuditFilter.from_args(request.args, zone)
    if f.errors:
        return redirect(url_for("staff.audit_log", **request.args.to_dict()))
    rows = sum(c.rows for c in auditlog.counts(f))
    auth.audit(actor(), "export_audit", detail=f"{rows} rows; {f.describe()}")
    filename = f"audit-log-{clinic_today(zone).isoformat()}.csv"
    return Response(
        stream_with_context(auditlog.csv_lines(f, zone)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


class Purged(NamedTuple):
    submissions: int
    audit_rows: int


def purge(retention_days: int, actor_name: str = "system", audit_days: int | None = None) -> Purged:
    """Delete submissions older than the retention period, and audit rows older than
    ``audit_days`` (default ``AUDIT_RETENTION_DAYS``, a year); returns how many of each."""
    if audit_days is None:
        audit_days = int(current_app.config["AUDIT_RETENTION_DAYS"])
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
    trimmed = auditlog.trim(audit_days)
    # Written after the trim, so that the log always shows its latest purge.
    auth.audit(
        actor_name,
        "purge",
        detail=f"{len(old)} submissions older than {retention_days} days, "
        f"{trimmed} audit rows older than {audit_days} days",
    )
    return Purged(len(old), trimmed)
