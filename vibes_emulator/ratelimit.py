"""Per-company token buckets for Vibes' documented throttles (FACTS §1.5).

Pure bookkeeping, no I/O: the middleware asks :meth:`RateLimiter.allow` once per request.
Each bucket holds at most one second of tokens and starts full, so a client pacing itself
at the limit from a cold start sees (almost) no 429s, while a client 20% over the limit
sees about 1 in 6 of its requests refused once the first second's tokens are spent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

GENERAL = "general"
EVENTS = "events"
GOOGLE_WALLET = "google_wallet"

DOCUMENTED_RATES: dict[str, float] = {GENERAL: 100.0, EVENTS: 300.0, GOOGLE_WALLET: 20.0}


def rates_for(rate_limit: float | None) -> dict[str, float] | None:
    """Per-bucket rates for a ``--rate-limit`` value.

    None keeps the documented limits; 0 (or less) turns throttling off; any other number
    replaces the general limit and scales the events and Google Wallet limits in the same
    proportion as the documented ones (3x and 0.2x).
    """
    if rate_limit is None:
        return dict(DOCUMENTED_RATES)
    if rate_limit <= 0:
        return None
    general = DOCUMENTED_RATES[GENERAL]
    return {name: rate * rate_limit / general for name, rate in DOCUMENTED_RATES.items()}


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """Token buckets keyed by (company_key, bucket name)."""

    def __init__(
        self, rate_limit: float | None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self._rates = rates_for(rate_limit)
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    @property
    def rates(self) -> dict[str, float] | None:
        """Current per-bucket rates, or None when throttling is off."""
        return None if self._rates is None else dict(self._rates)

    def allow(self, company_key: str, bucket: str) -> bool:
        """Take one token from the company's bucket; False means answer 429."""
        rates = self._rates
        if rates is None:
            return True
        rate = rates[bucket]
        now = self._clock()
        key = (company_key, bucket)
        state = self._buckets.get(key)
        if state is None:
            state = self._buckets[key] = _Bucket(tokens=_capacity(rate), stamp=now)
        else:
            state.tokens = min(_capacity(rate), state.tokens + (now - state.stamp) * rate)
            state.stamp = now
        if state.tokens >= 1.0:
            state.tokens -= 1.0
            return True
        return False

    def allow_all(self, company_key: str, buckets: tuple[str, ...]) -> bool:
        """Take a token from each bucket, or from none if any is empty."""
        if self._rates is None:
            return True
        if len(buckets) == 1:
            return self.allow(company_key, buckets[0])
        for name in buckets:
            if not self._peek(company_key, name):
                return False
        return all(self.allow(company_key, name) for name in buckets)

    def _peek(self, company_key: str, bucket: str) -> bool:
        assert self._rates is not None
        rate = self._rates[bucket]
        state = self._buckets.get((company_key, bucket))
        if state is None:
            return True
        return state.tokens + (self._clock() - state.stamp) * rate >= 1.0


def _capacity(rate: float) -> float:
    # One second of tokens, but never less than one request, or a sub-1/s limit
    # would refuse everything.
    return max(rate, 1.0)
