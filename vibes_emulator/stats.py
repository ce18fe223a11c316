"""Counters of what the emulator answered, for GET /_emulator/stats."""

from __future__ import annotations

from collections import Counter
from typing import Any


class Stats:
    """Counts every Vibes request by status, by route and by injected fault."""

    def __init__(self) -> None:
        self.requests = 0
        self.by_status: Counter[str] = Counter()
        self.by_route: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()

    def record(self, status: str, route: str) -> None:
        self.requests += 1
        self.by_status[status] += 1
        self.by_route[route] += 1

    def record_fault(self, kind: str) -> None:
        self.faults[kind] += 1

    def reset(self) -> None:
        self.requests = 0
        self.by_status.clear()
        self.by_route.clear()
        self.faults.clear()

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "by_status": dict(self.by_status),
            "by_route": dict(self.by_route),
            "faults_injected": sum(self.faults.values()),
            "faults_by_kind": dict(self.faults),
        }
