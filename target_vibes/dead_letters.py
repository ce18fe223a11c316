"""The dead-letter file: one JSON line per rejected record, and reading it back for replay.

Each line carries the stream, the resource, the record as the sink received it (after
stream maps), the HTTP status, Vibes' errors, the reason in words, the attempts, a UTC
timestamp and ``replay_safe`` (false when a create may already have happened).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from target_vibes.mapping.common import json_safe
from target_vibes.outcomes import Result

DEFAULT_PATH = "dead_letters.jsonl"


class DeadLetterFileError(ValueError):
    """A dead-letter file line is not a dead letter."""


class DeadLetterWriter:
    """Appends dead letters to a JSON-lines file, flushed line by line (thread-safe).

    The file is opened on the first dead letter only, so a clean run leaves no file.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._handle: Any = None
        self.count = 0

    def write(self, stream: str, resource: str, record: Mapping[str, Any], result: Result) -> None:
        entry = {
            "stream": stream,
            "resource": resource,
            "record": json_safe(record),
            "status": result.status,
            "errors": list(result.errors),
            "reason": result.reason,
            "attempts": result.attempts,
            "replay_safe": result.replay_safe,
            "timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
        line = orjson.dumps(entry, option=orjson.OPT_NON_STR_KEYS) + b"\n"
        with self._lock:
            if self._handle is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._handle = self.path.open("ab")
            self._handle.write(line)
            self._handle.flush()
            self.count += 1

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None


@dataclass(frozen=True)
class DeadLetter:
    stream: str
    resource: str
    record: dict[str, Any]
    reason: str
    replay_safe: bool


def read_dead_letters(path: str | Path) -> Iterator[DeadLetter]:
    """The dead letters of a file, in order; a malformed line names its number."""
    with Path(path).open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                entry = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise DeadLetterFileError(f"{path}:{number}: not a JSON line") from None
            if (
                not isinstance(entry, dict)
                or not isinstance(entry.get("stream"), str)
                or not isinstance(entry.get("record"), dict)
            ):
                raise DeadLetterFileError(f"{path}:{number}: not a dead letter (stream, record)")
            yield DeadLetter(
                stream=entry["stream"],
                resource=str(entry.get("resource", "")),
                record=entry["record"],
                reason=str(entry.get("reason", "")),
                replay_safe=bool(entry.get("replay_safe", True)),
            )
