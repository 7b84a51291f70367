"""Storage: drafts (answers in progress) and submissions, with SQLAlchemy.

SQLite in the instance folder by default, in WAL mode with a busy timeout so
that several threads or workers can write; any SQLAlchemy URL from config
(``BME_DATABASE_URL``, e.g. PostgreSQL) otherwise. Tables are created on first
run, or with ``bme init-db``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app, g
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    bindparam,
    create_engine,
    delete,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from . import changes


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Draft(Base):
    """Answers in progress, keyed by an opaque random token held in the session cookie."""

    __tablename__ = "drafts"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    #: Set once submitted, so that a second submit shows the same submission.
    reference: Mapped[str | None] = mapped_column(String(20), nullable=True)
    #: Ids of the urgent notices already shown and acknowledged, so that each one
    #: interrupts the questionnaire once. NULL (a draft from before) means none.
    notices: Mapped[list | None] = mapped_column(JSON, nullable=True, default=list)


class Submission(Base):
    """A submitted questionnaire: answers, the engine's result, and when."""

    __tablename__ = "submissions"

    reference: Mapped[str] = mapped_column(String(20), primary_key=True)
    #: The draft it came from: unique, so a double submit cannot store two.
    draft_token: Mapped[str] = mapped_column(String(64), unique=True)
    answers: Mapped[dict] = mapped_column(JSON)
    #: ``rules.results.Result.to_dict()``: statements, facts and trace.
    result: Mapped[dict] = mapped_column(JSON)
    kb_version: Mapped[str] = mapped_column(String(40))
    app_version: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    #: The urgent notices that interrupted the questionnaire, copied from the draft.
    notices_shown: Mapped[list | None] = mapped_column(JSON, nullable=True, default=list)


class StaffUser(Base):
    """A clinic staff account, created from the command line (no default account)."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: Failed sign-ins in a row, kept here so that every worker sees the same count.
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class StaffSession(Base):
    """A signed-in staff session, held on the server so that sign-out really ends it.

    The cookie carries a random token; only its SHA-256 is stored.
    """

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AuditEvent(Base):
    """Who did what, when, to which submission: never an answer.

    Most rows are one action each. Failed sign-ins that feed no lockout (unknown user
    names, an account already locked) are counted instead: one row per source and hour
    (``bucket``), whose ``count`` goes up and whose ``at`` is the latest try, so that a
    flood of them cannot bury staff actions (see ``auth.count_failure``).
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: When it happened; for a counted row, the latest try.
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    detail: Mapped[str] = mapped_column(String(200), default="")
    #: A counted row: how many tries (NULL: one action), the first one, and its key.
    count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    first_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    bucket: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True, index=True)


# --- Reference codes --------------------------------------------------------------

#: Crockford's base 32: no I, L, O or U, so a code read aloud is not misheard.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}

#: Codes made now: 12 random characters and a check character, in groups of 4, 4 and 5.
CHECKED_LENGTH = 13
#: Codes made before the check character: 12 random characters, still found.
OLD_LENGTH = 12


def check_character(chars: str) -> str | None:
    """Crockford's check symbol for these characters: their value as a number, mod 37.

    None when that is 32 to 36, whose symbols (* ~ $ = U) are awkward to say and type:
    new codes are drawn again until their check is one of the 32 ordinary characters.
    Mod a prime above 31, a code with one character changed, or two neighbours swapped
    (the check character included), always has a different check (tests/test_reference.py).
    """
    value = 0
    for c in chars:
        value = (value * 32 + _VALUE[c]) % 37
    return ALPHABET[value] if value < 32 else None


def _grouped(chars: str) -> str:
    """XXXX-XXXX-XXXX for old codes, XXXX-XXXX-XXXXX for checked ones."""
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def new_reference() -> str:
    """12 random characters and their check character: XXXX-XXXX-XXXXX.

    Redrawing the 5 in 37 codes whose check would be a symbol leaves
    log2(32**12 * 32/37) = 59.8 bits of randomness.
    """
    while True:
        chars = "".join(secrets.choice(ALPHABET) for _ in range(12))
        check = check_character(chars)
        if check is not None:
            return _grouped(chars + check)


def _cleaned(text: str) -> str:
    """What a person typed, as code characters: any case, spaces and dashes dropped,
    O for 0, I or L for 1. At most 40 characters are read."""
    cleaned = "".join(c for c in text[:40].upper() if c.isalnum())
    return cleaned.translate(str.maketrans("OIL", "011"))


def _well_formed(chars: str) -> bool:
    """An old code (12 characters), or a new one (13) whose check character is right."""
    if any(c not in _VALUE for c in chars):
        return False
    if len(chars) == CHECKED_LENGTH:
        return check_character(chars[:-1]) == chars[-1]
    return len(chars) == OLD_LENGTH


