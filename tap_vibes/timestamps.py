"""Vibes timestamps: parse every precision Vibes prints, emit RFC 3339, compare as instants.

Vibes prints ISO-8601 at minute (``2017-01-15T14:30Z``), second, and millisecond precision,
and old payloads use ``+0000`` offsets (FACTS §1.8). RFC 3339 (what JSON Schema's
``date-time`` format means) needs seconds and a colon in the offset, and strings of mixed
precision do not sort as instants (``14:30Z`` > ``14:30:05Z`` as text). So the tap rewrites
only values that are not RFC 3339 already, and compares bookmarks as instants.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC
from typing import Any

from vibes_api.values import parse_timestamp

# RFC 3339 date-time: seconds, optional fraction, Z or a colon offset. (A lowercase "z" is
# RFC 3339 too, but Python 3.11 and the SDK's own tests cannot parse it, so it is rewritten.)
_RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)\Z")

Path = tuple[str, ...]
"""Where a date-time sits in a record; ``"*"`` steps into every item of an array."""


def to_rfc3339(value: Any) -> Any:
    """``value`` unchanged when it is RFC 3339 already (or not a timestamp), else rewritten.

    Rewriting keeps the instant and the offset: ``2017-01-15T14:30Z`` becomes
    ``2017-01-15T14:30:00+00:00``, ``...T14:30:00-0600`` becomes ``...T14:30:00-06:00``.
    Values that do not parse are left as they came, so nothing Vibes sent is lost.
    """
    if not isinstance(value, str) or _RFC3339.match(value):
        return value
    parsed = parse_timestamp(value)
    return value if parsed is None else parsed.isoformat()


# The common case, a UTC "Z" time, is turned into bookmark text without parsing.
_UTC_Z = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?Z\Z")


def bookmark_text(value: Any) -> str | None:
    """A fixed-width UTC text for an instant, so bookmarks compare correctly as strings.

    The SDK compares replication values as text (its own TODO, meltano/sdk#2753); this is
    the form of Python's ``isoformat(timespec="microseconds")`` in UTC, which is also how
    the SDK writes its run-start signpost, so the two compare as instants too.
    """
    if isinstance(value, str) and (match := _UTC_Z.match(value)):
        whole, fraction = match.groups()
        return f"{whole}.{(fraction or '').ljust(6, '0')}+00:00"
    parsed = parse_timestamp(value)
    if parsed is None:
        return None
    return parsed.astimezone(UTC).isoformat(timespec="microseconds")


def datetime_paths(schema: dict[str, Any]) -> list[Path]:
    """Every path in a JSON schema whose value is a ``date-time`` (objects and arrays)."""
    found: list[Path] = []
    _walk(schema, (), found)
    return found


def _walk(schema: dict[str, Any], here: Path, found: list[Path]) -> None:
    if schema.get("format") == "date-time":
        found.append(here)
    for option in schema.get("anyOf", []) + schema.get("oneOf", []):
        _walk(option, here, found)
    for name, sub in (schema.get("properties") or {}).items():
        _walk(sub, (*here, name), found)
    items = schema.get("items")
    if isinstance(items, dict):
        _walk(items, (*here, "*"), found)


def normalize_record(record: dict[str, Any], paths: Iterable[Path]) -> dict[str, Any]:
    """Rewrite, in place, the date-times at ``paths`` to RFC 3339; returns the record."""
    for path in paths:
        if len(path) == 1:  # the common case, without walking
            value = record.get(path[0])
            if isinstance(value, str):
                record[path[0]] = to_rfc3339(value)
            continue
        for parent, key in _slots(record, path):
            value = parent[key]
            if isinstance(value, str):
                parent[key] = to_rfc3339(value)
    return record


def _slots(node: Any, path: Path) -> Iterator[tuple[Any, Any]]:
    """(container, key) pairs that ``path`` reaches in ``node``; missing parts reach nothing."""
    if not path:
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(node, list):
            for index, item in enumerate(node):
                if rest:
                    yield from _slots(item, rest)
                else:
                    yield node, index
        return
    if not isinstance(node, dict) or head not in node:
        return
    if rest:
        yield from _slots(node[head], rest)
    else:
        yield node, head
