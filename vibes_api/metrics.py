"""Counters of one client (or one stream/sink): attempts, answers, retries, 429s, latency.

Written from the event loop thread and read from others (the progress reporter), so every
update and read holds a small lock; ``snapshot()`` returns a plain dict safe to log or print.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

RESERVOIR_SIZE = 2048


class ClientMetrics:
    """Counts what a client did; latency percentiles come from a bounded uniform reservoir."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        reservoir_size: int = RESERVOIR_SIZE,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._started = clock()
        self._reservoir_size = reservoir_size
        self._reservoir: list[float] = []
        self._sampler = random.Random(0)
        self._by_status: Counter[int] = Counter()
        self._transport: Counter[str] = Counter()
        self._requests = 0
        self._retries = 0
        self._failures = 0
        self._latency_count = 0
        self._latency_total = 0.0

    # -- updates (event loop side) -------------------------------------------------------
    def record_request(self) -> None:
        """One attempt is about to be sent."""
        with self._lock:
            self._requests += 1

    def record_response(self, status: int, latency: float) -> None:
        with self._lock:
            self._by_status[status] += 1
            self._add_latency(latency)

    def record_transport_error(self, kind: str, latency: float) -> None:
        with self._lock:
            self._transport[kind] += 1
            self._add_latency(latency)

    def record_retry(self) -> None:
        with self._lock:
            self._retries += 1

    def record_failure(self) -> None:
        """A call gave up and raised (after its retries, or at once for a 4xx)."""
        with self._lock:
            self._failures += 1

    def _add_latency(self, latency: float) -> None:
        self._latency_count += 1
        self._latency_total += latency
        if len(self._reservoir) < self._reservoir_size:
            self._reservoir.append(latency)
        else:
            # Algorithm R: every observation stays with equal probability.
            slot = self._sampler.randrange(self._latency_count)
            if slot < self._reservoir_size:
                self._reservoir[slot] = latency

    # -- reads (any thread) --------------------------------------------------------------
    @property
    def requests(self) -> int:
        with self._lock:
            return self._requests

    @property
    def retries(self) -> int:
        with self._lock:
            return self._retries

    @property
    def throttled(self) -> int:
        with self._lock:
            return self._by_status[429]

    @property
    def errors(self) -> int:
        """Calls that ended in a raised error."""
        with self._lock:
            return self._failures

    @property
    def transport_errors(self) -> int:
        with self._lock:
            return sum(self._transport.values())

    @property
    def by_status(self) -> dict[int, int]:
        with self._lock:
            return dict(self._by_status)

    @property
    def elapsed(self) -> float:
        return max(0.0, self._clock() - self._started)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            samples = sorted(self._reservoir)
            count = self._latency_count
            total = self._latency_total
            snap: dict[str, Any] = {
                "requests": self._requests,
                "responses": sum(self._by_status.values()),
                "by_status": {str(code): n for code, n in sorted(self._by_status.items())},
                "retries": self._retries,
                "throttled": self._by_status[429],
                "transport_errors": sum(self._transport.values()),
                "transport_by_kind": dict(self._transport),
                "errors": self._failures,
            }
        elapsed = self.elapsed
        snap["latency"] = {
            "count": count,
            "total_seconds": round(total, 6),
            "mean_seconds": round(total / count, 6) if count else None,
            "p50_seconds": _percentile(samples, 0.50),
            "p95_seconds": _percentile(samples, 0.95),
        }
        snap["elapsed_seconds"] = round(elapsed, 3)
        snap["requests_per_second"] = round(snap["requests"] / elapsed, 3) if elapsed > 0 else 0.0
        return snap


def _percentile(sorted_samples: list[float], fraction: float) -> float | None:
    if not sorted_samples:
        return None
    index = min(len(sorted_samples) - 1, max(0, round(fraction * (len(sorted_samples) - 1))))
    return round(sorted_samples[index], 6)
