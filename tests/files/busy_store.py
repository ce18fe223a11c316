"""A seeded store with a day's worth of sending on it, for the analytics extracts' tests."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from vibes_emulator.store.activity import Activity
from vibes_emulator.store.clock import Clock
from vibes_emulator.store.facade import Store

START = 1_760_000_000.0  # 2025-10-09T08:53:20Z
HOUR = 3600.0


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def busy_store(seed_value: int, persons: int = 60, start: float = START) -> tuple[Store, _Clock]:
    """A seeded store whose clock the test moves: a broadcast with a shortened link is
    sent, a wallet message goes to the passes, passes are installed, people opt in."""
    clock = _Clock(start)
    store = Store.open(None, clock=Clock(clock))
    store.seed(persons=persons, seed=seed_value)
    send_at = datetime.fromtimestamp(start + 2 * HOUR, tz=UTC)
    store.broadcasts.create(
        "demo",
        {
            "name": "Links",
            "send_scheduled_date": send_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "targeting": {
                "message_template": 'Track "it" at https://example.com/track',
                "source_lists": ["1201", "1202"],
                "shorten_urls": True,
            },
        },
        "test",
    )
    wallet_id = sorted(store.core.company("demo").tables["wallet_campaign"])[0]
    clock.now = start + HOUR  # before the send
    store.wallet_messages.create("demo", wallet_id, {"message": {"template": "New\treward"}})
    activity = Activity(store, "demo")
    rng = random.Random(seed_value)
    for kind in ("pass_install", "pass_install", "opt_in", "opt_out"):
        activity.perform(kind, rng)
    clock.now = start + 7 * HOUR  # the broadcast was sent, its links clicked
    return store, clock
