"""Query the demo's DuckDB warehouse: ``python3 demo/query.py "SELECT ..."``.

Runs under the interpreter of target-duckdb's virtualenv (it re-executes itself there when
the current one has no duckdb module), so the file is always read by the same DuckDB version
that wrote it. ``--json`` prints the rows as a JSON array of objects (the demo reads that).
Standard library only besides duckdb: it must run outside the project's virtualenv too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WAREHOUSE = ROOT / ".demo" / "warehouse.duckdb"
LOADER_PYTHON = ROOT / ".meltano" / "loaders" / "target-duckdb" / "venv" / "bin" / "python"


def _reexec_with_duckdb() -> None:
    if not LOADER_PYTHON.exists():
        sys.exit("duckdb is not installed here; run `make demo` first (it installs target-duckdb)")
    os.execv(str(LOADER_PYTHON), [str(LOADER_PYTHON), __file__, *sys.argv[1:]])  # noqa: S606


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def show(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    """A plain text table (no box drawing, so it pastes anywhere)."""
    cells = [[_text(v) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(line.rstrip() for line in lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="Run SQL against the demo's DuckDB warehouse.")
    parser.add_argument("sql")
    parser.add_argument("--db", default=str(WAREHOUSE), help="DuckDB file (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print rows as JSON objects")
    args = parser.parse_args()
    try:
        import duckdb
    except ImportError:
        _reexec_with_duckdb()
        return 1
    if not Path(args.db).exists():
        sys.exit(f"no warehouse at {args.db}; run `make demo` first")
    connection = duckdb.connect(args.db, read_only=True)
    try:
        cursor = connection.execute(args.sql)
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall()
    finally:
        connection.close()
    if args.json:
        print(json.dumps([dict(zip(columns, r, strict=True)) for r in rows], default=str))
    else:
        print(show(columns, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
