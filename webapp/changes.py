"""Every process learns at once that a draft or a submission was deleted.

The summary page is rendered once and kept. What a view of it still costs is one
query: is this browser's submission still there? Under load that query was most of
the page's cost (bench/bench_load.py, issue 9). Its answer can be kept as well, but
only if no process can go on showing a summary that any process has deleted:

- a statement that deletes or rewrites a draft or a submission marks its connection
  (SQLAlchemy's ``after_execute``: the ORM, Core and text SQL alike);
- when that connection goes back to the pool, after its commit, a stamp changes;
- the stamp is 8 bytes in a file beside the SQLite database, mapped into the memory of
  every process that opens the database, so a view reads it with neither a query nor
  a system call. SQLite in WAL mode already needs all its processes on one machine.

A kept answer is used while the stamp is the one it was kept under and its draft's
sent life lasts, for at most a minute: a deletion made outside the app (with the
sqlite3 shell, say) shows within that. With PostgreSQL nothing is kept: its app
servers may run on several machines, so every view asks the database.
"""

from __future__ import annotations

import mmap
import os
import re
import time
from collections.abc import Callable

from sqlalchemy import Delete, TextClause, Update, event
from sqlalchemy.engine import URL, Engine

#: The tables whose rows decide whether a sent summary is still there.
TABLES = frozenset({"drafts", "submissions"})
#: Text SQL is read for its verb: it may do anything.
REWRITING_SQL = re.compile(r"\b(delete|update|replace|drop|alter|truncate)\b", re.IGNORECASE)
MARK = "bme_rewrote_drafts"
#: The longest a kept answer is used without asking the database again, in seconds.
MOST_KEPT = 60.0
#: More kept answers than this and they are all dropped (each is a few hundred bytes).
MOST_ANSWERS = 4096


class Stamp:
    """8 bytes that change whenever a draft or submission is deleted or rewritten.

    Kept in a memory-mapped file for a SQLite file, shared by every process that maps
    it; in the process's own memory for an in-memory database; nowhere (None) where
    the processes may not share memory, and then nothing is kept.
    """

    def __init__(self, memory: mmap.mmap | bytearray | None):
        self._memory = memory

    def read(self) -> bytes | None:
        return None if self._memory is None else bytes(self._memory[:8])

    def change(self) -> None:
        """A new random value: two processes changing it at once still change it."""
        if self._memory is not None:
            self._memory[:8] = os.urandom(8)


def stamp_for(url: URL) -> Stamp:
    """The stamp of a database: beside a SQLite file, in memory for an in-memory one."""
    if url.get_backend_name() != "sqlite":
        return Stamp(None)
    path = url.database
    if not path or path == ":memory:":
        return Stamp(bytearray(8))  # one process: its own memory will do
    if path.startswith("file:"):  # a URI may name a file or shared memory: keep nothing
        return Stamp(None)
    try:
        fd = os.open(f"{path}-stamp", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < 8:
                os.ftruncate(fd, 8)
            return Stamp(mmap.mmap(fd, 8))
        finally:
            os.close(fd)
    except (OSError, ValueError):  # a folder the app may not write, say: query always
        return Stamp(None)


def rewrites(statement) -> bool:
    """Whether a statement may delete a draft or submission, or change which is whose."""
    if isinstance(statement, Delete | Update):
        name = getattr(statement.table, "name", None)
        return name is None or name in TABLES
    if isinstance(statement, str | TextClause):
        return bool(REWRITING_SQL.search(str(statement)))
    return False


def watch(engine: Engine, stamp: Stamp, quiet: tuple = ()) -> None:
    """Change ``stamp`` after every transaction on ``engine`` that rewrote a draft or a
    submission. ``quiet`` statements are left out: they change a draft's answers and
    make it last longer, which can never make a kept answer wrong."""

    @event.listens_for(engine, "after_execute")
    def _mark(connection, statement, *_args):
        if rewrites(statement) and not any(statement is q for q in quiet):
            connection.info[MARK] = True

    # Back in the pool (or thrown away) means committed or rolled back: a needless
    # change does no harm.
    def _done(_dbapi_connection, record, *_exception):
        if record.info.pop(MARK, False):
            stamp.change()

    event.listen(engine, "checkin", _done)
    event.listen(engine, "invalidate", _done)


class SentSummaries:
    """Which submission a browser's draft token opens, kept while nothing was deleted."""

    def __init__(self, stamp: Stamp):
        self.stamp = stamp
        self.clock = time.monotonic
        self._kept: dict[str, tuple[bytes, float, object]] = {}

    def get(self, token: str, query: Callable[[], object], seconds_left: Callable[[object], float]):
        """The row for ``token``: from memory if kept under the current stamp and still
        live, else from ``query()``; ``seconds_left(row)`` is how long its sent life lasts."""
        stamp = self.stamp.read()
        clock = self.clock()
        kept = self._kept.get(token)
        if stamp is not None and kept is not None and kept[0] == stamp and clock < kept[1]:
            return kept[2]
        row = query()  # after reading the stamp: a deletion committed later changes it
        if row is None or stamp is None:
            self._kept.pop(token, None)
            return row
        if len(self._kept) >= MOST_ANSWERS:
            self._kept.clear()
        self._kept[token] = (stamp, clock + min(MOST_KEPT, seconds_left(row)), row)
        return row
