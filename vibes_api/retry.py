"""Which failed calls are retried, and how long to wait before the next attempt.

The rule for writes that are not idempotent (``retry_unsafe=False``, e.g. creating a broadcast
or a wallet message): retry only failures that prove the request was not acted on -- 429 and 503
(refused before processing) and connections that were never established. A dropped connection,
a timeout, a truncated body or another 5xx may come after Vibes applied the write, so those are
raised at once (``error.maybe_processed`` is True) and the caller decides, instead of risking a
second broadcast to real phones. Reads and idempotent writes (GET, PUT, DELETE) retry them all.
4xx answers that mean "no" are never retried.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from vibes_api.errors import (
    VibesAPIError,
    VibesRequestError,
    VibesTransportError,
)

# Transport failures where nothing reached Vibes.
NOT_SENT_KINDS = frozenset({"connect"})
# Transport failures worth another attempt at all ("tls" is a configuration problem).
RETRYABLE_KINDS = frozenset(
    {"connect", "disconnected", "timeout", "truncated", "invalid_json", "protocol"}
)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and full jitter.

    The n-th retry waits a uniformly random time in [0, min(cap, base * 2**(n-1))]: full jitter
    spreads the retries of many concurrent requests instead of having them return in a wave.
    """

    max_retries: int = 8
    base_seconds: float = 0.25
    cap_seconds: float = 10.0

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """Seconds to wait before retry ``retry_number`` (1 for the first retry)."""
        return rng.uniform(0.0, self.ceiling(retry_number))

    def ceiling(self, retry_number: int) -> float:
        """The largest wait the n-th retry may draw."""
        exponent = min(max(retry_number - 1, 0), 62)
        return min(self.cap_seconds, self.base_seconds * (2.0**exponent))

    def should_retry(self, error: VibesRequestError, attempts: int, retry_unsafe: bool) -> bool:
        """Whether to make another attempt after ``attempts`` attempts ended in ``error``."""
        if attempts > self.max_retries:
            return False
        return is_retryable(error, retry_unsafe)


def is_retryable(error: VibesRequestError, retry_unsafe: bool) -> bool:
    """Whether the failure may go away on another attempt and retrying cannot duplicate a write."""
    if isinstance(error, VibesAPIError):
        if not error.temporary:
            return False
        return retry_unsafe or error.not_processed
    if isinstance(error, VibesTransportError):
        if error.kind not in RETRYABLE_KINDS:
            return False
        return retry_unsafe or error.kind in NOT_SENT_KINDS
    return False


def default_retry_unsafe(method: str) -> bool:
    """Idempotent methods may repeat an ambiguous attempt; POST (and PATCH) may not by default."""
    return method.upper() in IDEMPOTENT_METHODS
