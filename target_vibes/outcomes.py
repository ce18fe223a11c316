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

# The writes a plan counts, in the order a dry run prints them; after them come the
# records that change nothing, those only a write can decide, and the rejects.
PLAN_ACTIONS = ("create", "update", "upsert", "unsubscribe", "subscribe", "add", "send")


class Outcome(StrEnum):
    WRITTEN = "written"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"
    # Dry run only: what only the write itself can reveal (a custom field Vibes has not
    # shown), so the plan counts it apart from the writes it is sure of.
    UNVERIFIED = "unverified"


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
    def unverified(cls, action: str, reason: str) -> Result:
        return cls(Outcome.UNVERIFIED, action, reason=reason)

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
            if result.outcome is Outcome.WRITTEN:
                self.actions[result.action] += 1

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())

    @property
    def rejected(self) -> int:
        return self.outcomes[Outcome.REJECTED.value]

    def plan_line(self) -> str:
        """``plan for stream S -> R: create=N update=N ... unchanged=N unverified=N reject=N``:
        the writes add up to the real run's "written", reject to its "rejected"."""
        writes = [*PLAN_ACTIONS, *sorted(set(self.actions) - set(PLAN_ACTIONS))]
        counts = [f"{action}={self.actions[action]}" for action in writes]
        counts += [
            f"unchanged={self.outcomes[Outcome.UNCHANGED.value]}",
            f"unverified={self.outcomes[Outcome.UNVERIFIED.value]}",
            f"reject={self.rejected}",
        ]
        return f"plan for stream {self.stream} -> {self.resource}: {' '.join(counts)}"


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


def progress_key(outcome: Outcome, *, dry_run: bool) -> str:
    """The progress/summary word for an outcome; a dry run says what it would do."""
    if not dry_run:
        return outcome.value
    return {
        Outcome.WRITTEN: "would write",
        Outcome.UNCHANGED: "would leave unchanged",
        Outcome.REJECTED: "would reject",
        Outcome.UNVERIFIED: "unverified",
    }[outcome]
