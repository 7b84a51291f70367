"""The patient's journey: start, one page per section, check, submit, summary, clear.

When the answers saved on a page complete a warning pattern (an urgent
statement not shown to this draft before), the next screen is the urgent notice
(the NHS 111 pattern); its one button goes on to where the person was going.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.datastructures import MultiDict

from rules.answers import chosen, is_shown
from rules.content import Question, Section, catalogue
from rules.engine import evaluate

from . import __version__, auth
from . import db as store
from .forms import ActionForm, page_form_class
from .security import CONTROL
from .views import (
    Rendered,
    answer_groups,
    call_first,
    notice_items,
    sources_list,
    summary_view,
    what_to_do,
)
from .wizard import first_unanswered, may_visit, neighbours, pages, progress, prune

bp = Blueprint("patient", __name__)

#: Sent summaries, rendered once.
SUMMARIES = Rendered()

DRAFT_KEY = "draft"


def current_draft() -> store.DraftState | None:
    return store.get_draft(session.get(DRAFT_KEY))


def keep_cookie_with_draft() -> None:
    """Send the cookie again after a save, so that it lasts DRAFT_HOURS from the last
    save, as the draft on the server does (SESSION_REFRESH_EACH_REQUEST is off)."""
    session.modified = True


def _no_draft():
    flash("We could not find answers in this browser. They may have expired. Please start again.")
    return redirect(url_for("patient.start"))


def _next_url(answers: dict, after: str | None = None) -> str:
    section = first_unanswered(answers) if after is None else after
    if section is None:
        return url_for("patient.check")
    return url_for("patient.question", section_id=section)


@bp.get("/")
def start():
    draft = current_draft()
    return render_template(
        "start.html",
        form=ActionForm(),
        resume=draft is not None and bool(draft.answers) and not draft.reference,
        submitted=draft.reference if draft else None,
        pages=len(catalogue().sections),
    )


def _new_draft() -> store.DraftState:
    draft = store.create_draft()
    auth.end_server_session()  # a staff session in this browser ends with its cookie
    session.clear()
    session[DRAFT_KEY] = draft.token
    session.permanent = True
    return draft


def _clear_draft() -> None:
    """Delete this browser's draft on the server and forget it (e.g. a shared device)."""
    token = session.get(DRAFT_KEY)
    if token:
        store.delete_draft(token)
    auth.end_server_session()
    session.clear()


@bp.post("/start")
def begin():
    ActionForm()  # the CSRF token is checked for every POST (CSRFProtect)
    draft = current_draft()
    if draft is None or draft.reference:
        draft = _new_draft()
    return redirect(_next_url(draft.answers))


@bp.post("/start-again")
def start_again():
    """Someone else's unfinished answers on a shared device: clear them, start afresh."""
    ActionForm()
    _clear_draft()
    return redirect(_next_url(_new_draft().answers))


def _page_questions(section_id: str, answers: dict):
    """The page's questions: those asked given other pages' answers.

    A question whose show-when depends on a question on this same page is always
    listed: JavaScript reveals it when that answer is chosen, and without
    JavaScript it is shown with a note saying when to answer it.
    """
    cat = catalogue()
    on_page = {q.id for q in cat.section_questions(section_id)}
    return [
        q
        for q in cat.section_questions(section_id)
        if q.show_when is None or q.show_when.question in on_page or is_shown(q, answers)
    ]


def _condition_note(question, section_id: str) -> str:
    """ "Answer this only if …" for a question revealed by another on the same page."""
    rule = question.show_when
    cat = catalogue()
    if rule is None or cat.questions[rule.question].section != section_id:
        return ""
    controller = cat.questions[rule.question]
    labels = " or ".join(f"\u201c{controller.option(v).label}\u201d" for v in rule.any_of)
    return f"Answer this only if you chose {labels} above."


def _page_view(section_id: str, answers: dict, form=None, *, notice=None) -> dict:
    """Everything a question page shows, as values: question.html reads nothing else.

    Without a form (a GET), the page's answers are the saved ones; with one, what was
    sent, and its errors.
    """
    number, total = progress(section_id, answers)
    back, _ = neighbours(section_id, answers)
    changing = bool(request.args.get("change"))
    questions = _page_questions(section_id, answers)
    problems = {q.id: form[q.id].errors[0] for q in questions if form and form[q.id].errors}
    if changing:
        back_url = url_for("patient.check")
    elif back:
        back_url = url_for("patient.question", section_id=back)
    else:
        back_url = url_for("patient.start")
    return {
        "section": catalogue().sections[section_id],
        "questions": questions,
        "selected": {
            q.id: frozenset(chosen({q.id: form[q.id].data} if form else answers, q.id))
            for q in questions
        },
        "conditions": {q.id: _condition_note(q, section_id) for q in questions},
        "problems": problems,
        "errors": [
            {"anchor": f"{q.id}-{q.options[0].value}", "message": problems[q.id]}
            for q in questions
            if q.id in problems
        ],
        "number": number,
        "total": total,
        "back_url": back_url,
        "changing": changing,
        "notice": notice,
    }


