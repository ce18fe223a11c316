"""Nothing reaches real phones by accident; dry runs write nothing; STATE follows writes."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from target_vibes.failures import MessagingNotAllowed, UnknownStream
from target_vibes.target import TargetVibes
from tests.target.support import (
    DATA,
    Api,
    messages_text,
    run_cli,
    run_target,
    target_config,
    writes,
)

CONTACTS = DATA / "contacts.singer"
ROUTES = {"crm_contacts": {"resource": "persons"}}


def test_participants_are_refused_without_allow_messaging(emulator: Any, tmp_path: Path) -> None:
    config = target_config(emulator, tmp_path, max_reject_ratio=1.0)
    run = run_target(config, DATA / "participants.singer")
    assert run.failure is None
    assert emulator.control.stats()["requests"] == 0
    (letter,) = run.dead_letters
    assert "refused because allow_messaging is false" in letter["reason"]


def test_participations_vibes_already_handled_are_left_alone(emulator: Any, tmp_path: Path) -> None:
    row = {
        "mdn": "+12995550201",
        "acquisition_id": "acq1",
        "status": "REJECTED",
        "participation_date": "2026-01-01T00:00:00Z",
    }
    lines = [
        {"type": "SCHEMA", "stream": "participants", "schema": {"properties": {}}},
        {"type": "RECORD", "stream": "participants", "record": row},
    ]
    run = run_target(target_config(emulator, tmp_path, allow_messaging=True), lines)
    assert run.failure is None
    assert run.target.context.outcomes.tallies()[0].outcomes["unchanged"] == 1
    assert emulator.control.stats()["requests"] == 0


@pytest.mark.parametrize("resource", ["events"])
def test_messaging_routes_fail_at_start(emulator: Any, tmp_path: Path, resource: str) -> None:
    config = target_config(emulator, tmp_path, streams={"crm": {"resource": resource}})
    with pytest.raises(MessagingNotAllowed, match="allow_messaging"):
        TargetVibes(config=config)


def test_unknown_streams_fail_naming_the_setting_or_are_skipped(
    emulator: Any, tmp_path: Path
) -> None:
    messages = [
        {"type": "SCHEMA", "stream": "orders", "schema": {"properties": {}}, "key_properties": []},
        {"type": "RECORD", "stream": "orders", "record": {"id": 1}},
    ]
    failed = run_target(target_config(emulator, tmp_path), messages)
    assert isinstance(failed.failure, UnknownStream)
    assert "'streams' setting" in str(failed.failure)
    assert "unknown_streams" in str(failed.failure)
    skipped = run_target(target_config(emulator, tmp_path, unknown_streams="skip"), messages)
    assert skipped.failure is None
    assert emulator.control.stats()["requests"] == 0


def test_dry_run_writes_nothing_and_prints_the_plan(emulator: Any, tmp_path: Path) -> None:
    Api(emulator).call("PUT", "/mobiledb/persons/external/crm-1", {"custom_fields": {}})
    emulator.control.reset_stats()
    config = target_config(emulator, tmp_path, streams=ROUTES, dry_run=True, max_reject_ratio=0.5)
    done = run_cli(config, CONTACTS, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    stats = emulator.control.stats()
    assert writes(stats) == 0
    # One read of each mappable record's person, and for each create one of its MDN's holder.
    assert stats["requests"] == 7 + 5
    # The invalid number is rejected by mapping; crm-1 shows no custom fields, so whether
    # the company has those it sets only the write can tell.
    assert "plan for stream crm_contacts -> persons: create=6 update=0 " in done.stderr
    assert "unchanged=0 unverified=1 reject=1" in done.stderr
    assert "6 would write, 0 would leave unchanged, 1 would reject" in done.stderr
    assert done.stdout.strip() == ""  # no STATE from a dry run
    assert not (tmp_path / "dead_letters.jsonl").exists()
    assert Api(emulator).person_by_external("crm-2") is None


def test_clean_run_output_has_no_error_words_and_one_summary_line(
    emulator: Any, tmp_path: Path
) -> None:
    good = tmp_path / "good.singer"
    good.write_text(
        "".join(
            line
            for line in CONTACTS.read_text().splitlines(True)
            if "crm-7" not in line and "crm-8" not in line
        )
    )
    done = run_cli(target_config(emulator, tmp_path, streams=ROUTES), good, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    output = (done.stdout + done.stderr).lower()
    assert "error" not in output
    assert "exception" not in output
    summary = [line for line in done.stderr.splitlines() if "summary crm_contacts:" in line]
    assert len(summary) == 1
    assert "6 written, 0 unchanged, 0 rejected, 6 requests" in summary[0]
    assert "0 retries, 0 x 429" in summary[0]
    assert emulator.password not in done.stdout + done.stderr


def test_state_comes_back_only_after_the_writes(emulator: Any, tmp_path: Path) -> None:
    emulator.control.set_faults(latency_ms=40)
    lines = [
        json.dumps(
            {
                "type": "SCHEMA",
                "stream": "persons",
                "schema": {"properties": {}},
                "key_properties": [],
            }
        )
    ]
    total = 0
    for batch in range(3):
        for index in range(20):
            record = {"external_person_id": f"s{batch}-{index}", "custom_fields__first_name": "S"}
            lines.append(json.dumps({"type": "RECORD", "stream": "persons", "record": record}))
            total += 1
        lines.append(json.dumps({"type": "STATE", "value": {"batch": batch}}))
    source = tmp_path / "input.singer"
    source.write_text("\n".join(lines) + "\n")
    config_path = tmp_path / "config.json"
    config = target_config(emulator, tmp_path, batch_size_rows=7, max_concurrency=8)
    config_path.write_text(json.dumps(config))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "target_vibes.target",
            "--config",
            str(config_path),
            "--input",
            str(source),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    seen: list[tuple[dict[str, Any], int]] = []
    for line in process.stdout:
        # The moment a STATE line appears, every record before it must be in Vibes.
        seen.append((json.loads(line), len(emulator.control.persons())))
    assert process.wait(timeout=120) == 0
    # A STATE follows each drained batch (batch_size_rows 7), not only the end of the input,
    # and never comes ahead of the records before it.
    assert [state["batch"] for state, _ in seen][:3] == [0, 1, 2]
    assert all(persons >= 20 * (state["batch"] + 1) for state, persons in seen)
    assert seen[-1] == ({"batch": 2}, total)


def test_every_state_emitted_mid_run_follows_the_writes_before_it(
    emulator: Any, tmp_path: Path
) -> None:
    emulator.control.set_faults(latency_ms=20, latency_jitter_ms=30)
    observed: list[tuple[dict[str, Any], int]] = []

    class DrainAfterEveryRecord(TargetVibes):
        # The SDK drains every sink (and then emits STATE) once records are this old.
        _MAX_RECORD_AGE_IN_MINUTES = 0.0

        def _write_state_message(self, state: dict) -> None:
            observed.append((state, len(emulator.control.persons())))
            super()._write_state_message(state)

    messages: list[dict[str, Any]] = [
        {"type": "SCHEMA", "stream": "persons", "schema": {"properties": {}}, "key_properties": []}
    ]
    for batch in range(3):
        for index in range(10):
            record = {"external_person_id": f"m{batch}-{index}"}
            messages.append({"type": "RECORD", "stream": "persons", "record": record})
        messages.append({"type": "STATE", "value": {"batch": batch}})
    target = DrainAfterEveryRecord(config=target_config(emulator, tmp_path))
    with contextlib.redirect_stdout(io.StringIO()):
        target.listen(io.StringIO(messages_text(messages)))
    assert {state["batch"] for state, _ in observed} == {0, 1, 2}
    for state, persons in observed:
        assert persons >= 10 * (state["batch"] + 1)
