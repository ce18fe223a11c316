"""The one tap runner of the tests: tap-vibes in this process, or as its command.

``run_tap`` captures stdout the way the SDK's own test runner does (or reads the command's)
and parses every Singer message with orjson into a :class:`TapRun`. What the API holds is
read with the shared ``tests.vibes_reader``.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import logging
import re
import subprocess
import sys
from collections import defaultdict
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from tap_vibes.tap import TapVibes


@dataclass
class TapRun:
    messages: list[dict[str, Any]]
    records: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    states: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    emulator_stats: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for message in self.messages:
            if message["type"] == "RECORD":
                self.records[message["stream"]].append(message["record"])
            elif message["type"] == "STATE":
                self.states.append(message["value"])

    @property
    def final_state(self) -> dict[str, Any]:
        return self.states[-1] if self.states else {}

    def keys(self, stream: str, *names: str) -> list[tuple[Any, ...]]:
        return [tuple(r.get(n) for n in names) for r in self.records[stream]]

    def bookmark(self, stream: str) -> Any:
        """The final STATE's bookmark value of ``stream``."""
        return self.final_state["bookmarks"][stream].get("replication_key_value")


def run_tap(
    config: dict[str, Any],
    *,
    state: dict[str, Any] | None = None,
    catalog: dict[str, Any] | None = None,
    record_limit: int | None = None,
    streams: tuple[str, ...] | None = None,
    workdir: Path | None = None,
) -> TapRun:
    """One tap run; ``streams`` selects only those (via a catalog). With ``workdir`` the
    run is the ``tap-vibes`` command (files written there), else it runs in this process."""
    if streams is not None:
        catalog = select_streams(config, streams)
    if workdir is not None:
        assert record_limit is None, "the command has no record limit"
        return _run_command(config, state, catalog, workdir)
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    warnings = _WarningsKept()
    root = logging.getLogger()
    root.addHandler(warnings)
    # The SDK keeps (and updates) parts of the state it is given: pass it a copy.
    tap = TapVibes(config=config, state=copy.deepcopy(state), catalog=catalog)
    try:
        with redirect_stdout(stdout):
            if record_limit is None:
                tap.sync_all()
            else:
                tap.run_sync_dry_run(dry_run_record_limit=record_limit)
    finally:
        tap.close_session()
        root.removeHandler(warnings)
    stdout.seek(0)
    run = _parsed(stdout.read())
    run.warnings = warnings.messages
    return run


TAP_COMMAND = str(Path(sys.executable).parent / "tap-vibes")


def _run_command(
    config: dict[str, Any],
    state: dict[str, Any] | None,
    catalog: dict[str, Any] | None,
    workdir: Path,
) -> TapRun:
    command = [TAP_COMMAND, "--config", _written(workdir / "tap.json", config)]
    if catalog is not None:
        command += ["--catalog", _written(workdir / "catalog.json", catalog)]
    if state is not None:
        command += ["--state", _written(workdir / "state.json", state)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    run = _parsed(done.stdout)
    run.warnings = [line for line in done.stderr.splitlines() if "WARNING" in line]
    return run


def discover(config: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """The catalog ``tap-vibes --discover`` prints."""
    command = [TAP_COMMAND, "--config", _written(workdir / "tap.json", config), "--discover"]
    found = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    catalog: dict[str, Any] = json.loads(found.stdout)
    return catalog


def _written(path: Path, value: Any) -> str:
    path.write_text(json.dumps(value))
    return str(path)


def _parsed(output: str) -> TapRun:
    return TapRun([orjson.loads(line) for line in output.splitlines() if line.strip()])


class _WarningsKept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def select_streams(config: dict[str, Any], streams: tuple[str, ...]) -> dict[str, Any]:
    catalog = TapVibes(config=config).catalog_dict
    for entry in catalog["streams"]:
        chosen = entry["tap_stream_id"] in streams
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = chosen
    return catalog


_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def canon(value: Any) -> Any:
    """``value`` with every ISO timestamp string turned into an aware datetime, so records
    compare as the same data whatever precision or offset spelling carried the instant."""
    if isinstance(value, dict):
        return {key: canon(item) for key, item in value.items()}
    if isinstance(value, list):
        return [canon(item) for item in value]
    if isinstance(value, str) and _TIMESTAMP.match(value):
        try:
            parsed = datetime.fromisoformat(value.replace("z", "Z"))
        except ValueError:
            return value
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return value


def write_ids_file(path: Path, persons: list[dict[str, Any]], unknown: int = 0) -> Path:
    """A CSV naming persons by key, external id and MDN in turn, plus ``unknown`` bad ids."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["person_key", "external_person_id", "mdn"])
        for index, person in enumerate(persons):
            kind = ("person_key", "external_person_id", "mdn")[index % 3]
            if not person.get(kind):
                kind = "person_key"
            row = ["", "", ""]
            row[("person_key", "external_person_id", "mdn")
                .index(kind)] = person[kind]  # fmt: skip
            writer.writerow(row)
        for index in range(unknown):
            writer.writerow([f"no-such-person-{index}", "", ""])
    return path


def write_codes_file(path: Path, codes: list[str], unknown: int = 0) -> Path:
    """Codes as a spreadsheet exports them: a BOM, CRLF, quoted values, a blank line."""
    rows = ["incentive_code,note", *(f'"{code}",seeded' for code in codes), ""]
    rows += [f"NO-SUCH-CODE-{index}," for index in range(unknown)]
    path.write_bytes(("\ufeff" + "\r\n".join(rows) + "\r\n").encode())
    return path
