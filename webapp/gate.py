"""The sign-in gate: a network over its sign-in window is refused before Flask runs.

The window (auth.AttemptWindow) already stopped a flood from costing scrypt, but each
refusal still cost a whole request: the session cookie, a form token, a rendered page.
Eight clients hammering the sign-in then made a patient's page 9.5 times slower
(issue 12, defect 2). Here, in front of the app, a refusal is a page rendered once and
a dictionary look-up, so that sign-in traffic cannot crowd out patients.
"""

from __future__ import annotations

from flask import Flask

from . import auth
from .security import security_headers

PATH = "/staff/sign-in"


class SignInGate:
    """WSGI middleware around ``app.wsgi_app``: 429 for the sign-in page (GET or POST)
    while the client's network has used its window; everything else passes."""

    def __init__(self, app: Flask):
        self.app = app
        self.inner = app.wsgi_app
        self._page: bytes | None = None

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == PATH and auth.sign_in_window(self.app).full(
            auth.network_of(environ.get("REMOTE_ADDR"))
        ):
            return self.refuse(environ, start_response)
        return self.inner(environ, start_response)

    def refuse(self, environ, start_response):
        body = self.page()
        headers = {
            **security_headers(environ.get("wsgi.url_scheme") == "https"),
            "Content-Type": "text/html; charset=utf-8",
            "Content-Length": str(len(body)),
            "Retry-After": "60",
        }
        start_response("429 Too Many Requests", list(headers.items()))
        return [body] if environ.get("REQUEST_METHOD") != "HEAD" else []

    def page(self) -> bytes:
        """The staff error page for 429, rendered once (it holds nothing per request)."""
        if self._page is None:
            from .errors import STAFF_MESSAGES, error_page

            with self.app.test_request_context(PATH):
                html, _ = error_page(429, *STAFF_MESSAGES[429])
            self._page = html.encode()
        return self._page


def init_app(app: Flask) -> None:
    app.wsgi_app = SignInGate(app)
