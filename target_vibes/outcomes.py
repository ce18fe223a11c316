"""What happened to each record, tallied per stream, and the dry run's plan.

Every record ends in exactly one outcome: written, unchanged or rejected. A dry run
counts the same outcomes as a plan of actions (create, update, unsubscribe, ...).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# The actions a plan counts, in the order a dry run prints them.
PLAN_ACTIONS = (
    "create",
    "update",
    "upsert",
    "unsubscribe",
    "subscribe",
    "add",
    "send",
    "skip",
    "reject",
)


class Outcome(StrEnum):
    WRITTEN = "written"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Result:
    """One record's outcome, with what a dead letter needs when it was rejected.

    ``action`` is the plan word (create, update, unsubscribe...). ``replay_safe`` is False
    when Vibes may already have acted on a create whose answer was lost.
    """

    outcome: Outcome
    action: str
    status: int | None = None
    reason: str | None = None
    errors: tuple[dict[str, Any], ...] = ()
    attempts: int = 0
    replay_safe: bool = True

    @classmethod
    def written(cls, action: str, status: int | None = None) -> Result:
        return cls(Outcome.WRITTEN, action, status=status)

    @classmethod
    def unchanged(cls, action: str, status: int | None = None, reason: str | None = None) -> Result:
        return cls(Outcome.UNCHANGED, action, status=status, reason=reason)

    @classmethod
    def rejected(
        cls,
        reason: str,
        *,
        status: int | None = None,
        errors: list[dict[str, Any]] | tuple[dict[str, Any], ...] = (),
        attempts: int = 0,
        replay_safe: bool = True,
    ) -> Result:
        return cls(
            Outcome.REJECTED,
            "reject",
            status=status,
            reason=reason,
            errors=tuple(errors),
            attempts=attempts,
            replay_safe=replay_safe,
        )


@dataclass
class StreamTally:
    """Outcome and action counts of one stream (the per-stream summary line with requests,
    retries and 429s comes from the stream's vibes_api progress counter)."""

    stream: str
    resource: str
    outcomes: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, result: Result) -> None:
        with self._lock:
            self.outcomes[result.outcome.value] += 1
            self.actions[result.action] += 1

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())

    @property
    def rejected(self) -> int:
        return self.outcomes[Outcome.REJECTED.value]

    def plan_line(self) -> str:
        counts = " ".join(f"{action}={self.actions[action]}" for action in PLAN_ACTIONS)
        extra = sorted(set(self.actions) - set(PLAN_ACTIONS))
        tail = "".join(f" {action}={self.actions[action]}" for action in extra)
        return f"plan for stream {self.stream} -> {self.resource}: {counts}{tail}"


class RunOutcomes:
    """All streams' tallies for one run."""

    def __init__(self) -> None:
        self._streams: dict[str, StreamTally] = {}
        self._lock = threading.Lock()

    def stream(self, stream: str, resource: str) -> StreamTally:
        with self._lock:
            tally = self._streams.get(stream)
            if tally is None:
                tally = StreamTally(stream=stream, resource=resource)
                self._streams[stream] = tally
            return tally

    def tallies(self) -> list[StreamTally]:
        with self._lock:
            return list(self._streams.values())

    @property
    def total(self) -> int:
        return sum(tally.total for tally in self.tallies())

    @property
    def rejected(self) -> int:
        return sum(tally.rejected for tally in self.tallies())

    def reject_ratio(self) -> float:
        total = self.total
        return self.rejected / total if total else 0.0
