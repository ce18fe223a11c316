"""Bad input to the target: every bad line is a clear error, every bad record a dead letter.

Already covered elsewhere (not repeated here): lines that are not JSON and RECORD before
SCHEMA (tests/target/test_persons_load.py::test_bad_input_lines_fail_with_a_clear_error),
unknown streams (tests/target/test_safety.py), a wrong type and an unparsable date-time
against the stream's schema (test_persons_load.py::test_rows_that_break_their_schema_...),
and invalid numbers and an unknown custom field in a warehouse file
(test_persons_load.py::test_warehouse_contacts_land_and_bad_rows_are_dead_lettered).
Here: one run with every kind of bad record side by side, accounted one by one, and the
message-level mistakes those tests do not reach.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from singer_sdk.singerlib.exceptions import InvalidInputLine

from tests.reliability.support import TARGET, run_process, singer_lines, write_json
from tests.target.support import Api, run_target, target_config
from vibes_emulator.store.events import MAX_EVENT_BYTES
from vibes_emulator.testing import RunningEmulator

PERSONS_SCHEMA = {
    "properties": {
        "external_person_id": {"type": ["string", "null"]},
        "mdn": {"type": ["string", "integer", "null"]},
        "custom_fields__first_name": {"type": ["string", "null"]},
    }
}

# external id -> (record, words its dead letter's reason must contain)
BAD_PERSONS: dict[str, tuple[dict[str, Any], str]] = {
    "schema-type": ({"custom_fields__first_name": 42}, "does not match the stream's schema"),
    "letters": ({"mdn": "call me"}, "'call me' is not a phone number"),
    "short": ({"mdn": "12"}, "'12' is not a phone number"),
    "arabic-digits": ({"mdn": "+١٢٩٩٥٥٥٠١٠١"}, "is not a phone number"),
    "unknown-field": ({"custom_fields__shoe_size": "9"}, "Custom field shoe_size does not exist"),
    "field-type": ({"custom_fields__birthdate": "soon"}, "birthdate must be an ISO-8601 date"),
    "select": ({"custom_fields__loyalty_tier": "Diamond"}, "loyalty_tier has no option"),
    "fields-shape": ({"custom_fields": "gold"}, "custom_fields must be an object"),
    # Over the request size the server takes (the emulator's is aiohttp's 1 MiB).
    "oversized": ({"custom_fields__first_name": "x" * 1_500_000}, "413"),
}


def test_every_bad_record_gets_a_dead_letter_with_its_reason_and_the_rest_lands(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.control.set_faults(rate_limit=0)
    good: list[dict[str, Any]] = [
        {"external_person_id": f"good-{i}", "mdn": f"(299) 555-{i:04d}"} for i in range(1, 11)
    ]
    good.append({"external_person_id": "numeric-mdn", "mdn": 2995550999})
    bad = [{"external_person_id": key, **row} for key, (row, _) in BAD_PERSONS.items()]
    bad.append({"custom_fields__first_name": "nobody"})  # no identity at all
    rows = [row for pair in zip(good, bad, strict=False) for row in pair]
    rows += good[len(bad) :] + bad[len(good) :]
    big_event = {"event_type": "big", "mdn": "+12995550001", "blob": "y" * MAX_EVENT_BYTES}
    events = [{"event_type": "ok", "mdn": "+12995550001", "n": 1}, big_event]
    messages = [
        {"type": "SCHEMA", "stream": "persons", "schema": PERSONS_SCHEMA, "key_properties": []},
        *({"type": "RECORD", "stream": "persons", "record": row} for row in rows),
        {"type": "SCHEMA", "stream": "events", "schema": {"properties": {}}, "key_properties": []},
        *({"type": "RECORD", "stream": "events", "record": row} for row in events),
    ]
    config = target_config(emulator, tmp_path, max_reject_ratio=1.0, allow_messaging=True)
    run = run_target(config, messages)
    assert run.failure is None, run.failure

    # Nothing dropped: every input record is counted once, and every reject is a dead letter.
    tallies = {tally.stream: tally for tally in run.target.context.outcomes.tallies()}
    assert tallies["persons"].total == len(rows)
    assert tallies["persons"].rejected == len(bad)
    assert tallies["events"].total == len(events)
    assert len(run.dead_letters) == len(bad) + 1

    by_id = {
        letter["record"].get("external_person_id", "(none)"): letter
        for letter in run.dead_letters
        if letter["stream"] == "persons"
    }
    for key, (_, words) in BAD_PERSONS.items():
        assert words in by_id[key]["reason"] + str(by_id[key]["errors"]), (key, by_id[key])
        assert by_id[key]["record"]["external_person_id"] == key  # the record as it came
    assert "neither external_person_id nor mdn" in by_id["(none)"]["reason"]
    (event_letter,) = [letter for letter in run.dead_letters if letter["stream"] == "events"]
    # Refused before sending, naming Vibes' documented limit (the emulator enforces the same).
    assert event_letter["status"] is None
    assert f"Vibes accepts at most {MAX_EVENT_BYTES}" in event_letter["reason"]

    api = Api(emulator)
    for row in good:
        assert api.person_by_external(row["external_person_id"]) is not None, row
    assert api.person_by_external("numeric-mdn")["mobile_phone"]["mdn"] == "+12995550999"  # type: ignore[index]
    landed = {person["external_person_id"] for person in emulator.control.persons()}
    assert landed == {row["external_person_id"] for row in good}


SCHEMA_LINE = {"type": "SCHEMA", "stream": "persons", "schema": PERSONS_SCHEMA}


@pytest.mark.parametrize(
    ("lines", "failure", "words"),
    [
        ([{**SCHEMA_LINE, "key_properties": []}, "[1, 2, 3]"], InvalidInputLine, "type key"),
        (
            [{**SCHEMA_LINE, "key_properties": []}, '{"stream": "persons", "record": {}}'],
            InvalidInputLine,
            "missing required type key",
        ),
        (
            [{**SCHEMA_LINE, "key_properties": []}, '{"type": "RECORD", "stream": "persons"}'],
            InvalidInputLine,
            "missing required record key",
        ),
    ],
    ids=["not-an-object", "no-type", "record-without-record"],
)
def test_malformed_messages_stop_the_run_with_a_clear_error(
    emulator: RunningEmulator, tmp_path: Path, lines: list[Any], failure: type, words: str
) -> None:
    run = run_target(target_config(emulator, tmp_path), lines)
    assert isinstance(run.failure, failure)
    assert words in str(run.failure)
    assert emulator.control.stats()["requests"] == 0
    assert run.states == []


def test_a_record_without_its_key_is_dead_lettered_and_the_run_goes_on(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    keyless = {"mdn": "+12995550001"}
    lines = [
        {**SCHEMA_LINE, "key_properties": ["external_person_id"]},
        {"type": "RECORD", "stream": "persons", "record": {"external_person_id": "a"}},
        {"type": "RECORD", "stream": "persons", "record": keyless},
        {"type": "RECORD", "stream": "persons", "record": {"external_person_id": "b"}},
        {"type": "STATE", "value": {"done": True}},
    ]
    run = run_target(target_config(emulator, tmp_path, max_reject_ratio=0.5), lines)
    assert run.failure is None
    (letter,) = run.dead_letters
    assert letter["record"] == keyless
    assert "lacks key property external_person_id" in letter["reason"]
    assert {p["external_person_id"] for p in emulator.control.persons()} == {"a", "b"}
    assert run.states == [{"done": True}]


def test_a_broken_line_mid_stream_fails_the_command_and_emits_no_state_past_it(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    config = write_json(tmp_path / "config.json", target_config(emulator, tmp_path))
    before = {"type": "RECORD", "stream": "persons", "record": {"external_person_id": "before"}}
    text = singer_lines([{**SCHEMA_LINE, "key_properties": []}, before])
    text += '{"type": "RECORD", "stream": "persons", "record": {"external_person_id": \n'
    text += singer_lines([{"type": "STATE", "value": {"after": True}}])
    run = run_process([TARGET, "--config", str(config)], stdin_text=text)
    assert run.returncode != 0
    assert "Unable to parse line as JSON" in run.stderr
    assert run.stdout.strip() == ""  # no STATE: rerunning the whole input is the safe resume
