"""Time for the store: an injectable clock and the timestamp formats Vibes uses.

Vibes prints timestamps at different precisions per resource (FACTS §1.8): persons,
broadcasts and callbacks to the second (``2017-04-24T14:33:21Z``), acquisition campaigns
and participants to the minute (``2017-01-15T14:30Z``), wallet resources to the
millisecond (``2018-05-07T15:27:33.664Z``). The store keeps every instant as integer
epoch milliseconds and formats on the way out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache

SECOND = 1000
MINUTE = 60 * SECOND
MILLI = 1


class Clock:
    """Wall-clock time in epoch milliseconds; pass ``now`` (seconds) to control it in tests."""

    def __init__(self, now: Callable[[], float] | None = None) -> None:
        self._now = now or time.time

    def now_ms(self) -> int:
        return int(self._now() * 1000)

    def touch(self, previous_ms: int | None, unit_ms: int) -> int:
        """A new ``updated_at``: now, but always at least one printed unit after ``previous_ms``.

        Vibes prints person timestamps to the second, so two changes within one second would
        otherwise show the same ``updated_at``; clients detect change by that field, so the
        store moves it forward by one unit instead (documented in docs/emulator.md).
        """
        now = self.now_ms()
        if previous_ms is None:
            return now
        floor = (previous_ms // unit_ms + 1) * unit_ms
        return max(now, floor)


class ManualClock(Clock):
    """A clock that only moves when told to (tests)."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.current = start
        super().__init__(lambda: self.current)

    def advance(self, seconds: float) -> None:
        self.current += seconds


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _civil(ms: int) -> tuple[date, int, int, int]:
    # Arithmetic rather than datetime.strftime: timestamps are formatted on every read,
    # and this is about twice as fast.
    days, rest = divmod(ms // 1000, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    return date.fromordinal(_EPOCH_ORDINAL + days), hours, minutes, seconds


# Every read formats its timestamps again (a person GET, a page of 1,000 wallet items), and
# the values repeat from read to read: a bounded cache of these pure functions makes the
# common case a dictionary hit. Wallet items are read in bulk (two timestamps each, ~80k
# items in the list benchmark), and an LRU cache smaller than one full pass misses on
# every read, hence the larger bound there (~300 bytes an entry when full).
_FORMATTED = 1 << 16
_FORMATTED_WALLET = 1 << 18


@lru_cache(maxsize=_FORMATTED)
def fmt_seconds(ms: int | None) -> str | None:
    """``2017-04-24T14:33:21Z`` (persons, broadcasts, callbacks, subscriptions)."""
    if ms is None:
        return None
    day, h, m, s = _civil(ms)
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}T{h:02d}:{m:02d}:{s:02d}Z"


def fmt_minutes(ms: int | None) -> str | None:
    """``2017-01-15T14:30Z`` (acquisition campaigns and participants)."""
    if ms is None:
        return None
    day, h, m, _ = _civil(ms)
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}T{h:02d}:{m:02d}Z"


@lru_cache(maxsize=_FORMATTED_WALLET)
def fmt_millis(ms: int | None) -> str | None:
    """``2018-05-07T15:27:33.664Z`` (wallet campaigns, items, messages; opt-out dates)."""
    if ms is None:
        return None
    day, h, m, s = _civil(ms)
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}T{h:02d}:{m:02d}:{s:02d}.{ms % 1000:03d}Z"


def fmt_date(ms: int | None) -> str | None:
    """``2017-02-16`` (a date without time)."""
    return None if ms is None else _civil(ms)[0].isoformat()


def parse_iso(text: object) -> int | None:
    """Epoch ms of an ISO-8601 date or datetime string, or None when it is not one.

    Accepts what Vibes' own examples contain: ``2017-01-15``, ``2017-01-15T14:30Z``,
    ``2017-01-15T14:30:00Z``, ``...00.000Z``, ``...00z``, ``+0000``/``+00:00`` offsets;
    a value without offset is taken as UTC.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    value = text.strip()
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    if len(value) >= 5 and value[-5] in "+-" and value[-4:].isdigit() and "T" in value:
        value = value[:-2] + ":" + value[-2:]
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return round(parsed.timestamp() * 1000)
