"""Phone numbers and emails never appear in full on any command's stderr.

Each command runs as users run it, at DEBUG (the most it can log), with failures that
carry MDNs and emails: ids Vibes does not know, records with bad or unexpected numbers, a
Vibes that keeps failing while the id in the request path is an email, callbacks with
MDNs in their bodies and paths. stderr must show only masked forms; the dead-letter file,
the data to replay, keeps every record whole.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.reliability.support import (
    TARGET,
    run_process,
    singer_lines,
    tap_command,
    write_json,
)
from vibes_callbacks.journal import Journal
from vibes_callbacks.testing import ReceiverProcess
from vibes_emulator.testing import RunningEmulator

pytestmark = pytest.mark.slow
DEBUG = {**os.environ, "LOGLEVEL": "DEBUG"}
EMAIL = "jane.roe@example.com"
JSON = {"Content-Type": "application/json"}


def assert_no_full_identifier(text: str, identifiers: list[str]) -> None:
    """No identifier in any spelling: E.164, bare digits, percent-encoded email."""
    for identifier in identifiers:
        spellings = {identifier, identifier.lstrip("+"), identifier.replace("@", "%40")}
        for spelling in spellings:
            assert spelling not in text, spelling


def test_the_tap_masks_the_ids_it_cannot_find(tmp_path: Path) -> None:
    unknown = ["+12995550901", "+447700900902"]
    with RunningEmulator(seed=12, seed_value=4, rate_limit=0) as vibes:
        persons = vibes.control.persons()
        ids = tmp_path / "ids.csv"
        with ids.open("w", newline="") as handle:
            rows = csv.writer(handle)
            rows.writerow(["person_key", "external_person_id", "mdn"])
            rows.writerows(["", "", person["mdn"]] for person in persons)
            rows.writerows(["", "", mdn] for mdn in unknown)
            rows.writerow(["", EMAIL, ""])
        config = write_json(
            tmp_path / "tap.json",
            {**vibes.config(), "person_ids_file": str(ids), "backoff_base_seconds": 0.01},
        )
        # A fifth of the requests fail once, so the DEBUG retry lines are there too.
        vibes.control.set_faults(fault_rate=0.2, fault_kinds=["server_error"])
        run = run_process(tap_command(config), env=DEBUG)
    assert run.returncode == 0, run.stderr[-3000:]
    assert len(run.records["persons"]) == len(persons)
    assert "retrying GET" in run.stderr
    assert "No Vibes person for mdn=+1299***0901" in run.stderr
    assert "No Vibes person for mdn=+44770***0902" in run.stderr
    assert "No Vibes person for external_person_id=j***@example.com" in run.stderr
    assert_no_full_identifier(run.stderr, [*unknown, EMAIL, *(p["mdn"] for p in persons)])


def _target_messages() -> str:
    schema = {
        "properties": {
            "external_person_id": {"type": "string"},
            "mdn": {"type": ["string", "null"], "pattern": "^[+0-9]"},
        }
    }
    records = [
        {"external_person_id": EMAIL, "mdn": "+12995550911"},
        {"external_person_id": "short", "mdn": "29955508"},  # too short to be a number
        {"external_person_id": "long", "mdn": "+1299555094412345"},  # too long
        {"external_person_id": "schema", "mdn": "(299) 555-0933"},  # breaks the pattern
    ]
    return singer_lines(
        [
            {"type": "SCHEMA", "stream": "persons", "schema": schema, "key_properties": []},
            *({"type": "RECORD", "stream": "persons", "record": r} for r in records),
            {"type": "STATE", "value": {"done": True}},
        ]
    )


TARGET_IDENTIFIERS = ["+12995550911", "29955508", "+1299555094412345", "2995550933", EMAIL]


def test_the_target_masks_rejections_and_failures_and_dead_letters_keep_them(
    tmp_path: Path,
) -> None:
    letters = tmp_path / "dead_letters.jsonl"
    base = {"dead_letter_path": str(letters), "max_retries": 1, "backoff_base_seconds": 0.01}
    with RunningEmulator(rate_limit=0) as vibes:
        settings = {**vibes.config(), **base}
        dry = write_json(tmp_path / "dry.json", {**settings, "dry_run": True})
        real = write_json(tmp_path / "real.json", settings)
        planned = run_process(
            [TARGET, "--config", str(dry)], stdin_text=_target_messages(), env=DEBUG
        )
        loaded = run_process(
            [TARGET, "--config", str(real)], stdin_text=_target_messages(), env=DEBUG
        )
        vibes.control.set_faults(fault_rate=1.0, fault_kinds=["server_error"])
        failing = tmp_path / "failing.json"
        write_json(failing, {**settings, "dead_letter_path": str(tmp_path / "other.jsonl")})
        stopped = run_process(
            [TARGET, "--config", str(failing)], stdin_text=_target_messages(), env=DEBUG
        )

    assert planned.stderr.count("dry run: would reject a record") == 3, planned.stderr[-3000:]
    assert "mdn '2***5508' is not a phone number" in planned.stderr
    assert "Processed record" in planned.stderr  # the SDK's DEBUG line quoting the batch
    assert loaded.returncode != 0  # 3 of 4 rejected, over max_reject_ratio
    assert stopped.returncode != 0
    assert "Vibes kept failing: PUT /companies/demo/mobiledb/persons/external/j***@example.com" in (
        stopped.stderr
    ), stopped.stderr[-3000:]
    for run in (planned, loaded, stopped):
        assert_no_full_identifier(run.stderr, TARGET_IDENTIFIERS)

    dead = [json.loads(line) for line in letters.read_text().splitlines()]
    assert {letter["record"]["mdn"] for letter in dead} == {
        "29955508",
        "+1299555094412345",
        "(299) 555-0933",
    }


async def _deliver(url: str, base_url: str) -> list[int]:
    bodies: list[Any] = [
        {"event_id": "e1", "callback_type": "person_updated", "person": {"mdn": "+12995550961"}},
        {"callback_type": "subscription_added", "person": {"mdn": "+12995550962"}},  # no id
        b'{"event_id": "e3", "person": {"mdn": "+12995550963"}',  # cut short
    ]
    statuses = []
    async with aiohttp.ClientSession() as session:
        for body in bodies:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            async with session.post(url, data=data, headers=JSON) as response:
                statuses.append(response.status)
        # A stray request whose path carries an MDN and an email.
        async with session.get(f"{base_url}/persons/+12995550964/{EMAIL}") as response:
            statuses.append(response.status)
    return statuses


def test_the_callback_receiver_masks_what_it_logs(tmp_path: Path) -> None:
    journal = tmp_path / "journal.db"
    receiver = ReceiverProcess(journal, "--log-level", "DEBUG").start()
    try:
        statuses = asyncio.run(_deliver(receiver.url, receiver.base_url))
    finally:
        assert receiver.stop() == 0
    assert statuses == [200, 200, 400, 404]
    stderr = receiver.stderr_text
    assert "refused a malformed callback" in stderr and "came without event_id" in stderr
    assert "/persons/+1299***0964/j***@example.com 404" in stderr
    assert_no_full_identifier(
        stderr, ["+12995550961", "+12995550962", "+12995550963", "+12995550964", EMAIL]
    )
    with Journal.open_existing(journal) as stored:  # the journal is data: kept whole
        assert "+12995550961" in next(iter(stored.read())).body
