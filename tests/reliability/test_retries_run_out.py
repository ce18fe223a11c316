"""When retries run out the run fails loudly, and its last STATE is a safe place to resume.

tests/target/test_resources.py checks that a target run whose first batch fails emits no
STATE; here the failure comes after STATEs were emitted, for both connectors run as
commands: the exit is non-zero, the error names the endpoint, the status and Vibes'
message, and resuming from the last STATE ends with exactly what a clean run has.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

from tests.reliability.support import (
    PROCESS_TIMEOUT,
    REPO_ROOT,
    TARGET,
    ProcessRun,
    parse_messages,
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

# "GET /companies/demo/... -> 503 Service Unavailable: Service Unavailable (after 2 attempts)"
SERVER_ERROR_LINE = re.compile(
    r"(GET|PUT|POST) /companies/demo/\S+ -> (50[0234]) [A-Za-z ]+: "
    r"(Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout) "
    r"\(after 2 attempts\)"
)


def test_tap_fails_naming_the_call_and_resumes_from_its_last_state(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.control.seed(persons=20, seed=5)
    emulator.control.set_faults(rate_limit=0)
    ids = write_ids_file(tmp_path / "ids.csv", emulator.control.persons(), unknown=1)
    settings = {
        **emulator.config(),
        "person_ids_file": str(ids),
        "max_retries": 1,
        "backoff_base_seconds": 0.01,
        # Slow enough that the run is still going when the outage starts.
        "requests_per_second": 20,
    }
    config = write_json(tmp_path / "config.json", settings)
    clean = run_process(tap_command(config))
    assert clean.returncode == 0, clean.stderr[-2000:]

    def outage_after_first_state(_number: int, message: dict[str, Any]) -> bool:
        if message.get("type") == "STATE":
            emulator.control.set_faults(fault_rate=1.0, fault_kinds=["server_error"])
        return False

    failed = run_until(tap_command(config), outage_after_first_state)
    emulator.control.set_faults(fault_rate=0.0)
    assert failed.returncode != 0
    assert SERVER_ERROR_LINE.search(failed.stderr), failed.stderr[-3000:]
    assert failed.last_state is not None

    state = write_json(tmp_path / "state.json", failed.last_state)
    resumed = run_process(tap_command(config, state))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert resumed.last_state == clean.last_state
    # At least once, no gaps: what the failed run emitted plus the resumed run is everything.
    seen: dict[str, set[bytes]] = defaultdict(set)
    for run in (failed, resumed):
        for stream, records in run.records.items():
            seen[stream].update(record_key(r) for r in records)
    for stream, records in clean.records.items():
        assert {record_key(r) for r in records} <= seen[stream], stream


def test_target_fails_naming_the_call_and_replays_from_its_last_state(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.control.set_faults(rate_limit=0)
    schema = {"type": "SCHEMA", "stream": "persons", "schema": {"properties": {}}}
    first = [{"external_person_id": f"x{i}", "custom_fields__first_name": "X"} for i in range(30)]
    second = [{"external_person_id": f"y{i}", "custom_fields__first_name": "Y"} for i in range(30)]
    batch_one = [
        {**schema, "key_properties": []},
        *({"type": "RECORD", "stream": "persons", "record": r} for r in first),
        {"type": "STATE", "value": {"batch": 1}},
    ]
    batch_two = [
        *({"type": "RECORD", "stream": "persons", "record": r} for r in second),
        {"type": "STATE", "value": {"batch": 2}},
    ]
    config = write_json(
        tmp_path / "config.json",
        target_config(emulator, tmp_path, max_retries=1, backoff_base_seconds=0.01),
    )
    # The SDK emits a target's STATE when it drains all sinks (end of input, or records
    # older than its drain age); drain_often_target drains after every record, so STATE 1
    # comes out once the first record after it is written. Only then is the rest of the
    # input sent, and Vibes goes down before it.
    failed = run_in_two_parts(
        [sys.executable, "-m", "tests.reliability.drain_often_target", "--config", str(config)],
        singer_lines([*batch_one, batch_two[0]]),
        singer_lines(batch_two[1:]),
        {"batch": 1},
        lambda: emulator.control.set_faults(fault_rate=1.0, fault_kinds=["server_error"]),
    )
    emulator.control.set_faults(fault_rate=0.0)
    assert failed.returncode != 0
    assert failed.last_target_state == {"batch": 1}
    assert SERVER_ERROR_LINE.search(failed.stderr), failed.stderr[-3000:]
    assert "rerunning from the last STATE" in failed.stderr
    assert not (tmp_path / "dead_letters.jsonl").exists()  # an outage is not a reject

    replay = tmp_path / "replay.singer"
    replay.write_text(singer_lines([{**schema, "key_properties": []}, *batch_two]))
    resumed = run_process([TARGET, "--config", str(config), "--input", str(replay)])
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert resumed.last_target_state == {"batch": 2}
    api = Api(emulator)
    for row in first + second:
        person = api.person_by_external(row["external_person_id"])
        assert person is not None, row
        assert person["custom_fields"]["first_name"] == row["custom_fields__first_name"]
    landed = [p["external_person_id"] for p in emulator.control.persons()]
    assert sorted(landed) == sorted(r["external_person_id"] for r in first + second)


def run_in_two_parts(
    command: list[str], first: str, second: str, state: dict[str, Any], between: Any
) -> ProcessRun:
    """Send ``first`` on stdin, wait for ``state`` on stdout, call ``between``, then send
    ``second`` and end the input."""
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    watchdog = threading.Timer(60, process.kill)  # a hung run fails the test, never hangs it
    watchdog.start()
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(first)
        process.stdin.flush()
        lines = []
        for line in process.stdout:
            lines.append(line)
            if json.loads(line) == state:
                break
        between()
        out, err = process.communicate(second, timeout=PROCESS_TIMEOUT)
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.communicate()
    stdout = "".join(lines) + out
    return ProcessRun(process.returncode, stdout, err, parse_messages(stdout))
