"""Security headers on every response, and input no field may hold."""

import re

from flask import Flask, abort, request
from werkzeug.exceptions import HTTPException

FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}

#: Characters no answer, code, name or password typed in a browser holds: NUL (which
#: PostgreSQL refuses in text) and the other C0 controls but tab, line feed and carriage
#: return, and DEL (issue 12, defect 12).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def init_app(app: Flask) -> None:
    # Flask-WTF's HTTPS check demands a same-origin Referer, so a browser or privacy
    # tool that sends none could never save a page (issue 12, defect 11). The token
    # and the SameSite cookie are the defence; Origin and Referer, when sent, are
    # checked below as defence in depth (OWASP's CSRF cheat sheet).
    app.config["WTF_CSRF_SSL_STRICT"] = False

    @app.before_request
    def same_origin_posts():
        """A POST whose Origin or Referer names another site is refused."""
        if request.method != "POST":
            return
        here = request.host_url.rstrip("/")
        origin = request.headers.get("Origin")
        if origin and origin != "null" and origin.rstrip("/") != here:
            abort(400)
        referer = request.headers.get("Referer")
        if not origin and referer and not (referer == here or referer.startswith(here + "/")):
            abort(400)

    @app.before_request
    def no_control_characters():
        """Refused before any view (and the database) sees them; on a question page the
        400 handler shows the page again with what was typed (webapp/errors.py)."""
        if has_control_characters():
            abort(400)

    @app.after_request
    def headers(response):
        response.headers.update(
            security_headers(request.is_secure, cacheable=request.endpoint == "static")
        )
        return response


def security_headers(secure: bool, cacheable: bool = False) -> dict[str, str]:
    """The headers every response carries; also sent by the sign-in gate, which answers
    before Flask (webapp/gate.py)."""
    h = {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        # same-origin, not no-referrer: a same-origin Referer is checked when sent.
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    if secure:  # over HTTPS (directly, or from the trusted proxy)
        h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if not cacheable:
        # Pages may show answers: never keep them in a shared device's cache.
        h["Cache-Control"] = "no-store"
        h["Pragma"] = "no-cache"
    return h


def has_control_characters() -> bool:
    """Whether the query or a posted form holds a character no field may hold."""
    values = list(request.args.values())
    if request.method == "POST" and request.mimetype in FORM_TYPES:
        try:
            values += list(request.form.values())
        except HTTPException:  # a form too big to read: refused as such elsewhere
            return False
    return any(CONTROL.search(v) for v in values)
