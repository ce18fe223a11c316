"""The callback journal: one SQLite table of received events, in the order they were stored.

Each event gets a ``position`` (AUTOINCREMENT: increasing, never reused, with gaps where a
duplicate was refused) and is stored once per ``event_id`` (UNIQUE; a redelivery is
reported as a duplicate and changes nothing).

Why positions make safe bookmarks: SQLite has one writer at a time, and a write transaction
takes ``max(position) + 1``, so positions become visible in increasing order. A reader that
has seen everything up to position P never later meets a new event at or below P (unlike a
sequence in a multi-writer database). Readers therefore resume with ``position > bookmark``.

Durability: WAL mode (readers never block the receiver) with ``synchronous=FULL``, so every
commit is fsynced before ``append`` returns. With WAL, ``NORMAL`` survives a killed process
but may lose the last commits on power loss or an OS crash; a 2xx tells Vibes to forget the
event, so the receiver pays one fsync per commit. ``append_many`` commits a batch under one
fsync; the receiver groups concurrent requests that way (vibes_callbacks.committer).
"""

from __future__ import annotations

import datetime
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import orjson

from vibes_callbacks.events import CallbackEvent, parse_callback

Synchronous = Literal["FULL", "NORMAL"]
SCHEMA_VERSION = 1
READ_CHUNK = 500
BUSY_TIMEOUT_MS = 10_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    position      INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id      TEXT NOT NULL UNIQUE,
    received_at   TEXT NOT NULL,
    callback_type TEXT NOT NULL,
    body          TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_type ON events (callback_type, position);
"""
_INSERT = (
    "INSERT OR IGNORE INTO events (event_id, received_at, callback_type, body) VALUES (?, ?, ?, ?)"
)


class JournalError(Exception):
    """The journal cannot be opened, read or written (the receiver answers 503)."""


@dataclass(frozen=True)
class JournalEntry:
    """One stored event; ``body`` is the JSON text exactly as Vibes sent it."""

    position: int
    event_id: str
    received_at: str
    callback_type: str
    body: str

    def event(self) -> dict[str, Any]:
        parsed = orjson.loads(self.body)
        return parsed if isinstance(parsed, dict) else {}


class Journal:
    """A journal file; ``Journal(path)`` creates it, ``Journal.open_existing`` only reads one.

    One Journal is used from one thread at a time (the receiver's committer thread, or the
    tap); several processes may open the same file, one writing and many reading.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        synchronous: Synchronous = "FULL",
        create: bool = True,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    ) -> None:
        self.path = Path(path)
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError(f"synchronous must be FULL or NORMAL, not {synchronous!r}")
        self.synchronous = synchronous
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                target = str(self.path)
                self._db = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
            else:
                uri = self.path.resolve().as_uri() + "?mode=rw"
                self._db = sqlite3.connect(
                    uri, uri=True, isolation_level=None, check_same_thread=False
                )
            # How long to wait for another process's write lock before failing (then: 503).
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise JournalError(f"{self.path}: SQLite refused WAL mode (got {mode!r})")
            self._db.execute(f"PRAGMA synchronous = {synchronous}")
            if create:
                self._db.executescript(_SCHEMA)
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            else:
                self._check_schema()
        except sqlite3.Error as exc:
            raise JournalError(f"cannot open journal {self.path}: {exc}") from None

    @classmethod
    def open_existing(cls, path: str | Path) -> Journal:
        """Open a journal the receiver made; a missing file is an error, not a new journal."""
        if not Path(path).is_file():
            raise JournalError(f"no callback journal at {path}")
        return cls(path, create=False)

    def _check_schema(self) -> None:
        row = self._db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'events'"
        ).fetchone()
        if row is None:
            raise JournalError(f"{self.path} is not a vibes-callbacks journal (no events table)")

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r}, synchronous={self.synchronous!r})"

    def close(self) -> None:
        self._db.close()

    # -- writing ---------------------------------------------------------------------------
    def append(self, event: CallbackEvent | Mapping[str, Any]) -> bool:
        """Store one event durably; True when stored, False when its event_id was there."""
        return self.append_many([event])[0]

    def append_many(self, events: Sequence[CallbackEvent | Mapping[str, Any]]) -> list[bool]:
        """Store events in one transaction (one fsync); per event, stored (True) or duplicate.

        Either all are committed or, on an error, none are (JournalError).
        """
        items = [_as_event(e) for e in events]
        received_at = _now_text()
        stored: list[bool] = []
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for item in items:
                    cursor = self._db.execute(
                        _INSERT, (item.event_id, received_at, item.callback_type, item.body)
                    )
                    stored.append(cursor.rowcount == 1)
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise JournalError(f"cannot write journal {self.path}: {exc}") from None
        return stored

    # -- reading ---------------------------------------------------------------------------
    def read(
        self,
        after_position: int = 0,
        types: Iterable[str] | None = None,
        limit: int | None = None,
        *,
        until_position: int | None = None,
    ) -> Iterator[JournalEntry]:
        """Events with ``after_position < position <= until_position``, in position order.

        Streams in chunks of READ_CHUNK rows, each its own short read, so a long read never
        holds a snapshot (or the WAL) open for the whole run. ``types`` filters on the
        stored callback_type; ``limit`` caps the number of entries yielded.
        """
        wanted = sorted(set(types)) if types is not None else None
        if wanted is not None and not wanted:
            return
        position = after_position
        remaining = limit
        while remaining is None or remaining > 0:
            size = READ_CHUNK if remaining is None else min(READ_CHUNK, remaining)
            rows = self._chunk(position, until_position, wanted, size)
            for row in rows:
                yield JournalEntry(*row)
            if len(rows) < size:
                return
            position = rows[-1][0]
            if remaining is not None:
                remaining -= len(rows)

    def _chunk(
        self, after: int, until: int | None, types: list[str] | None, size: int
    ) -> list[tuple[Any, ...]]:
        sql = "SELECT position, event_id, received_at, callback_type, body FROM events"
        sql += " WHERE position > ?"
        args: list[Any] = [after]
        if until is not None:
            sql += " AND position <= ?"
            args.append(until)
        if types is not None:
            sql += f" AND callback_type IN ({', '.join('?' for _ in types)})"
            args += types
        sql += " ORDER BY position LIMIT ?"
        args.append(size)
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise JournalError(f"cannot read journal {self.path}: {exc}") from None

    def last_position(self) -> int:
        """The highest position stored so far (0 for an empty journal)."""
        try:
            row = self._db.execute("SELECT MAX(position) FROM events").fetchone()
        except sqlite3.Error as exc:
            raise JournalError(f"cannot read journal {self.path}: {exc}") from None
        return int(row[0] or 0)

    def count(self) -> int:
        try:
            return int(self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0])
        except sqlite3.Error as exc:
            raise JournalError(f"cannot read journal {self.path}: {exc}") from None

    def event_ids(self) -> set[str]:
        """Every stored event_id (for tests and checks; reads the whole table)."""
        try:
            return {row[0] for row in self._db.execute("SELECT event_id FROM events")}
        except sqlite3.Error as exc:
            raise JournalError(f"cannot read journal {self.path}: {exc}") from None


def _as_event(event: CallbackEvent | Mapping[str, Any]) -> CallbackEvent:
    if isinstance(event, CallbackEvent):
        return event
    return parse_callback(orjson.dumps(dict(event)))


def _now_text() -> str:
    now = datetime.datetime.now(datetime.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
