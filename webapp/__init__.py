"""The web app: an application factory in the style of Flask's tutorial (flaskr).

Blueprints per user group; this issue builds the patient's wizard.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

__version__ = "0.2.0"

csrf = CSRFProtect()


class SessionInterface(SecureCookieSessionInterface):
    """Session cookie marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app):
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def create_app(test_config: dict | None = None) -> Flask:
    test_config = dict(test_config or {}) if test_config is not None else None
    instance = (test_config or {}).pop("INSTANCE_PATH", None) or os.environ.get("BME_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=str(Path(instance).resolve()) if instance else None,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    app.config.from_mapping(
        DATABASE_URL=f"sqlite:///{Path(app.instance_path) / 'bme.sqlite'}",
        PRODUCTION=False,
        DATABASE_BUSY_TIMEOUT_MS=5000,
        # Database connections kept open per worker: at least its waitress threads.
        DATABASE_POOL_SIZE=16,
        DRAFT_HOURS=24,
        # A sent summary stays in the browser that sent it this long (a shared device).
        SENT_MINUTES=60,
        # Forms are small: a whole page of answers is well under 16 KiB.
        MAX_CONTENT_LENGTH=64 * 1024,
        MAX_FORM_MEMORY_SIZE=16 * 1024,
        MAX_FORM_PARTS=200,
        SESSION_COOKIE_NAME="bme_session",
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=False,
        WTF_CSRF_TIME_LIMIT=3600,
        STAFF_IDLE_MINUTES=15,
        STAFF_ABSOLUTE_HOURS=10,
        STAFF_LOCKOUT_AFTER=5,
        STAFF_LOCKOUT_MINUTES=15,
        # Sign-in attempts per source network per minute, per worker.
        STAFF_SIGN_IN_PER_MINUTE=10,
        RETENTION_DAYS=90,
        # The audit log is trimmed by `bme purge` to this many days.
        AUDIT_RETENTION_DAYS=365,
        # Shown with every urgent notice: what to call now.
        EMERGENCY_NUMBER="your local emergency number",
        CLINIC_PHONE="",
        # An IANA name such as "Europe/London"; empty means the server's own zone.
        TIMEZONE="",
    )
    if test_config is None:
        app.config.from_prefixed_env("BME")
    else:
        app.config.update(test_config)
    app.config["PERMANENT_SESSION_LIFETIME"] = app.config["DRAFT_HOURS"] * 3600
    # The cookie is signed and sent again only when it changes, and a saved page
    # changes it (patient.keep_cookie_with_draft): it then lasts DRAFT_HOURS from the
    # last save, as the draft does, instead of being re-signed on every page.
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    _secret_key(app)
    zone = _time_zone(app.config["TIMEZONE"])
    app.extensions["bme_zone"] = zone
    app.add_template_filter(
        lambda value, seconds=False: local_time(value, zone, seconds=seconds), "local_time"
    )
    app.session_interface = SessionInterface()

    from . import db, errors, gate, security
    from .about import bp as about_bp
    from .learn import bp as learn_bp
    from .patient import bp as patient_bp
    from .staff import bp as staff_bp

    csrf.init_app(app)
    db.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    gate.init_app(app)
    app.register_blueprint(patient_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(learn_bp)
    app.register_blueprint(about_bp)

    from .cli import init_db_command

    app.cli.add_command(init_db_command)
    return app


def _secret_key(app: Flask) -> None:
    """Production must be given a key; development keeps one in the instance folder.

    A random key per process would break CSRF tokens and sessions across
    workers and restarts, so even development keeps its key on disk.
    """
    if app.config.get("SECRET_KEY"):
        return
    if app.config["PRODUCTION"]:
        raise RuntimeError(
            "BME_SECRET_KEY is not set. In production the app refuses to start without "
            "a secret key shared by all workers, e.g. "
            'BME_SECRET_KEY="$(python3 -c "import secrets; print(secrets.token_hex(32))")"'
        )
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        app.logger.warning(
            "development: generated a secret key in %s; set BME_SECRET_KEY in production",
            key_file,
        )
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def _time_zone(name: str) -> tzinfo | None:
    """The clinic's zone, checked at start-up so that a typo never fails a request.

    None means the server's own zone, which ``astimezone()`` follows with its
    summer time.
    """
    if not name:
        return None
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise RuntimeError(
            f"BME_TIMEZONE={name!r} is not a time zone known here: use an IANA name "
            'such as "Europe/London" or "America/New_York"'
        ) from None


def clinic_day_bounds(first: date, last: date, zone: tzinfo | None) -> tuple[datetime, datetime]:
    """The clinic's days ``first`` to ``last`` (inclusive) as stored times: naive UTC."""
    start = datetime.combine(first, time.min)
    end = datetime.combine(last + timedelta(days=1), time.min)
    return tuple(  # type: ignore[return-value]
        (t.replace(tzinfo=zone) if zone else t.astimezone()).astimezone(UTC).replace(tzinfo=None)
        for t in (start, end)
    )


def clinic_today(zone: tzinfo | None) -> date:
    return datetime.now(UTC).astimezone(zone).date()


def local_time(value: datetime, zone: tzinfo | None, *, seconds: bool = False) -> str:
    """A stored time (naive UTC, see db.utcnow) in the clinic's zone, for people.

    For example "22 November 2026, 14:05 GMT": the zone's own abbreviation, since
    a patient reads the clock on the wall, not UTC. With ``seconds`` (the audit
    log), "22 November 2026, 14:05:09 GMT".
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(zone)
    clock = "%H:%M:%S" if seconds else "%H:%M"
    return f"{local.day} {local.strftime('%B %Y, ' + clock)} {local.tzname()}"
