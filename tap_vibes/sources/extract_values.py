"""Values of extract rows made into record values: dates, MDNs, texts, the file a row is from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tap_vibes.sources.extract_files import ExtractFile, Row
from tap_vibes.timestamps import parse_timestamp
from vibes_api.values import e164_or_as_is

Record = dict[str, Any]


class RowError(ValueError):
    """A row whose values cannot make a record (the message says which value)."""


def extract_time(text: str, column: str) -> str | None:
    """RFC 3339 UTC for an extract date; None for an empty value; RowError otherwise."""
    value = text.strip()
    if not value:
        return None
    parsed: datetime | None = None
    for layout in ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S UTC"):
        try:
            parsed = datetime.strptime(value, layout)
            break
        except ValueError:
            continue
    if parsed is None:
        parsed = parse_timestamp(value)
    if parsed is None:
        raise RowError(f"{column} is not a date")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def text(row: Row, column: str) -> str | None:
    value = row.get(column, "").strip()
    return value or None


def e164(row: Row) -> str | None:
    return e164_or_as_is(text(row, "mdn_e164_format") or text(row, "mdn"))


def origin(extract: ExtractFile, line: int) -> Record:
    return {
        "extract_date": extract.day.isoformat(),
        "extract_file": extract.name,
        "extract_line": line,
    }
