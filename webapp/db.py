"""Storage: drafts (answers in progress) and submissions, with SQLAlchemy.

SQLite in the instance folder by default, in WAL mode with a busy timeout so
that several threads or workers can write; any SQLAlchemy URL from config
(``BME_DATABASE_URL``, e.g. PostgreSQL) otherwise. Tables are created on first
run, or with ``bme init-db``.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app, g
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    create_engine,
    delete,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


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
    #: ``rules.engine.Result.to_dict()``: statements, facts and trace.
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
    """Who did what, when, to which submission: never an answer."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(20), nullable=True)
    detail: Mapped[str] = mapped_column(String(200), default="")


# --- Reference codes --------------------------------------------------------------

#: Crockford's base 32: no I, L, O or U, so a code read aloud is not misheard.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """Twelve random characters (60 bits) in three groups: BME-XXXX-XXXX-XXXX."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def normalise_reference(text: str) -> str:
    """Accept what a person types: any case, spaces, O for 0, I or L for 1."""
    cleaned = "".join(c for c in text.upper() if c.isalnum())
    cleaned = cleaned.translate(str.maketrans("OIL", "011"))
    if len(cleaned) != 12:
        return ""
    return f"{cleaned[:4]}-{cleaned[4:8]}-{cleaned[8:]}"


# --- Engine and sessions ---------------------------------------------------------------


def make_engine(url: str, busy_timeout_ms: int = 5000):
    """An engine; for SQLite, WAL mode (readers never block the writer) and a busy timeout."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"], app.config["DATABASE_BUSY_TIMEOUT_MS"])
    app.extensions["bme_db"] = sessionmaker(engine, expire_on_commit=False)
    app.extensions["bme_engine"] = engine
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


def _close_session(_exc):
    db = g.pop("db_session", None)
    if db is not None:
        db.close()


# --- Drafts ---------------------------------------------------------------------------


def draft_lifetime() -> timedelta:
    return timedelta(hours=current_app.config["DRAFT_HOURS"])


def get_draft(token: str | None) -> Draft | None:
    """The draft for a token, unless it has expired."""
    if not token:
        return None
    draft = session().get(Draft, token)
    if draft is None or draft.updated_at < utcnow() - draft_lifetime():
        return None
    return draft


def create_draft() -> Draft:
    db = session()
    db.execute(delete(Draft).where(Draft.updated_at < utcnow() - draft_lifetime()))
    draft = Draft(token=secrets.token_urlsafe(32), answers={})
    db.add(draft)
    db.commit()
    return draft


def save_answers(draft: Draft, answers: dict) -> None:
    draft.answers = answers
    draft.updated_at = utcnow()
    session().commit()


def acknowledge_notices(draft: Draft, ids: list[str]) -> None:
    """Record that these urgent notices were shown, so that they interrupt only once."""
    seen = list(draft.notices or [])
    draft.notices = seen + [i for i in ids if i not in seen]  # a new list: JSON is not tracked
    draft.updated_at = utcnow()
    session().commit()


def delete_draft(token: str) -> None:
    db = session()
    db.execute(delete(Draft).where(Draft.token == token))
    db.commit()


def get_submission(reference: str) -> Submission | None:
    return session().scalar(select(Submission).where(Submission.reference == reference))


def sent_summary(token: str | None):
    """The sent submission of a live draft, as (reference, kb_version, created_at), or None.

    One light query for the summary page, which is rendered once and kept: most
    views of it need nothing else from the database.
    """
    if not token:
        return None
    return (
        session()
        .execute(
            select(Submission.reference, Submission.kb_version, Submission.created_at)
            .join(Draft, Draft.reference == Submission.reference)
            .where(Draft.token == token, Draft.updated_at >= utcnow() - draft_lifetime())
        )
        .first()
    )
