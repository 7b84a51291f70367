"""Staff accounts and server-side staff sessions.

Passwords are hashed with scrypt (memory-hard, werkzeug's default). Failed
sign-ins are counted in the database so that a lock holds across workers, and
an unknown user and a wrong password get the same answer, in the same time.
Failures that feed no lockout (unknown names, a locked account) are counted in
the audit log per source and hour, so that a flood of them buries nothing.
Sessions live on the server: signing out, or an idle or absolute timeout, ends
them even for a copied cookie.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import threading
from contextlib import contextmanager
from datetime import timedelta

import limits
from flask import current_app, g, has_request_context, request, session
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from . import db as store

MIN_PASSWORD = 12
MAX_PASSWORD = 128
STAFF_KEY = "staff"

#: Checked when the user does not exist, so that an unknown name takes as long.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16), method="scrypt")


class PasswordError(ValueError):
    pass


class SignInBusy(RuntimeError):
    """Every password-hashing slot stayed taken: sign-in traffic waits, patients do not."""


#: Password checks (scrypt, ~0.1 s of a core each) running at once in this process:
#: one, so that a flood of sign-ins can take at most one core from the patients'
#: pages (issue 12, defect 2); others wait up to HASH_WAIT seconds.
_HASH_SLOTS = threading.BoundedSemaphore(1)
HASH_WAIT = 5.0


@contextmanager
def hashing_slot():
    if not _HASH_SLOTS.acquire(timeout=HASH_WAIT):
        raise SignInBusy
    try:
        yield
    finally:
        _HASH_SLOTS.release()


class AttemptWindow:
    """At most ``limit`` sign-in attempts per source network per minute, per worker.

    Checked before any password is hashed, so that a flood from one network costs a
    dictionary lookup, not scrypt. A moving window from `limits` (the library behind
    Flask-Limiter), kept in this worker's memory, where old entries expire on their
    own: with several workers each counts its own, and the lockout in the database
    still bounds the guesses per account.
    """

    def __init__(self, limit: int):
        self.item = limits.RateLimitItemPerMinute(limit)
        self._window = MovingWindowRateLimiter(MemoryStorage())

    def allow(self, source: str) -> bool:
        """Count an attempt from ``source``, unless its window is already full."""
        return self._window.hit(self.item, "sign-in", source)

    def full(self, source: str) -> bool:
        """Whether ``source`` has used its window, without counting anything."""
        return not self._window.test(self.item, "sign-in", source)


def sign_in_window(app) -> AttemptWindow:
    """This app's window of sign-in attempts, shared by the view and the gate."""
    return app.extensions.setdefault(
        "bme_sign_in_window", AttemptWindow(app.config["STAFF_SIGN_IN_PER_MINUTE"])
    )


def attempt_allowed() -> bool:
    return sign_in_window(current_app).allow(client_source())


#: zxcvbn's score (0 to 4) a new password needs: 3, "safely unguessable" offline
#: at its estimate of 10^8 guesses and more.
MIN_STRENGTH = 3


def check_new_password(password: str, username: str = "") -> None:
    """Long enough, not blank, and not guessable (issue 12, defect 15): zxcvbn checks it
    against common passwords, words, names, dates, keyboard patterns and the user name."""
    if len(password) > MAX_PASSWORD:
        raise PasswordError(f"The password must have at most {MAX_PASSWORD} characters.")
    if len(password.strip()) < MIN_PASSWORD:
        raise PasswordError(
            f"The password must have at least {MIN_PASSWORD} characters, not counting spaces "
            "at either end."
        )
    result = zxcvbn(password, user_inputs=[username] if username else [])
    if result["score"] < MIN_STRENGTH:
        hint = result["feedback"].get("warning") or "It would be easy to guess."
        raise PasswordError(f"Choose a harder password. {hint}".strip())


def create_staff(username: str, password: str) -> store.StaffUser:
    username = username.strip()
    if not username or len(username) > 80:
        raise ValueError("The username must have 1 to 80 characters.")
    check_new_password(password, username)
    db = store.session()
    if db.scalar(select(store.StaffUser).where(store.StaffUser.username == username)):
        raise ValueError(f"A staff account called {username!r} already exists.")
    user = store.StaffUser(
        username=username, password_hash=generate_password_hash(password, method="scrypt")
    )
    db.add(user)
    db.commit()
    return user


def audit(actor: str, action: str, reference: str | None = None, detail: str = "") -> None:
    """Record a staff action (never an answer)."""
    db = store.session()
    db.add(
        store.AuditEvent(actor=actor[:80], action=action, reference=reference, detail=detail[:200])
    )
    db.commit()


#: Who a counted row of sign-ins with unknown user names is by: the names are not kept
#: (they are not staff, and a password typed in the wrong box would land in the log).
UNKNOWN_ACTOR = "(unknown user name)"
#: Sources with a counted row of their own per hour and kind; the rest share one row.
SOURCES_PER_HOUR = 10
OTHER_SOURCES = "other sources"


def client_source() -> str:
    """Where a request came from, coarsely: the client's network, not its address.

    The address as the app sees it (behind ``bme serve --trusted-proxy``, the client
    the proxy names in X-Forwarded-For), cut to its /24 (IPv4) or /48 (IPv6) network:
    enough to tell one source hammering the sign-in from many, or to block a network,
    without keeping a person's own address in a log kept for a year.
    """
    return network_of(request.remote_addr) if has_request_context() else "unknown"


