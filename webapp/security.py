"""Security headers on every response, and input no field may hold."""

from flask import Flask, abort, request

FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}

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
    @app.before_request
    def no_nul_bytes():
        """A NUL byte fits no answer, code or name, and PostgreSQL refuses it in text:
        a clear 400 rather than a database error (issue 12, defect 12)."""
        values = list(request.args.values())
        if request.method == "POST" and request.mimetype in FORM_TYPES:
            values += list(request.form.values())
        if any("\x00" in v for v in values):
            abort(400)

    @app.after_request
    def headers(response):
        h = response.headers
        h["Content-Security-Policy"] = CSP
        h["X-Content-Type-Options"] = "nosniff"
        h["X-Frame-Options"] = "DENY"
        # Not no-referrer: Flask-WTF's HTTPS check needs a same-origin Referer.
        h["Referrer-Policy"] = "same-origin"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Cross-Origin-Resource-Policy"] = "same-origin"
        if request.is_secure:  # over HTTPS (directly, or from the trusted proxy)
            h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if request.endpoint != "static":
            # Pages may show answers: never keep them in a shared device's cache.
            h["Cache-Control"] = "no-store"
            h["Pragma"] = "no-cache"
        return response
