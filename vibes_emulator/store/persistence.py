"""Durable copy of the store in SQLite: one row per record, written through on every change.

The working set lives in dicts (fast reads); this table only exists so that reopening the
same file restores everything, sequence counters included. Rows are
``(company, kind, id, body)`` with ``body`` the record as orjson bytes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

Row = tuple[str, str, str, dict[str, Any]]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    company TEXT NOT NULL,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (company, kind, id)
) WITHOUT ROWID
"""


def _row_key(row: Row) -> tuple[str, str, str]:
    return row[0], row[1], row[2]


class Persistence:
    """Write-through SQLite table of records; every public method commits."""

    def __init__(self, path: str) -> None:
        # The emulator serves from one event-loop thread, but tests may open the store in
        # another thread than the one that serves it.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)

    def load(self) -> Iterator[Row]:
        cursor = self._db.execute("SELECT company, kind, id, body FROM records")
        for company, kind, record_id, body in cursor:
            yield company, kind, record_id, orjson.loads(body)

    def put(self, company: str, kind: str, record_id: str, record: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?)",
            (company, kind, record_id, orjson.dumps(record)),
        )

    def delete(self, company: str, kind: str, record_id: str) -> None:
        self._db.execute(
            "DELETE FROM records WHERE company = ? AND kind = ? AND id = ?",
            (company, kind, record_id),
        )

    def replace_company(self, company: str, rows: Iterable[Row]) -> None:
        """Drop every record of ``company`` and insert ``rows``, in one transaction."""
        self._db.execute("BEGIN")
        try:
            self._db.execute("DELETE FROM records WHERE company = ?", (company,))
            self._db.executemany(
                "INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?)",
                # In key order, so SQLite appends to its B-tree instead of splitting pages.
                ((c, k, i, orjson.dumps(r)) for c, k, i, r in sorted(rows, key=_row_key)),
            )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()
