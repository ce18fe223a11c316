"""Timestamp formats and the clock's "always moves forward" rule."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from vibes_emulator.store.clock import (
    SECOND,
    ManualClock,
    fmt_millis,
    fmt_minutes,
    fmt_seconds,
    parse_iso,
)


def test_formats_match_strftime_over_many_instants() -> None:
    rng = random.Random(1)
    for _ in range(2000):
        ms = rng.randrange(0, 4_102_444_800_000)  # 1970 .. 2100
        moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
        assert fmt_seconds(ms) == moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert fmt_minutes(ms) == moment.strftime("%Y-%m-%dT%H:%MZ")
        assert fmt_millis(ms) == moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
        assert parse_iso(fmt_millis(ms)) == ms


def test_parse_accepts_the_shapes_vibes_prints() -> None:
    expected = parse_iso("2017-01-15T14:30:00Z")
    for text in (
        "2017-01-15T14:30Z",
        "2017-01-15T14:30:00.000Z",
        "2017-01-15T14:30:00+0000",
        "2017-01-15T14:30:00z",
    ):
        assert parse_iso(text) == expected, text
    assert parse_iso("2017-01-15") == parse_iso("2017-01-15T00:00:00Z")
    assert parse_iso("not a date") is None
    assert parse_iso(12) is None


def test_touch_moves_at_least_one_printed_unit() -> None:
    clock = ManualClock(start=100.0)
    first = clock.touch(None, SECOND)
    second = clock.touch(first, SECOND)
    assert fmt_seconds(second) != fmt_seconds(first)
    clock.advance(10)
    assert clock.touch(second, SECOND) == clock.now_ms()