def _render_page(section_id, form, answers, *, status=200, notice=None):
    view = _page_view(section_id, answers, form, notice=notice)
    return render_template("question.html", **view, form_token=generate_csrf()), status


#: Stands for the form token in a kept page.
TOKEN_SLOT = "\x00csrf\x00"


def _kept(pages: Rendered, key, render) -> bytes | str:
    """A page rendered once per ``key`` by ``render(token)``, then given this session's
    form token. It is kept as UTF-8 pieces around the token's slot, so that a view
    joins bytes and neither searches nor encodes the whole page again. A page with a
    message to show (a flash) is shown this once and not kept."""
    if "_flashes" in session:
        return render(generate_csrf())
    pieces = pages.get(key, lambda: render(TOKEN_SLOT).encode().split(TOKEN_SLOT.encode()))
    return generate_csrf().encode().join(pieces)


#: Question pages as first shown, rendered once per everything they show.
QUESTION_PAGES = Rendered(size=256)


def _frozen(value):
    """A view as a key: the catalogue's questions and sections by id (it never changes
    while the process runs), everything else by value."""
    if isinstance(value, dict):
        return tuple((k, _frozen(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, set | frozenset):
        return tuple(sorted(value))
    if isinstance(value, Question | Section):
        return value.id
    return value


def _question_page(section_id: str, answers: dict):
    """A question page as it is shown on arrival, kept with a slot for the form token.

    Most arrivals look alike (a page not answered yet, at the same place in the
    questionnaire), so a page is rendered once per view and then only given this
    session's token. The key is the whole view, so nothing a page shows can come from
    another person's answers; tests compare kept pages with fresh ones.
    """
    view = _page_view(section_id, answers)
    return _kept(
        QUESTION_PAGES,
        (request.script_root, _frozen(view)),
        lambda token: render_template("question.html", **view, form_token=token),
    )


@bp.route("/questions/<section_id>", methods=["GET", "POST"])
def question(section_id):
    if section_id not in catalogue().sections:
        abort(404)
    draft = current_draft()
    if draft is None:
        return _no_draft()
    if draft.reference:
        return redirect(url_for("patient.summary"))
    answers = draft.answers
    if not may_visit(section_id, answers):
        return redirect(_next_url(answers))

    if request.method == "GET":
        return _question_page(section_id, answers)

    form_class = page_form_class(section_id)
    other = {k: v for k, v in answers.items() if k not in form_class.question_ids}
    form = form_class(other_answers=other)
    if not form.validate():
        return _render_page(section_id, form, answers)
    new = prune({**other, **form.asked_answers()})
    try:
        store.save_answers(draft, new)
    except SQLAlchemyError as e:
        store.recover(e)
        current_app.logger.error("could not save a draft (%s)", store.error_kind(e))
        page, status = _render_page(
            section_id,
            form,
            answers,
            status=503,
            notice="We could not save this page just now. Your answers are still here: "
            "wait a moment, then press Continue again.",
        )
        return page, status, {"Retry-After": "5"}
    keep_cookie_with_draft()
    changing = bool(request.args.get("change"))
    if changing:
        target = first_unanswered(new) or CHECK
    else:
        _, after = neighbours(section_id, new)
        target = after or first_unanswered(new) or CHECK
    if _due_notices(draft, new):
        return redirect(url_for("patient.notice", **_notice_args(target, changing)))
    return redirect(_target_url(target, changing))


# --- Urgent notices -----------------------------------------------------------------

#: Where a notice's button goes when the person was on their way to the check page.
CHECK = "check"


def _target_url(target: str, changing: bool) -> str:
    """A page of the wizard ("check" or a section id), in change mode if changing."""
    if target == CHECK:
        return url_for("patient.check")
    return url_for("patient.question", section_id=target, **({"change": 1} if changing else {}))


def _notice_args(target: str, changing: bool) -> dict:
    """The notice's query: where to go next. Only a page's id; never an answer."""
    return {"next": target, **({"change": 1} if changing else {})}


def _notice_target(answers: dict) -> tuple[str, bool]:
    """Where the notice's button goes, from its query; a bad value means the next page due."""
    target = request.args.get("next", "")
    if target != CHECK and target not in catalogue().sections:
        target = first_unanswered(answers) or CHECK
    return target, bool(request.args.get("change"))


def _due_notices(draft: store.DraftState, answers: dict) -> list[str]:
    """The urgent notices these answers make that this draft has not shown yet.

    Read from the patterns (warnings.toml), without running the engine: tests hold
    the rules to the patterns, so the engine makes an urgent notice exactly when its
    pattern applies, with the pattern's id (tests/test_warnings.py). Only the notice
    page, which shows what the engine says, runs it.
    """
    seen = set(draft.notices)
    return [
        w.id
        for w in catalogue().warnings.values()
        if w.id not in seen and w.quiet_after not in seen and w.applies(answers)
    ]


def _pending_notices(draft: store.DraftState) -> tuple[list, str]:
    """The due notices (above), as the engine says them; and whom to call first for all
    the notices these answers make, shown before or not, as the summary will say."""
    due = set(_due_notices(draft, draft.answers))
    statements = evaluate(draft.answers).statements
    return [s for s in statements if s.id in due], call_first(s.id for s in statements)


def _render_notice(
    pending: tuple[list, str], target: str, changing: bool, *, status=200, problem=None
):
    due, first = pending
    notices = notice_items(due)
    go_now = any(n["emergency"] for n in notices)
    several = "Go to an emergency department now" if go_now else "Contact a clinician today"
    response = render_template(
        "notice.html",
        notices=notices,
        go_now=go_now,
        heading=notices[0]["title"] if len(notices) == 1 else several,
        todo=what_to_do(current_app.config, first),
        action=url_for("patient.acknowledge", **_notice_args(target, changing)),
        form=ActionForm(),
        problem=problem,
    )
    headers = {"Retry-After": "5"} if status == 503 else {}
    return response, status, headers


@bp.get("/notice")
def notice():
    draft = current_draft()
    if draft is None:
        return _no_draft()
    if draft.reference:
        return redirect(url_for("patient.summary"))
    target, changing = _notice_target(draft.answers)
    pending = _pending_notices(draft)
    if not pending[0]:  # already acknowledged (a reload, the Back button): go on
        return redirect(_target_url(target, changing))
    return _render_notice(pending, target, changing)


@bp.post("/notice")
def acknowledge():
    """Record that the notices shown were seen, then go on to where the person was going.

    Only notices both sent back by the form and still due are recorded: one that
    the answers made since the page was shown (another tab) is shown next.
    """
    ActionForm()
    draft = current_draft()
    if draft is None:
        return _no_draft()
    if draft.reference:
        return redirect(url_for("patient.summary"))
    target, changing = _notice_target(draft.answers)
    pending = _due_notices(draft, draft.answers)
    sent = set(request.form.getlist("notice"))
    seen = [i for i in pending if i in sent]
    if seen:
        try:
            store.acknowledge_notices(draft, seen)
        except SQLAlchemyError as e:
            store.recover(e)
            current_app.logger.error("could not record a notice as seen (%s)", store.error_kind(e))
            return _render_notice(
                _pending_notices(draft),
                target,
                changing,
                status=503,
                problem="We could not save this just now. Your answers are safe: wait a "
                "moment, then press the button again.",
            )
        keep_cookie_with_draft()
    if len(seen) < len(pending):
        return redirect(url_for("patient.notice", **_notice_args(target, changing)))
    return redirect(_target_url(target, changing))


def question_after_csrf_error(section_id: str):
    """A question page whose form token was missing, forged or expired.

    The answers sent are not trusted or saved, but they are shown again, with a
    fresh token, so that pressing Continue once more saves them. If the database is
    down too, they are still shown again (an error inside an error handler would be
    a bare 500; issue 12, defect 9).
    """
    return _question_again(
        section_id,
        "This page timed out, so your answers on it were not saved yet. They are "
        "shown again below: check them and press the button again.",
    )


def question_after_bad_input(section_id: str):
    """A question page sent with a character no answer holds (a NUL byte, another
    control character): refused before the database, and shown again with what was
    typed, those characters left out (issue 12, defect 12)."""
    return _question_again(
        section_id,
        "This page sent something no answer can hold, so your answers on it were not "
        "saved yet. Your saved answers are safe. The answers from this page are shown "
        "again below: check them and press the button again.",
    )


def _typed_form(section_id: str, other: dict):
    """The page's form filled from what was sent, without control characters."""
    sent = MultiDict(
        [(k, CONTROL.sub("", v)) for k, v in request.form.items(multi=True) if k != "csrf_token"]
    )
    return page_form_class(section_id)(formdata=sent, other_answers=other)


def _question_again(section_id: str, notice: str):
    """A question page shown again, not saved, with what was typed: 400, or 503 with
    the database's message if the draft cannot be read."""
    if section_id not in catalogue().sections:
        return _no_draft()
    try:
        draft = current_draft()
    except SQLAlchemyError as e:
        store.recover(e)
        current_app.logger.error("database unavailable (%s)", store.error_kind(e))
        page, _ = _render_page(
            section_id,
            _typed_form(section_id, {}),
            {},
            notice="We could not reach our records just now, so your answers on this page "
            "were not saved yet. They are shown again below: wait a moment, then press the "
            "button again.",
        )
        return page, 503, {"Retry-After": "5"}
    if draft is None:
        return _no_draft()
    form_class = page_form_class(section_id)
    other = {k: v for k, v in draft.answers.items() if k not in form_class.question_ids}
    return _render_page(
        section_id, _typed_form(section_id, other), draft.answers, status=400, notice=notice
    )


@bp.get("/check")
def check():
    draft = current_draft()
    if draft is None:
        return _no_draft()
    if draft.reference:
        return redirect(url_for("patient.summary"))
    if first_unanswered(draft.answers) is not None:
        return redirect(_next_url(draft.answers))
    if _due_notices(draft, draft.answers):  # e.g. a draft begun before a notice was added
        return redirect(url_for("patient.notice", **_notice_args(CHECK, False)))
    last = pages(draft.answers)[-1].id
    return render_template(
        "check.html",
        groups=answer_groups(draft.answers),
        form=ActionForm(),
        back_url=url_for("patient.question", section_id=last),
    )


@bp.post("/submit")
def submit():
    ActionForm()
    draft = current_draft()
    if draft is None:
        return _no_draft()
    if draft.reference:  # a double submit: show the one already stored
        return redirect(url_for("patient.summary"))
    answers = prune(draft.answers)
    if first_unanswered(answers) is not None:
        return redirect(_next_url(answers))
    result = evaluate(answers)
    for _attempt in range(3):
        submission = store.Submission(
            reference=store.new_reference(),
            draft_token=draft.token,
            answers=answers,
            result=result.to_dict(),
            kb_version=result.version,
            app_version=__version__,
            urgent=any(s.level == "urgent" for s in result.statements),
            notices_shown=list(draft.notices),
        )
        try:
            store.mark_sent(submission)
            break
        except IntegrityError:
            store.session().rollback()
            draft = current_draft()
            if draft is None:
                return _no_draft()
            if draft.reference:  # another request submitted this draft first
                break
    # On a shared device the summary must not outlive the visit: the cookie now ends
    # with the browser, and the server keeps the link for SENT_MINUTES (issue 12, 13).
    session.permanent = False
    return redirect(url_for("patient.summary"))


@bp.get("/summary")
def summary():
    sent = store.sent_summary(session.get(DRAFT_KEY))
    if sent is None:
        draft = current_draft()
        if draft is None or not draft.reference:
            return _no_draft() if draft is None else redirect(_next_url(draft.answers))
        return _no_draft()  # the submission has been deleted
    # A sent summary cannot change: the page is rendered once (per knowledge base and
    # clinic settings) and kept.
    key = (sent.reference, sent.kb_version, catalogue().version, repr(_todo()))
    try:
        return _kept(SUMMARIES, key, lambda token: _summary_page(sent, token))
    except Deleted:
        return _no_draft()


class Deleted(Exception):
    """The submission went between the page's two reads of it (deleted that moment)."""


def _todo() -> dict:
    return what_to_do(current_app.config)


def _summary_page(sent, token: str) -> str:
    submission = store.get_submission(sent.reference)
    if submission is None:
        raise Deleted(sent.reference)
    view = summary_view(submission.result)
    return render_template(
        "summary.html",
        reference=sent.reference,
        created_at=sent.created_at,
        view=view,
        todo=what_to_do(current_app.config, view["call_first"]),
        answers=answer_groups(submission.answers),
        sources=sources_list(),
        form_token=token,
    )


@bp.post("/finish")
def finish():
    ActionForm()
    _clear_draft()
    return render_template("cleared.html")
