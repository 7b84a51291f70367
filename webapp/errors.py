"""Clear pages for every error: never a bare 500, never a lost answer.

Errors on a question page are handled in the view, which shows the page again
with what the person typed; these handlers cover everything else.
"""

import traceback

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

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
}


def error_page(status: int, title: str, message: str, **extra):
    return render_template(
        "error.html", status=status, title=title, message=message, **extra
    ), status


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
        )

    @app.errorhandler(SQLAlchemyError)
    def database_error(_e):
        app.logger.error("database unavailable (%s)", type(_e).__name__)
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
        title, message = MESSAGES.get(e.code, ("Something went wrong", e.description))
        return error_page(e.code or 500, title, message)

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
