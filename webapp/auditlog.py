"""The audit log as staff read it: filters, pages, counts, a CSV file, retention.

Writing to the log is ``auth.audit`` (one row per action) and ``auth.count_failure``
(failed sign-ins that feed no lockout, one counted row per source and hour).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy import delete, func, select

from . import clinic_day_bounds
from . import db as store

#: What each action means, in the order the filter lists them. Actions not listed
#: here (from an older or newer version) are shown and filtered by their own name.
ACTIONS = {
    "sign_in": "Signed in",
    "sign_out": "Signed out",
    "sign_in_failed": "Failed sign-in",
    "account_locked": "Account locked",
    "view": "Viewed a submission",
    "print": "Printed a submission",
    "export": "Exported a submission",
    "mark_reviewed": "Marked as reviewed",
    "delete": "Deleted a submission",
    "purge": "Purged old records",
    "export_audit": "Downloaded the audit log",
}
PAGE_SIZE = 50
#: What a filter's text is cut to: the longest a stored value can be, and a little.
LIMITS = {"action": 40, "person": 80, "reference": 40, "from": 20, "to": 20}
EXAMPLE = "Enter a date as year-month-day, for example 2026-11-22."


def label(action: str) -> str:
    return ACTIONS.get(action, action)


def choices(current: str) -> dict[str, str]:
    """The filter's actions: the known ones, and the one asked for if it is not."""
    return ACTIONS if not current or current in ACTIONS else {**ACTIONS, current: current}


@dataclass
class AuditFilter:
    """Which rows to show, from the address; what could not be read is in ``errors``.

    Dates are the clinic's days, ``first`` to ``last`` included; a field that is not
    a date is kept as typed, so that the form shows it with its message.
    """

    action: str = ""
    person: str = ""
    reference: str = ""
    typed: dict[str, str] = field(default_factory=dict)
    first: date | None = None
    last: date | None = None
    start: datetime | None = None
    end: datetime | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args, zone: tzinfo | None) -> AuditFilter:
        typed = {k: args.get(k, "").strip()[:n] for k, n in LIMITS.items()}
        f = cls(
            action=typed["action"],
            person=typed["person"],
            reference=typed["reference"],
            typed=typed,
        )
        days = {}
        for name, word in [("from", "From"), ("to", "To")]:
            if not typed[name]:
                continue
            try:
                day = date.fromisoformat(typed[name])
            except ValueError:
                f.errors[name] = f"{word}: “{typed[name]}” is not a date. {EXAMPLE}"
                continue
            try:
                clinic_day_bounds(day, day, zone)  # the years 1 and 9999 leave the calendar
            except (ValueError, OverflowError, OSError):
                f.errors[name] = f"{word}: {typed[name]} is out of range. {EXAMPLE}"
                continue
            days[name] = day
        f.first, f.last = days.get("from"), days.get("to")
        if f.first and f.last and f.first > f.last:
            f.first, f.last = f.last, f.first
        if f.first:
            f.start = clinic_day_bounds(f.first, f.first, zone)[0]
        if f.last:
            f.end = clinic_day_bounds(f.last, f.last, zone)[1]
        return f

    def conditions(self) -> list:
        event = store.AuditEvent
        where = []
        if self.action:
            where.append(event.action == self.action)
        if self.person:
            where.append(func.lower(event.actor) == self.person.lower())
        if self.reference:
            # As stored if it reads as a code; else as typed (it then matches nothing).
            code = store.normalise_reference(self.reference) or self.reference.upper()
            where.append(event.reference == code)
        if self.start is not None:
            where.append(event.at >= self.start)
        if self.end is not None:
            where.append(event.at < self.end)
        return where

    def args(self, **changed) -> dict:
        """The filters as address arguments (only those set), for links that keep them."""
        values = {
            "action": self.action,
            "person": self.person,
            "reference": self.reference,
            "from": self.first.isoformat() if self.first else "",
            "to": self.last.isoformat() if self.last else "",
            **changed,
        }
        return {k: v for k, v in values.items() if v not in ("", None)}

    @property
    def active(self) -> bool:
        return bool(self.args())

    def describe(self) -> str:
        """The filters in a few words, for the audit row of an export."""
        return "; ".join(f"{k}={v}" for k, v in self.args().items()) or "no filter"


