"""Clear pages for every error: never a bare 500, never a lost answer.

Errors on a question page are handled in the view, which shows the page again
with what the person typed; these handlers cover everything else.
"""

import traceback

from flask import Flask, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, SQLAlchemyError
from werkzeug.exceptions import BadRequest, HTTPException

from .security import has_control_characters

MESSAGES = {
    400: (
        "Something in that request was not right",
        "The page received something it did not expect. Your saved answers are safe.",
    ),
    403: ("You cannot open this page", "This page is not available to you."),
    404: ("Page not found", "Check the address, or start from the home page."),
    405: (
        "That did not work",
        "This page cannot be used in that way. Your saved answers are safe.",
    ),
    413: (
        "That was too much to send",
        "The form sent more than any answer needs. Your saved answers are safe.",
    ),
    429: ("Too many tries", "Wait a minute, then try again."),
}


#: The same errors, said to clinic staff in the staff area.
STAFF_MESSAGES = {
    400: ("That request was not right", "Nothing was changed."),
    403: ("Sign in to continue", "This page is for signed-in clinic staff."),
    404: ("Not found", "There is no page or submission at this address. It may have been deleted."),
    405: ("That did not work", "This page cannot be used in that way. Nothing was changed."),
    413: ("That was too much to send", "Nothing was changed."),
    429: ("Too many sign-in attempts", "For security, wait a minute, then try again."),
    503: (
        "The records are busy",
        "We could not reach the records just now. Nothing was changed: wait a moment, then try "
        "again.",
    ),
    500: (
        "Something went wrong",
        "Nothing was changed. Try again in a moment; if it happens again, tell whoever runs "
        "this app.",
    ),
    "csrf": (
        "This form expired",
        "For security, forms expire after a while. Nothing was changed yet: press Try again to "
        "finish what you were doing.",
    ),
}
#: Form fields never sent back in a page: secrets and the old token.
NEVER_RESENT = {"csrf_token", "password", "new_password"}


def error_page(status: int, title: str, message: str, **extra):
    if request.path.startswith("/staff/"):
        return _staff_error(status, extra.get("kind", status)), status
    extra.pop("kind", None)
    return render_template(
        "error.html", status=status, title=title, message=message, **extra
    ), status


def _staff_error(status: int, kind) -> str:
    """A staff error in the staff layout, with a way back and, after an expired form,
    the same action offered again with a fresh token."""
    from . import auth
    from .forms import ActionForm

    title, message = STAFF_MESSAGES.get(kind) or STAFF_MESSAGES.get(status, STAFF_MESSAGES[400])
    try:
        signed_in = auth.current_staff() is not None
    except SQLAlchemyError as e:  # the database is down too: an error page all the same
        from . import db

        db.recover(e)
        signed_in = False
    reference = (request.view_args or {}).get("reference")
    retry = None
    if kind == "csrf" and signed_in and request.endpoint and request.endpoint != "staff.sign_in":
        fields = [(k, v) for k, v in request.form.items(multi=True) if k not in NEVER_RESENT]
        retry = {"action": request.path, "fields": fields}
    elif kind == "csrf":
        message = (
            "For security, forms expire after a while. Nothing was changed: go back and try again."
        )
    back, back_label = None, ""
    if signed_in and reference and status != 404:
        back, back_label = (
            url_for("staff.submission", reference=reference),
            "Back to the submission",
        )
    return render_template(
        "staff/error.html",
        status=status,
        title=title,
        message=message,
        signed_in=signed_in,
        retry=retry,
        back=back,
        back_label=back_label,
        form=ActionForm(),
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_e):
        if request.endpoint == "patient.question":
            from .patient import question_after_csrf_error

            return question_after_csrf_error(request.view_args["section_id"])
        return error_page(
            400,
            "This page timed out",
            "For your security, forms expire after a while. Your saved answers are safe: "
            "go back to where you were and press the button again.",
            resume=True,
            kind="csrf",
        )

    @app.errorhandler(SQLAlchemyError)
    def database_error(_e):
        from . import db

        db.recover(_e)
        if isinstance(_e, DataError):
            # The database refused a value (NUL in text on PostgreSQL, one too long):
            # the request's fault, not an outage (issue 12, defect 12).
            app.logger.warning("database refused a value (%s)", db.error_kind(_e))
            return http_error(BadRequest())
        app.logger.error("database unavailable (%s)", db.error_kind(_e))
        response = error_page(
            503,
            "Sorry, please try again in a moment",
            "We could not reach our records just now. The answers you saved are safe. "
            "Wait a moment, then try again.",
            resume=True,
        )
        return response[0], 503, {"Retry-After": "5"}

    @app.errorhandler(HTTPException)
    def http_error(e):
        if e.code == 400 and request.endpoint == "patient.question" and has_control_characters():
            from .patient import question_after_bad_input

            return question_after_bad_input(request.view_args["section_id"])
        title, message = MESSAGES.get(e.code, ("Something went wrong", e.description))
        page, status = error_page(e.code or 500, title, message)
        return page, status, ({"Retry-After": "60"} if status == 429 else {})

    @app.errorhandler(Exception)
    def unexpected(e):
        # The traceback's frames, not the exception's message: a message may quote input.
        frames = "".join(traceback.format_tb(e.__traceback__))
        app.logger.error("unexpected error (%s)\n%s", type(e).__name__, frames)
        return error_page(
            500,
            "Sorry, something went wrong",
            "The answers you saved are safe. Please try again in a moment.",
            resume=True,
        )
