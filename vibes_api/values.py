"""Values both plugins read from Vibes the same way: timestamps first.

Vibes prints ISO-8601 at minute (``2017-01-15T14:30Z``), second and millisecond precision,
and old payloads use ``+0000`` offsets (FACTS §1.8); strings of mixed precision do not sort
as instants, so every comparison goes through :func:`parse_timestamp`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

# What Python's fromisoformat misses: a lowercase "z" designator.
_LOWER_Z = re.compile(r"z\Z")


def parse_timestamp(value: Any) -> datetime | None:
    """An aware datetime for a Vibes timestamp string, or None when it is not one.

    Naive values are taken as UTC, which is how Vibes documents its timestamps.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(_LOWER_Z.sub("Z", value.strip()))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