def network_of(remote_addr: str | None) -> str:
    """An address cut to its /24 (IPv4) or /48 (IPv6) network; see client_source."""
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return "unknown"
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def count_failure(actor: str, action: str, what: str) -> None:
    """One more try on this source's row for the hour, made at the first try.

    For failures that feed no lockout (unknown user names, an account already
    locked): 500 tries in 30 s are one row, updated, not 500. The row is found by a
    unique key, so that workers counting at once add to one row; its ``at`` is the
    latest try, so that the log, newest first, shows an attack that goes on at the
    top without burying what staff did. At most ``SOURCES_PER_HOUR`` sources a row
    each per hour; the rest count in one "other sources" row.
    """
    db = store.session()
    now = store.utcnow()
    hour = now.replace(minute=0, second=0, microsecond=0)
    actor = actor[:80]
    event = store.AuditEvent

    def key(source: str) -> str:
        return hashlib.sha256(f"{action}|{actor}|{source}|{hour:%Y-%m-%dT%H}".encode()).hexdigest()

    def add_one(bucket: str) -> bool:
        counted = db.execute(
            update(event)
            .where(event.bucket == bucket)
            .values(count=event.count + 1, at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.commit()
        return counted > 0

    source = client_source()
    if add_one(key(source)):
        return
    rows_this_hour = db.scalar(
        select(func.count())
        .select_from(event)
        .where(
            event.action == action,
            event.actor == actor,
            event.bucket.is_not(None),
            event.first_at >= hour,
        )
    )
    if rows_this_hour >= SOURCES_PER_HOUR:
        source = OTHER_SOURCES
        if add_one(key(source)):
            return
    db.add(
        event(
            at=now,
            first_at=now,
            actor=actor,
            action=action,
            detail=f"{what}, from {source}"[:200],
            count=1,
            bucket=key(source),
        )
    )
    try:
        db.commit()
    except IntegrityError:  # another worker made the row first: count on it
        db.rollback()
        add_one(key(source))


def authenticate(username: str, password: str) -> store.StaffUser | None:
    """The user if the password is right and the account is not locked; else None.

    An attempt is counted before its password is checked, in one UPDATE that only
    succeeds while the account is unlocked and under the limit (issue 12, defect 1):
    parallel requests cannot check more passwords than the limit per lockout window,
    on any number of workers. A refused attempt checks the dummy hash instead, so that
    it takes as long as any other.
    """
    config = current_app.config
    db = store.session()
    user = db.scalar(select(store.StaffUser).where(store.StaffUser.username == username))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        count_failure(UNKNOWN_ACTOR, "sign_in_failed", "unknown user name")
        return None
    now = store.utcnow()
    staff = store.StaffUser
    reserved = db.execute(
        update(staff)
        .where(
            staff.id == user.id,
            or_(staff.locked_until.is_(None), staff.locked_until <= now),
            staff.failed_count < config["STAFF_LOCKOUT_AFTER"],
        )
        .values(failed_count=staff.failed_count + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.commit()
    if not reserved:  # locked, or the limit taken by attempts still being checked
        check_password_hash(_DUMMY_HASH, password)
        count_failure(user.username, "sign_in_failed", "account locked")
        return None
    if check_password_hash(user.password_hash, password):
        db.execute(
            update(staff)
            .where(staff.id == user.id)
            .values(failed_count=0, locked_until=None)
            .execution_options(synchronize_session=False)
        )
        db.commit()
        db.refresh(user)
        return user
    locked = db.execute(
        update(staff)
        .where(staff.id == user.id, staff.failed_count >= config["STAFF_LOCKOUT_AFTER"])
        .values(
            failed_count=0,
            locked_until=now + timedelta(minutes=config["STAFF_LOCKOUT_MINUTES"]),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.commit()
    if locked:
        audit(user.username, "account_locked")
    audit(user.username, "sign_in_failed", detail="wrong password")
    return None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: store.StaffUser) -> None:
    """A new session at sign-in: the old cookie's contents (and any draft) go, and so
    does any staff session it held on the server (issue 12, defect 6)."""
    end_server_session()
    token = secrets.token_urlsafe(32)
    db = store.session()
    db.add(store.StaffSession(token_hash=_token_hash(token), user_id=user.id))
    db.commit()
    session.clear()
    session[STAFF_KEY] = token
    session.permanent = False


def end_server_session() -> None:
    """End the staff session this browser's cookie holds, on the server: call before the
    cookie is replaced, so that no session is left alive that nobody can sign out of."""
    token = session.get(STAFF_KEY)
    if token:
        db = store.session()
        db.execute(
            delete(store.StaffSession).where(store.StaffSession.token_hash == _token_hash(token))
        )
        db.commit()


def end_session() -> None:
    end_server_session()
    session.clear()


def current_staff() -> store.StaffUser | None:
    """The signed-in staff user, if their server-side session is still alive."""
    if "staff_user" in g:
        return g.staff_user
    g.staff_user = None
    token = session.get(STAFF_KEY)
    if not token:
        return None
    config = current_app.config
    db = store.session()
    row = db.get(store.StaffSession, _token_hash(token))
    now = store.utcnow()
    if row is None:
        return None
    idle = timedelta(minutes=config["STAFF_IDLE_MINUTES"])
    absolute = timedelta(hours=config["STAFF_ABSOLUTE_HOURS"])
    if row.last_seen < now - idle or row.created_at < now - absolute:
        db.delete(row)
        db.commit()
        return None
    row.last_seen = now
    db.commit()
    g.staff_user = db.get(store.StaffUser, row.user_id)
    return g.staff_user
