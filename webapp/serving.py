"""Serving the app with waitress, as ``bme serve`` does.

waitress answers some requests itself, before the app sees them (a malformed request
line, headers too large, a body over its limit): those errors carried none of the
app's security headers (issue 12, defect 10). Its error task is swapped here for one
that adds them.
"""

from __future__ import annotations

import logging

from flask import Flask
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server
from waitress.task import ErrorTask

from .security import security_headers


class SecureErrorTask(ErrorTask):
    """waitress's own error response, with the app's security headers."""

    def execute(self):
        self.response_headers.extend(security_headers(secure=False).items())
        super().execute()


class SecureChannel(HTTPChannel):
    error_task_class = SecureErrorTask


def make_server(app: Flask, **options):
    """A waitress server for the app whose own errors carry the security headers."""
    server = create_server(app, **options)
    for s in (server, *getattr(server, "map", {}).values()):
        if isinstance(s, BaseWSGIServer):
            s.channel_class = SecureChannel
    return server


def serve(app: Flask, **options) -> None:
    """waitress.serve, with make_server's server."""
    logging.basicConfig()
    server = make_server(app, **options)
    server.print_listen("Serving on http://{}:{}")
    server.run()


def proxy_options(trusted_proxy: str | None) -> dict:
    """waitress's options behind a reverse proxy at ``trusted_proxy`` (deploy/nginx): HTTPS
    ends there, so trust its X-Forwarded-Proto (cookies marked Secure, Flask-WTF's HTTPS
    Referer check) and X-Forwarded-For (the client's network for the sign-in window)."""
    if not trusted_proxy:
        return {}
    return {
        "trusted_proxy": trusted_proxy,
        "trusted_proxy_headers": {"x-forwarded-proto", "x-forwarded-for"},
    }