def normalise_reference(text: str) -> str:
    """A typed code as it is stored, or "" if it cannot be one (a typo the check catches)."""
    chars = _cleaned(text)
    return _grouped(chars) if _well_formed(chars) else ""


def one_slip_from(chars: str) -> set[str]:
    """Every well-formed code one slip away from these characters, grouped: one
    character changed, two neighbours swapped, one left out or one added."""
    near = set()
    for i in range(len(chars) + 1):
        for c in ALPHABET:
            near.add(chars[:i] + c + chars[i:])  # one left out
            if i < len(chars):
                near.add(chars[:i] + c + chars[i + 1 :])  # one changed
        if i < len(chars):
            near.add(chars[:i] + chars[i + 1 :])  # one added
        if i + 1 < len(chars):
            near.add(chars[:i] + chars[i + 1] + chars[i] + chars[i + 2 :])  # swapped
    near.discard(chars)
    return {_grouped(n) for n in near if _well_formed(n)}


# --- Engine and sessions ---------------------------------------------------------------


def make_engine(url: str, busy_timeout_ms: int = 5000, pool_size: int = 16):
    """An engine; for SQLite, WAL mode (readers never block the writer) and a busy timeout.

    The pool keeps ``pool_size`` connections open: at least one per waitress thread, or
    under load every request past the pool's size would open and close a connection of
    its own (SQLAlchemy's default keeps 5; ``bme serve`` runs 8 threads).
    """
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=pool_size)
    engine = create_engine(
        url, connect_args={"timeout": busy_timeout_ms / 1000}, pool_size=pool_size
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        _private_files(url)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        _private_files(url)  # the -wal and -shm files exist from here

    return engine


def _private_files(url: str) -> None:
    """Health data: the SQLite file and its -wal and -shm files readable by the app only
    (issue 12, defect 14). SQLite makes them with the process umask, often 0644."""
    path = url.removeprefix("sqlite:///")
    if not path or path.startswith(":memory:") or url.startswith("sqlite:///:"):
        return
    for name in (path, f"{path}-wal", f"{path}-shm"):
        # Changed only when open to others; a file not ours to change (read-only, or
        # immutable) is left as it is: an error here would escape the database's error
        # handling as a bare 500, before SQLite says what is wrong.
        with contextlib.suppress(OSError):
            if stat.S_IMODE(os.stat(name).st_mode) & 0o077:
                os.chmod(name, 0o600)


def _private_folder(app: Flask) -> None:
    """The instance folder (database, secret key) for the app's user only: one an older
    version made 0755 is made 0700 (issue 12, defect 14)."""
    folder = app.instance_path
    with contextlib.suppress(OSError):  # not ours to change: leave it, as before
        mode = stat.S_IMODE(os.stat(folder).st_mode)
        if mode & 0o077:
            os.chmod(folder, mode & 0o700)
            app.logger.warning("made the instance folder %s private (was %o)", folder, mode)


def init_app(app: Flask) -> None:
    _private_folder(app)
    engine = make_engine(
        app.config["DATABASE_URL"],
        app.config["DATABASE_BUSY_TIMEOUT_MS"],
        int(app.config["DATABASE_POOL_SIZE"]),
    )
    app.extensions["bme_db"] = sessionmaker(engine, expire_on_commit=False)
    app.extensions["bme_engine"] = engine
    stamp = changes.stamp_for(engine.url)
    changes.watch(engine, stamp, quiet=(SAVE_ANSWERS, SAVE_NOTICES))
    app.extensions["bme_sent"] = changes.SentSummaries(stamp)
    app.teardown_appcontext(_close_session)
    try:
        create_tables(app)
    except Exception as e:  # a database that is down must not stop the app starting
        app.logger.warning(
            "database not reachable at start; tables not created yet (%s)", type(e).__name__
        )


def create_tables(app: Flask) -> None:
    engine = app.extensions["bme_engine"]
    Base.metadata.create_all(engine)
    for name in add_missing_columns(engine):
        app.logger.warning("database: added the column %s to an existing table", name)
    # create_all makes an index only with its table: add those a newer version defines
    # on older tables (e.g. the audit log's unique bucket, on which counting relies).
    for table in Base.metadata.sorted_tables:
        for index in table.indexes:
            try:
                index.create(engine, checkfirst=True)
            except Exception:
                # Another worker starting at the same moment may have made it first.
                have = {i["name"] for i in inspect(engine).get_indexes(table.name)}
                if index.name not in have:
                    raise


def add_missing_columns(engine: Engine) -> list[str]:
    """Add the columns a newer version defines to tables an older version created.

    ``create_all`` creates missing tables but never alters one, so an existing
    database would lack new columns. New columns are nullable (the code reads
    NULL as "nothing yet"), which ``ALTER TABLE … ADD COLUMN`` supports on SQLite
    and PostgreSQL alike. Returns the columns added, as "table.column".
    """
    preparer = engine.dialect.identifier_preparer
    added = []
    for table in Base.metadata.sorted_tables:
        have = {c["name"] for c in inspect(engine).get_columns(table.name)}
        for column in table.columns:
            if column.name in have:
                continue
            if not column.nullable or column.primary_key:
                raise RuntimeError(
                    f"the database's table {table.name} lacks the required column "
                    f"{column.name}, which cannot be added by itself"
                )
            ddl = (
                f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN "
                f"{preparer.format_column(column)} {column.type.compile(dialect=engine.dialect)}"
            )
            try:
                with engine.begin() as conn:
                    conn.execute(text(ddl))
            except Exception:
                # Another worker starting at the same moment may have added it first.
                if column.name not in {c["name"] for c in inspect(engine).get_columns(table.name)}:
                    raise
                continue
            added.append(f"{table.name}.{column.name}")
    return added


def session() -> Session:
    """The database session for this request (closed when the request ends)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["bme_db"]()
    return g.db_session


def recover(error: Exception) -> None:
    """After a database error: roll the request's session back, and drop every pooled
    connection if SQLite refused to write (issue 12, defect 5). SQLite connections made
    while the folder was read-only stay read-only; dropping them means that fixing the
    folder fixes the app, without a restart."""
    with contextlib.suppress(Exception):
        session().rollback()
    if _stale_sqlite_connection(error):
        _engine().dispose()


#: SQLite's result codes (low byte) after which a connection may stay broken when the
#: cause is fixed: SQLITE_READONLY (opened while the folder or file was read-only),
#: SQLITE_IOERR and SQLITE_CANTOPEN (its -wal or -shm file could not be made or written).
#: Rare, so dropping the pool's connections costs nothing that matters.
STALE_SQLITE_CODES = {8, 10, 14}


def error_kind(error: Exception) -> str:
    """What went wrong, for the log: the error's class and, from SQLite or PostgreSQL,
    its code name (``SQLITE_READONLY``, ``57P01``), never its text, which may quote a
    statement and the answers in it."""
    orig = getattr(error, "orig", None)
    code = getattr(orig, "sqlite_errorname", None) or getattr(orig, "sqlstate", None)
    return type(error).__name__ + (f" {code}" if code else "")


def _stale_sqlite_connection(error: Exception) -> bool:
    orig = getattr(error, "orig", None)
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in STALE_SQLITE_CODES:
        return True
    return "readonly database" in str(orig or "")


def _close_session(_exc):
    """Close this request's session; never raise from teardown (issue 12, defect 4).

    A connection that dropped mid-request (PostgreSQL restarted, a backend terminated)
    makes close() raise; raised here, it would escape the app as a bare 500 with no
    headers. The response is already decided: log the kind of error, drop the
    connection from the pool, and go on.
    """
    db = g.pop("db_session", None)
    if db is None:
        return
    try:
        db.close()
    except Exception as e:  # nothing may escape a teardown
        current_app.logger.warning("database session did not close cleanly (%s)", error_kind(e))
        with contextlib.suppress(Exception):
            db.invalidate()


# --- Drafts ---------------------------------------------------------------------------


def draft_lifetime() -> timedelta:
    return timedelta(hours=current_app.config["DRAFT_HOURS"])


def sent_lifetime() -> timedelta:
    """How long a browser keeps its sent summary: short, for a shared device."""
    return timedelta(minutes=current_app.config["SENT_MINUTES"])


@dataclass(frozen=True)
class DraftState:
    """A draft as a request reads it: plain values from one query.

    Every page of the questionnaire reads its draft, and a saved page writes it once:
    an ORM session's identity map and transaction cost more than the query itself
    (issue 9, "Fast"), so drafts are read and written with prebuilt Core statements
    on a pooled connection.
    """

    token: str
    answers: dict
    reference: str | None = None
    notices: tuple[str, ...] = ()


_drafts = Draft.__table__
DRAFT = select(
    _drafts.c.answers, _drafts.c.reference, _drafts.c.notices, _drafts.c.updated_at
).where(_drafts.c.token == bindparam("token"))
SAVE_ANSWERS = (
    _drafts.update()
    .where(_drafts.c.token == bindparam("draft"))
    .values(answers=bindparam("new_answers"), updated_at=bindparam("now"))
)
SAVE_NOTICES = (
    _drafts.update()
    .where(_drafts.c.token == bindparam("draft"))
    .values(notices=bindparam("new_notices"), updated_at=bindparam("now"))
)


def _engine() -> Engine:
    return current_app.extensions["bme_engine"]


def get_draft(token: str | None) -> DraftState | None:
    """The draft for a token, unless it has expired."""
    if not token:
        return None
    with _engine().connect() as connection:
        row = connection.execute(DRAFT, {"token": token}).first()
    if row is None:
        return None
    lifetime = sent_lifetime() if row.reference else draft_lifetime()
    if row.updated_at < utcnow() - lifetime:
        return None
    return DraftState(token, row.answers or {}, row.reference, tuple(row.notices or ()))


def create_draft() -> DraftState:
    draft = DraftState(secrets.token_urlsafe(32), {})
    now = utcnow()
    with _engine().begin() as connection:
        connection.execute(delete(_drafts).where(_drafts.c.updated_at < now - draft_lifetime()))
        connection.execute(
            _drafts.insert().values(
                token=draft.token, answers={}, notices=[], created_at=now, updated_at=now
            )
        )
    return draft


def _write(statement, params: dict) -> None:
    """One statement in a transaction of its own, on a pooled connection."""
    with _engine().begin() as connection:
        connection.execute(statement, params)


def save_answers(draft: DraftState, answers: dict) -> None:
    _write(SAVE_ANSWERS, {"draft": draft.token, "new_answers": answers, "now": utcnow()})


def acknowledge_notices(draft: DraftState, ids: list[str]) -> None:
    """Record that these urgent notices were shown, so that they interrupt only once."""
    seen = list(draft.notices) + [i for i in ids if i not in draft.notices]
    _write(SAVE_NOTICES, {"draft": draft.token, "new_notices": seen, "now": utcnow()})


def mark_sent(submission: Submission) -> None:
    """Store a submission and mark its draft sent, in one transaction of the request's
    session; the draft's short sent life starts now. A second submission of the same
    draft fails on its unique draft_token (IntegrityError), for the caller to handle."""
    db = session()
    db.add(submission)
    db.execute(
        _drafts.update()
        .where(_drafts.c.token == submission.draft_token)
        .values(reference=submission.reference, updated_at=utcnow())
    )
    db.commit()


def delete_draft(token: str) -> None:
    _write(delete(_drafts).where(_drafts.c.token == bindparam("draft")), {"draft": token})


def get_submission(reference: str) -> Submission | None:
    return session().scalar(select(Submission).where(Submission.reference == reference))


def find_submission(typed: str) -> tuple[Submission | None, str]:
    """The submission for a code as a person typed it, or why there is none.

    Returns (submission, "found"), or (None, "typo") when the code cannot be right as
    typed: a new code whose check character is wrong, a code of 11 to 14 characters
    that no code has, a character no code uses, or a code one slip (see
    ``one_slip_from``) from a stored one. Otherwise (None, "unknown"): a well-formed
    code no submission has, or text that is not a code at all.
    """
    chars = _cleaned(typed)
    if _well_formed(chars):
        found = get_submission(_grouped(chars))
        if found is not None:
            return found, "found"
        near = list(one_slip_from(chars))  # about 400 codes, one indexed query
        hit = session().scalar(
            select(Submission.reference).where(Submission.reference.in_(near)).limit(1)
        )
        return None, "typo" if hit is not None else "unknown"
    if OLD_LENGTH - 1 <= len(chars) <= CHECKED_LENGTH + 1:
        return None, "typo"
    return None, "unknown"


#: The summary page's one query, built once: building a statement each time cost as
#: much as running it (issue 9, "Fast"). Run on a pooled connection, Core only: there
#: is nothing for the ORM to do with four columns, and an ORM session's transaction
#: costs as much again.
SENT_SUMMARY = (
    select(
        Submission.reference,
        Submission.kb_version,
        Submission.created_at,
        Draft.updated_at.label("sent_at"),
    )
    .join(Draft, Draft.reference == Submission.reference)
    .where(Draft.token == bindparam("token"), Draft.updated_at >= bindparam("since"))
)


def sent_summary(token: str | None):
    """The sent submission of a live draft, as (reference, kb_version, created_at,
    sent_at), or None.

    One light query for the summary page, which is rendered once and kept; with
    SQLite its answer is kept too, until any process deletes a draft or submission
    (webapp/changes.py).
    """
    if not token:
        return None
    now = utcnow()
    lifetime = sent_lifetime()

    def query():
        with _engine().connect() as connection:
            params = {"token": token, "since": now - lifetime}
            return connection.execute(SENT_SUMMARY, params).first()

    def seconds_left(row) -> float:
        return (row.sent_at + lifetime - now).total_seconds()

    return current_app.extensions["bme_sent"].get(token, query, seconds_left)
