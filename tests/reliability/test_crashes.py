"""SIGKILL at seeded random points, resume from the last STATE: nothing is lost.

The tap (at-least-once): the union of the killed runs and the final resumed run holds
every record of a clean run. The target: replaying the input after the last STATE it
emitted leaves Vibes with the same persons as a clean run, and the dead letters hold only
the records that are really wrong.
"""

from __future__ import annotations

import random
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.support import (
    ProcessRun,
    record_key,
    run_process,
    run_until,
    singer_lines,
    tap_command,
    write_json,
)
from tests.tap.harness import write_ids_file
from tests.target.support import Api, target_config
from vibes_emulator.testing import RunningEmulator

pytestmark = pytest.mark.slow

KILLS = 3


def test_tap_killed_at_random_points_resumes_without_gaps(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.control.seed(persons=100, seed=9)
    # A little latency so the kills land while requests are in flight.
    emulator.control.set_faults(rate_limit=0, latency_ms=3)
    ids = write_ids_file(tmp_path / "ids.csv", emulator.control.persons(), unknown=2)
    config = write_json(
        tmp_path / "config.json", {**emulator.config(), "person_ids_file": str(ids)}
    )
    clean = run_process(tap_command(config))
    assert clean.returncode == 0, clean.stderr[-2000:]
    total_lines = len(clean.messages)

    rng = random.Random(20261127)
    runs: list[ProcessRun] = []
    state_path: Path | None = None
    for attempt in range(KILLS):
        kill_at = rng.randint(2, total_lines - 2)
        run = run_until(tap_command(config, state_path), _after_line(kill_at))
        runs.append(run)
        assert run.killed, f"attempt {attempt}: the run ended before line {kill_at}"
        if run.last_state is not None:
            state_path = write_json(tmp_path / f"state{attempt}.json", run.last_state)
    final = run_process(tap_command(config, state_path))
    assert final.returncode == 0, final.stderr[-2000:]
    runs.append(final)

    seen: dict[str, set[bytes]] = defaultdict(set)
    for run in runs:
        for stream, records in run.records.items():
            seen[stream].update(record_key(r) for r in records)
    for stream, records in clean.records.items():
        missing = [r for r in records if record_key(r) not in seen[stream]]
        assert not missing, (stream, len(missing), missing[:1])
    # And the resumed run ends where the clean one did.
    assert final.last_state == clean.last_state


def _after_line(line: int) -> Callable[[int, dict[str, Any]], bool]:
    return lambda number, _message: number >= line


def _person_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"external_person_id": f"k{i}", "mdn": f"+1299558{i:04d}", "custom_fields__first_name": "A"}
        for i in range(160)
    ]
    # Later rows change earlier people: the order of writes per person matters on replay.
    rows += [
        {"external_person_id": f"k{i}", "custom_fields__first_name": f"B{i}"}
        for i in range(0, 160, 3)
    ]
    for position, bad in ((17, "12"), (90, "not a number"), (150, "+1 (299) 555")):
        rows.insert(position, {"external_person_id": f"bad-{position}", "mdn": bad})
    return rows


def _input(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    schema = {"type": "SCHEMA", "stream": "persons", "schema": {"properties": {}}}
    messages: list[dict[str, Any]] = [{**schema, "key_properties": []}]
    for index, row in enumerate(rows, start=1):
        messages.append({"type": "RECORD", "stream": "persons", "record": row})
        if index % 10 == 0:
            messages.append({"type": "STATE", "value": {"rows": index}})
    messages.append({"type": "STATE", "value": {"rows": len(rows)}})
    return messages


def _after_state(messages: list[dict[str, Any]], state: dict[str, Any] | None) -> str:
    """The input to replay: the schema, then everything after ``state`` in the input."""
    if state is None:
        return singer_lines(messages)
    position = messages.index({"type": "STATE", "value": state})
    return singer_lines([messages[0], *messages[position + 1 :]])


def _persons_read_back(emulator: RunningEmulator, external_ids: list[str]) -> dict[str, Any]:
    api = Api(emulator)
    found: dict[str, Any] = {}
    for external_id in external_ids:
        person = api.person_by_external(external_id)
        if person is not None:
            found[external_id] = (person["mobile_phone"], person["custom_fields"])
    return found


def test_target_killed_at_random_points_replays_to_the_clean_result(tmp_path: Path) -> None:
    rows = _person_rows()
    messages = _input(rows)
    external_ids = sorted({row["external_person_id"] for row in rows})
    bad = {row["external_person_id"] for row in rows if row["external_person_id"].startswith("bad")}
    command = [sys.executable, "-m", "tests.reliability.drain_often_target", "--config"]

    with RunningEmulator(rate_limit=0) as clean_vibes:
        config = write_json(
            tmp_path / "clean.json",
            target_config(clean_vibes, tmp_path / "clean", max_reject_ratio=1.0),
        )
        (tmp_path / "clean").mkdir()
        clean = run_process([*command, str(config)], stdin_text=singer_lines(messages))
        assert clean.returncode == 0, clean.stderr[-2000:]
        expected = _persons_read_back(clean_vibes, external_ids)
    assert len(expected) == len(external_ids) - len(bad)

    with RunningEmulator(rate_limit=0, latency_ms=5) as vibes:
        (tmp_path / "crash").mkdir()
        settings = target_config(vibes, tmp_path / "crash", max_reject_ratio=1.0)
        config = write_json(tmp_path / "crash.json", settings)
        rng = random.Random(7)
        state: dict[str, Any] | None = None
        kills = 0
        for attempt in range(KILLS):
            source = tmp_path / f"input{attempt}.singer"
            source.write_text(_after_state(messages, state))
            # Killed soon after the n-th STATE it emits: mid-way through the next writes.
            states_left = [rng.randint(1, 6)]

            def kill_now(_n: int, message: dict[str, Any], left: list[int] = states_left) -> bool:
                left[0] -= "rows" in message
                return left[0] <= 0

            run = run_until([*command, str(config)], kill_now, stdin_path=source)
            kills += run.killed
            if run.last_target_state is not None:
                state = run.last_target_state
            if not run.killed:
                break
        assert kills >= 1
        source = tmp_path / "final.singer"
        source.write_text(_after_state(messages, state))
        final = run_until([*command, str(config)], lambda _n, _m: False, stdin_path=source)
        assert final.returncode == 0, final.stderr[-2000:]
        assert final.last_target_state == {"rows": len(rows)}
        assert _persons_read_back(vibes, external_ids) == expected
        letters = (tmp_path / "crash" / "dead_letters.jsonl").read_text().splitlines()
        lettered = {line.split('"external_person_id":"')[1].split('"')[0] for line in letters}
        assert lettered == bad
