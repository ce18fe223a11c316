"""Stop a stream whose first records are all rejected for one reason.

Systematic rejects (every row names a custom field the company lacks, a wrong route, a
company the credentials may not write to) would otherwise be sent one request per record
and burn the company's shared rate budget. The first ``EARLY_STOP_RECORDS`` outcomes of a
stream are watched; their dead letters are held until their batch is done. If all of them are
rejections with the same reason, the stream stops before sending the rest, the held records are not
dead-lettered (the rerun after the fix sends them again, as no STATE passed them), and the
run exits non-zero. One outcome that is not a rejection, or a second reason, ends the
watch and releases the held dead letters.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

from target_vibes.failures import SystematicRejects
from target_vibes.outcomes import Outcome, Result
from vibes_api.masking import mask_text

EARLY_STOP_RECORDS = 25
# Quoted values and numbers differ between records rejected for the same reason.
_VARIABLE = re.compile(r"'[^']*'|\"[^\"]*\"|\d+")
_AUTHENTICATION = frozenset({401, 403})


def reason_class(result: Result) -> str:
    """A rejection's reason with its record-specific values blanked."""
    return f"{result.status}:{_VARIABLE.sub('_', result.reason or '')}"


class FirstRecordsWatch:
    """Watches one stream's first outcomes; see the module docstring."""

    def __init__(self, stream: str, limit: int = EARLY_STOP_RECORDS) -> None:
        self.stream = stream
        self.limit = limit
        self.seen = 0
        self.watching = limit > 0
        self.held: list[tuple[Mapping[str, Any], Result]] = []
        self.stop: SystematicRejects | None = None
        self._reason: str | None = None
        self._lock = threading.Lock()

    def remaining(self) -> int:
        """How many more records the watch needs to see; 0 once it is over."""
        with self._lock:
            return self.limit - self.seen if self.watching else 0

    def observe(
        self, record: Mapping[str, Any], result: Result
    ) -> list[tuple[Mapping[str, Any], Result]]:
        """Count one outcome; returns the rejected records to dead-letter now."""
        rejected = result.outcome is Outcome.REJECTED
        with self._lock:
            if not self.watching:
                return [(record, result)] if rejected else []
            self.seen += 1
            reason = reason_class(result) if rejected else None
            if reason is None or (self._reason is not None and reason != self._reason):
                self.watching = False
                released, self.held = self.held, []
                return [*released, (record, result)] if rejected else released
            self._reason = reason
            self.held.append((record, result))
            if self.seen >= self.limit:
                self.watching = False
                self.stop = self._verdict(result)
            return []

    def release(self) -> list[tuple[Mapping[str, Any], Result]]:
        """The held rejects, to dead-letter now (the batch is done, its STATE may follow);
        the watch goes on counting."""
        with self._lock:
            released, self.held = self.held, []
            return released

    def _verdict(self, example: Result) -> SystematicRejects:
        self.held = []
        return SystematicRejects(
            f"stream {self.stream}: the first {self.limit} records were all rejected for the "
            f"same reason: {mask_text(example.reason or '')}. The run stopped before sending "
            "the rest; fix the cause (the records, the 'streams' setting, the company's "
            "custom fields or the credentials) and rerun from the last STATE: nothing past "
            "these records was acknowledged, so the rerun sends them again",
            authentication=example.status in _AUTHENTICATION,
        )
