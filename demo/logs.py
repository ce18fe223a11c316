"""What a `meltano --log-format=json run` did, read from its log lines.

Meltano relays each plugin's stderr as one JSON object per line (``name`` the plugin,
``event`` the plugin's message). From the tap we read the Singer SDK's own metrics
(``record_count`` counters, which count the RECORD messages it wrote, and ``sync_duration``
timers) and tap-vibes' end-of-run ``summary`` lines (requests, retries, 429s per stream);
from target-vibes its per-stream summary (written, unchanged, rejected, requests, ...).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

_METRIC = re.compile(r"METRIC: (\{.*\})\s*$")
# tap-vibes: "summary persons: 300 records (44.3/s), 300 requests (44.3/s), 0 retries, 0 x 429"
_TAP_SUMMARY = re.compile(r"^summary (?P<stream>[\w.-]+): (?P<rest>.*)$")
_COUNT = re.compile(r"(?P<value>\d+) (?P<key>x 429|[a-z]+)\b")
# target-vibes also says where each stream went: "stream crm_contacts -> persons: written=..."
_TARGET_SUMMARY = re.compile(r"^stream (?P<stream>[\w.-]+) -> (?P<resource>[\w.-]+): (?P<rest>.*)$")


@dataclass
class StreamFigures:
    """One stream's (or one target resource's) numbers for the demo's table."""

    name: str
    records: int = 0
    requests: int = 0
    retries: int = 0
    throttled: int = 0
    seconds: float = 0.0
    resource: str = ""
    outcomes: dict[str, int] = field(default_factory=dict)


@dataclass
class RunLog:
    """Everything parsed from one meltano run's output."""

    tap: dict[str, StreamFigures] = field(default_factory=dict)
    target: dict[str, StreamFigures] = field(default_factory=dict)
    # Streams whose tap summary line was seen (the tap finished its run).
    summarized: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


def _event(line: str) -> tuple[str, str]:
    """(plugin name or "", message) of one output line, JSON-logged or plain."""
    try:
        entry: Any = json.loads(line)
    except ValueError:
        return "", line
    if not isinstance(entry, dict):
        return "", line
    message = str(entry.get("event", ""))
    level = str(entry.get("level", ""))
    if level in ("error", "critical") and message:
        return str(entry.get("name", "meltano")), "!" + message
    return str(entry.get("name", "")), message


def parse_run(
    output: str, tap: str, target: str, resources: dict[str, str] | None = None
) -> RunLog:
    """Read the tap's and the target's figures out of one run's combined output.

    ``resources`` names the Vibes resource of each target stream (from the target's config)
    for summary lines that do not say it.
    """
    log = RunLog()
    durations: dict[str, float] = defaultdict(float)
    for line in output.splitlines():
        plugin, message = _event(line)
        if message.startswith("!"):
            log.problems.append(f"{plugin}: {message[1:]}")
            continue
        if plugin == tap:
            _read_tap_message(message, log, durations)
        elif plugin == target:
            _read_target_message(message, log, resources or {})
    for stream, seconds in durations.items():
        log.tap.setdefault(stream, StreamFigures(stream)).seconds = seconds
    return log


def _read_tap_message(message: str, log: RunLog, durations: dict[str, float]) -> None:
    metric = _METRIC.search(message)
    if metric is not None:
        data = json.loads(metric.group(1))
        tags = data.get("tags", {})
        stream = str(tags.get("stream", ""))
        if not stream:
            return
        figures = log.tap.setdefault(stream, StreamFigures(stream))
        if data.get("metric") == "record_count":
            figures.records += int(data.get("value", 0))
        elif data.get("metric") == "sync_duration":
            # A child stream is timed once per parent record (its context); add them up.
            durations[stream] += float(data.get("value", 0.0))
        return
    summary = _TAP_SUMMARY.match(message)
    if summary is not None:
        stream = summary.group("stream")
        figures = log.tap.setdefault(stream, StreamFigures(stream))
        counts = {m.group("key"): int(m.group("value")) for m in _COUNT.finditer(summary["rest"])}
        figures.requests = counts.get("requests", 0)
        figures.retries = counts.get("retries", 0)
        figures.throttled = counts.get("x 429", 0)
        log.summarized.add(stream)


def _read_target_message(message: str, log: RunLog, resources: dict[str, str]) -> None:
    stream_line = _TARGET_SUMMARY.match(message)
    if stream_line is not None:
        stream = stream_line.group("stream")
        figures = log.target.setdefault(stream, StreamFigures(stream))
        figures.resource = stream_line.group("resource")
        return
    summary = _TAP_SUMMARY.match(message)
    if summary is None:
        return
    # "summary crm_contacts: 25 records (127.1/s), 24 written, 0 unchanged, 1 rejected,
    #  24 requests (122.0/s), 0 retries, 0 x 429"
    stream = summary.group("stream")
    counts = {m.group("key"): int(m.group("value")) for m in _COUNT.finditer(summary["rest"])}
    figures = log.target.setdefault(stream, StreamFigures(stream))
    figures.resource = figures.resource or resources.get(stream, stream)
    figures.records = counts.pop("records", 0)
    figures.requests = counts.pop("requests", 0)
    figures.retries = counts.pop("retries", 0)
    figures.throttled = counts.pop("x 429", 0)
    figures.outcomes = counts