@dataclass(frozen=True)
class Count:
    action: str
    label: str
    rows: int
    #: Tries, for actions with counted rows (failed sign-ins); else the rows.
    events: int


def counts(f: AuditFilter) -> list[Count]:
    """The matching rows by action, most first: one query, grouped."""
    event = store.AuditEvent
    found = store.session().execute(
        select(event.action, func.count(), func.sum(func.coalesce(event.count, 1)))
        .where(*f.conditions())
        .group_by(event.action)
    )
    return sorted(
        (Count(a, label(a), rows, int(events or 0)) for a, rows, events in found),
        key=lambda c: (-c.rows, c.label),
    )


def page_of(f: AuditFilter, asked: str | None, total: int) -> tuple[list, int, int]:
    """One page of matching rows, newest first: (rows, page, pages).

    A page that is not a number is page 1; one past the end is the last page.
    """
    pages = max(1, -(-total // PAGE_SIZE))
    try:
        page = min(max(1, int(asked or 1)), pages)
    except ValueError:
        page = 1
    event = store.AuditEvent
    rows = (
        store.session()
        .scalars(
            select(event)
            .where(*f.conditions())
            .order_by(event.at.desc(), event.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
        .all()
    )
    return rows, page, pages


def existing(references) -> set[str]:
    """Which of these codes still have a submission (the others were deleted)."""
    wanted = {r for r in references if r}
    if not wanted:
        return set()
    return set(
        store.session().scalars(
            select(store.Submission.reference).where(store.Submission.reference.in_(wanted))
        )
    )


# --- CSV ------------------------------------------------------------------------------

CSV_HEADER = [
    "time",
    "who",
    "action",
    "action code",
    "submission",
    "detail",
    "count",
    "first time",
]
#: Characters that make a spreadsheet read a cell as a formula (OWASP's list: = + - @,
#: and tab and carriage return, which some programs strip before looking).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A cell as text, with a quote before anything a spreadsheet would run as a formula.

    Names typed at the sign-in page by anyone (kept in rows from before counting)
    and the detail of a row end up here: ``=HYPERLINK(...)`` must stay text.
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def iso_time(value: datetime | None, zone: tzinfo | None) -> str:
    """A stored time in the clinic's zone as ISO 8601 with its offset, to the second."""
    if value is None:
        return ""
    return value.replace(tzinfo=UTC).astimezone(zone).isoformat(timespec="seconds")


def csv_lines(f: AuditFilter, zone: tzinfo | None) -> Iterator[str]:
    """The matching rows as CSV, newest first, a chunk at a time.

    UTF-8 with a byte order mark, so that Excel (what a clinic opens it with)
    reads accented names right.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_HEADER)
    yield "\ufeff" + flush()
    event = store.AuditEvent
    query = (
        select(event)
        .where(*f.conditions())
        .order_by(event.at.desc(), event.id.desc())
        .execution_options(yield_per=500)
    )
    for n, e in enumerate(store.session().scalars(query), 1):
        writer.writerow(
            csv_cell(v)
            for v in [
                iso_time(e.at, zone),
                e.actor,
                label(e.action),
                e.action,
                e.reference,
                e.detail,
                e.count or 1,
                iso_time(e.first_at or e.at, zone),
            ]
        )
        if n % 500 == 0:
            yield flush()
    yield flush()


# --- Retention ------------------------------------------------------------------------


def trim(days: int) -> int:
    """Delete audit rows older than ``days`` days (a counted row by its latest try)."""
    db = store.session()
    cutoff = store.utcnow() - timedelta(days=days)
    gone = db.execute(
        delete(store.AuditEvent)
        .where(store.AuditEvent.at < cutoff)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.commit()
    return gone
