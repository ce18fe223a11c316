"""Pure formatting of Vibes import files and parsing of the emulator's result files.

Import file: a header block (``Fields: a,b``), a blank line, the body; lowercase field
names; comma-delimited; a field holding a comma, quote or newline is quoted with ``"`` and
inner quotes doubled; UTF-8 (FACTS §4.3). Multi-select values are joined with ``|``, the
default ``Multi-Select-Delimiter``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import IO, Any

EXTENSIONS = {
    "persons": ".persons",
    "subscriptions": ".subscriptions",
    "opt_outs": ".opt_outs",
    "wallet_update": ".wallet_update",
}
MULTI_SELECT = "|"


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return MULTI_SELECT.join(cell(v) for v in value)
    return str(value)


def field_list(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every column the rows use, in order of first appearance."""
    seen: dict[str, None] = {}
    for row in rows:
        for name in row:
            seen.setdefault(name, None)
    return list(seen)


def write_import(
    handle: IO[str],
    fields: list[str],
    rows: Iterable[Mapping[str, Any]],
    headers: Mapping[str, str] | None = None,
) -> int:
    """Header block, blank line, body rows; returns the number of rows written."""
    bad = [f for f in fields if f != f.lower() or not f]
    if bad:
        raise ValueError(f"import field names must be lowercase: {', '.join(bad)}")
    names = io.StringIO()
    csv.writer(names, lineterminator="").writerow(fields)
    handle.write(f"Fields: {names.getvalue()}\n")
    for name, value in (headers or {}).items():
        handle.write(f"{name}: {value}\n")
    handle.write("\n")
    writer = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    count = 0
    for row in rows:
        writer.writerow([cell(row.get(name)) for name in fields])
        count += 1
    return count


def parse_result(text: str) -> tuple[dict[str, str], list[tuple[int, str]]]:
    """(summary headers, [(row number, reason)]) of a result file; row 0 is the whole file."""
    head, _, body = text.partition("\n\n")
    summary: dict[str, str] = {}
    for line in head.splitlines():
        name, _, value = line.partition(":")
        summary[name.strip().lower()] = value.strip()
    failures: list[tuple[int, str]] = []
    reader = csv.reader(io.StringIO(body))
    header = next(reader, None)
    if header is None:
        return summary, failures
    for values in reader:
        if len(values) >= 3 and values[0].strip().isdigit():
            failures.append((int(values[0]), values[2]))
    return summary, failures
