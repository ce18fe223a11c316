"""Client-side rate limiting: token buckets per Vibes limit, slowed down by 429 answers.

Vibes throttles per company over one second (100/s general, 300/s for events, 20/s for Google
Wallet updates) and publishes no window details, no headers and no Retry-After. A client that
sends at rate r with a bucket of capacity c puts at most c + r*T requests into any interval T.
Any server-side token bucket of one second's capacity at limit L accepts that whenever c <= L
and r <= L; a fixed or sliding one-second window accepts it while c + r <= L. So the bucket here
holds only a tenth of a second (``BURST_SECONDS``): at the default 90/s that is 9 + 90 = 99
requests in the worst second, under the 100/s limit however the server counts, while still
absorbing the timer lateness that would otherwise cost throughput.

The bucket is implemented as GCRA (a virtual schedule of departure times): each caller
reserves the next slot and sleeps until it, which is FIFO-fair without a lock.

A 429 means something else also uses the account's budget, so the bucket's rate drops to
``SLOWDOWN_FACTOR`` of its current value (at most once per ``SLOWDOWN_COOLDOWN`` seconds, so a
volley of 429s from requests already in flight counts once), never below ``floor``, and climbs
back additively by ``RECOVERY_FRACTION`` of the configured rate per second.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

LimitName = Literal["default", "events", "google_wallet"]
LIMIT_NAMES: tuple[LimitName, ...] = ("default", "events", "google_wallet")

BURST_SECONDS = 0.1
SLOWDOWN_FACTOR = 0.7
SLOWDOWN_COOLDOWN = 1.0
RECOVERY_FRACTION = 0.1
FLOOR_FRACTION = 0.05
MIN_FLOOR = 0.5


@dataclass
class _Slowdown:
    rate: float
    at: float


class TokenBucket:
    """One rate limit: ``await acquire()`` returns when a request may be sent."""

    def __init__(
        self,
        rate: float,
        *,
        burst_seconds: float = BURST_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be greater than 0")
        self.configured_rate = float(rate)
        self.burst_seconds = burst_seconds
        self.floor = max(
            MIN_FLOOR, min(self.configured_rate, self.configured_rate * FLOOR_FRACTION)
        )
        self._clock = clock
        # Scheduled time of the next slot; in the past while the bucket holds tokens.
        # Minus infinity: the bucket starts full (a tenth of a second's worth).
        self._next_free = float("-inf")
        self._slowdown: _Slowdown | None = None
        self.slowdowns = 0
        self.lowest_rate = self.configured_rate
        self.acquired = 0

    @property
    def capacity(self) -> float:
        """Tokens the bucket can hold: a tenth of a second's worth, but at least one."""
        return max(1.0, self.rate_at(self._clock()) * self.burst_seconds)

    def rate_at(self, now: float) -> float:
        """The rate in force at ``now``, after any 429 slowdown and its recovery."""
        if self._slowdown is None:
            return self.configured_rate
        recovered = self._slowdown.rate + RECOVERY_FRACTION * self.configured_rate * max(
            0.0, now - self._slowdown.at
        )
        if recovered >= self.configured_rate:
            self._slowdown = None
            return self.configured_rate
        return recovered

    @property
    def current_rate(self) -> float:
        return self.rate_at(self._clock())

    def reserve(self) -> float:
        """Take the next slot; return how many seconds the caller must wait for it."""
        now = self._clock()
        rate = self.rate_at(now)
        interval = 1.0 / rate
        tolerance = (max(1.0, rate * self.burst_seconds) - 1.0) * interval
        start = max(self._next_free, now - tolerance)
        self._next_free = start + interval
        self.acquired += 1
        return max(0.0, start - now)

    async def acquire(self) -> None:
        delay = self.reserve()
        if delay > 0:
            await asyncio.sleep(delay)

    def on_throttled(self) -> bool:
        """Slow down after a 429; returns whether the rate was actually lowered."""
        now = self._clock()
        if self._slowdown is not None and now - self._slowdown.at < SLOWDOWN_COOLDOWN:
            return False
        rate = max(self.floor, self.rate_at(now) * SLOWDOWN_FACTOR)
        self._slowdown = _Slowdown(rate=rate, at=now)
        self.slowdowns += 1
        self.lowest_rate = min(self.lowest_rate, rate)
        # Slots already handed out at the old spacing stay; later ones use the new rate.
        self._next_free = max(self._next_free, now)
        return True

    def snapshot(self) -> dict[str, Any]:
        return {
            "configured_rate": self.configured_rate,
            "current_rate": round(self.current_rate, 3),
            "lowest_rate": round(self.lowest_rate, 3),
            "slowdowns": self.slowdowns,
            "acquired": self.acquired,
        }


class RateLimits:
    """The buckets of one company, by limit name.

    "events" is counted apart from the general limit, as Vibes counts it. "google_wallet" is a
    lower limit within general calls, so such a request takes a slot from both buckets. A 429
    slows only the request's own bucket: a Google Wallet 429 says nothing about other calls.
    """

    def __init__(
        self,
        requests_per_second: float,
        events_per_second: float = 300.0,
        google_wallet_per_second: float = 20.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.buckets: dict[LimitName, TokenBucket] = {
            "default": TokenBucket(requests_per_second, clock=clock),
            "events": TokenBucket(events_per_second, clock=clock),
            "google_wallet": TokenBucket(google_wallet_per_second, clock=clock),
        }

    def _chain(self, limit: LimitName) -> tuple[TokenBucket, ...]:
        if limit not in self.buckets:
            raise ValueError(f"unknown limit {limit!r}; expected one of {LIMIT_NAMES}")
        if limit == "google_wallet":
            return (self.buckets["google_wallet"], self.buckets["default"])
        return (self.buckets[limit],)

    async def acquire(self, limit: LimitName = "default") -> None:
        # The narrow bucket first, so its long waits do not hold a general slot idle.
        for bucket in self._chain(limit):
            await bucket.acquire()

    def on_throttled(self, limit: LimitName = "default") -> bool:
        return self._chain(limit)[0].on_throttled()

    def snapshot(self) -> dict[str, dict[str, Any]]:
        return {name: bucket.snapshot() for name, bucket in self.buckets.items()}
