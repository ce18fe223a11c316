"""Canned .singer files through target-vibes into the emulator, read back over HTTP."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from singer_sdk.exceptions import RecordsWithoutSchemaException
from singer_sdk.singerlib.exceptions import InvalidInputLine

from target_vibes.failures import RejectRatioExceeded
from target_vibes.replay import main as replay_main
from tests.target.support import DATA, Api, read_lines, run_target, target_config

CONTACTS = DATA / "contacts.singer"
ROUTES = {"crm_contacts": {"resource": "persons", "match_on": "external_person_id"}}


def test_warehouse_contacts_land_and_bad_rows_are_dead_lettered(
    emulator: Any, tmp_path: Path
) -> None:
    config = target_config(emulator, tmp_path, streams=ROUTES, max_reject_ratio=0.5)
    run = run_target(config, CONTACTS)
    assert run.failure is None
    api = Api(emulator)
    ada = api.person_by_external("crm-1")
    assert ada is not None
    assert ada["mobile_phone"]["mdn"] == "+12995550101"
    assert ada["custom_fields"]["first_name"] == "Ada"
    assert ada["custom_fields"]["loyalty_tier"]["option_key"] == "gold"
    alan = api.person_by_external("crm-2")
    assert alan is not None and alan["mobile_phone"]["mdn"] == "+12995550102"  # (299) 555-0102
    assert api.person_by_external("crm-4")["mobile_phone"]["mdn"] == "+447700900104"  # type: ignore[index]
    assert api.person_by_external("crm-5")["mobile_phone"]["mdn"] is None  # type: ignore[index]
    assert api.person_by_external("crm-7") is None
    assert api.person_by_external("crm-8") is None

    by_id = {letter["record"]["external_person_id"]: letter for letter in run.dead_letters}
    assert set(by_id) == {"crm-7", "crm-8"}
    assert "not a phone number" in by_id["crm-7"]["reason"]
    assert by_id["crm-7"]["stream"] == "crm_contacts"
    assert by_id["crm-8"]["status"] == 422
    assert any("shoe_size" in error["message"] for error in by_id["crm-8"]["errors"])
    assert by_id["crm-8"]["attempts"] == 1
    tally = run.target.context.outcomes.tallies()[0]
    assert (tally.outcomes["written"], tally.outcomes["rejected"]) == (6, 2)
    assert run.states == [
        {"bookmarks": {"crm_contacts": {"replication_key_value": "2026-11-01T10:00:00Z"}}}
    ]


def test_second_load_is_unchanged_and_too_many_rejects_fail_the_run(
    emulator: Any, tmp_path: Path
) -> None:
    config = target_config(emulator, tmp_path, streams=ROUTES)
    first = run_target(config, CONTACTS)
    # 2 of 8 rejected is over the default max_reject_ratio of 10%: the run fails, after
    # writing the rest and the dead letters.
    assert isinstance(first.failure, RejectRatioExceeded)
    assert "max_reject_ratio" in str(first.failure)
    assert Api(emulator).person_by_external("crm-6") is not None
    # Persons untouched by the second run's identical writes count as unchanged, once the
    # server's clock has moved past their updated_at (the margin is 2 s).
    time.sleep(2.2)
    second = run_target({**config, "max_reject_ratio": 0.5}, CONTACTS)
    tally = second.target.context.outcomes.tallies()[0]
    assert tally.outcomes["unchanged"] == 6
    assert tally.outcomes["written"] == 0


def test_replay_sends_fixed_dead_letters(emulator: Any, tmp_path: Path) -> None:
    api = Api(emulator)
    # Someone else holds the number: the load's PUT is refused with 409.
    assert (
        api.call(
            "PUT", "/mobiledb/persons/external/holder", {"mobile_phone": {"mdn": "+12995550300"}}
        )[0]
        == 201
    )
    records = [
        {"type": "SCHEMA", "stream": "persons", "schema": {"properties": {}}, "key_properties": []},
        {
            "type": "RECORD",
            "stream": "persons",
            "record": {
                "external_person_id": "new-owner",
                "mdn": "+12995550300",
                "custom_fields__first_name": "Nia",
            },
        },
        {
            "type": "RECORD",
            "stream": "persons",
            "record": {"external_person_id": "fine", "mdn": "+12995550301"},
        },
    ]
    config = target_config(emulator, tmp_path, max_reject_ratio=1.0)
    run = run_target(config, records)
    assert run.failure is None
    assert [letter["status"] for letter in run.dead_letters] == [409]
    assert api.person_by_external("new-owner") is None

    # The cause is fixed (the old holder's number removed), then one command replays.
    assert api.call("PUT", "/mobiledb/persons/external/holder", {"mobile_phone": None})[0] == 200
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    dead_letter_file = Path(config["dead_letter_path"])
    assert replay_main(["--config", str(config_path), str(dead_letter_file)]) == 0
    person = api.person_by_external("new-owner")
    assert person is not None
    assert person["mobile_phone"]["mdn"] == "+12995550300"
    assert person["custom_fields"]["first_name"] == "Nia"
    # The replayed file was kept aside; nothing was rejected this time.
    assert read_lines(dead_letter_file) == []
    kept = list(tmp_path.glob("dead_letters.jsonl.replayed-*"))
    assert len(kept) == 1 and len(read_lines(kept[0])) == 1


def test_two_updates_to_one_person_apply_in_order(emulator: Any, tmp_path: Path) -> None:
    emulator.control.set_faults(latency_ms=5, latency_jitter_ms=40)
    messages: list[dict[str, Any]] = [
        {"type": "SCHEMA", "stream": "persons", "schema": {"properties": {}}, "key_properties": []}
    ]
    for step in range(6):
        for person in range(8):
            record = {
                "external_person_id": f"p{person}",
                "custom_fields": {"first_name": f"v{step}"},
            }
            messages.append({"type": "RECORD", "stream": "persons", "record": record})
    run = run_target(target_config(emulator, tmp_path, max_concurrency=16), messages)
    assert run.failure is None
    api = Api(emulator)
    for person in range(8):
        assert api.person_by_external(f"p{person}")["custom_fields"]["first_name"] == "v5"  # type: ignore[index]


def test_update_only_skips_missing_and_person_key_cannot_create(
    emulator: Any, tmp_path: Path
) -> None:
    api = Api(emulator)
    status, existing = api.call(
        "PUT", "/mobiledb/persons/external/known", {"custom_fields": {"first_name": "Old"}}
    )
    assert status == 201
    records = [
        {"type": "SCHEMA", "stream": "crm", "schema": {"properties": {}}, "key_properties": []},
        {
            "type": "RECORD",
            "stream": "crm",
            "record": {"external_person_id": "known", "custom_fields__first_name": "New"},
        },
        {
            "type": "RECORD",
            "stream": "crm",
            "record": {"external_person_id": "unknown", "custom_fields__first_name": "X"},
        },
        {"type": "SCHEMA", "stream": "by_key", "schema": {"properties": {}}, "key_properties": []},
        {
            "type": "RECORD",
            "stream": "by_key",
            "record": {"person_key": existing["person_key"], "custom_fields__last_name": "K"},
        },
        {
            "type": "RECORD",
            "stream": "by_key",
            "record": {"person_key": "no-such-key", "custom_fields__last_name": "K"},
        },
    ]
    streams = {
        "crm": {"resource": "persons", "mode": "update_only"},
        "by_key": {"resource": "persons", "match_on": "person_key"},
    }
    run = run_target(
        target_config(emulator, tmp_path, streams=streams, max_reject_ratio=1.0), records
    )
    assert run.failure is None
    known = api.person_by_external("known")
    assert known is not None
    assert known["custom_fields"] == {"first_name": "New", "last_name": "K"}
    assert api.person_by_external("unknown") is None
    tallies = {tally.stream: tally for tally in run.target.context.outcomes.tallies()}
    assert tallies["crm"].outcomes["unchanged"] == 1
    assert tallies["by_key"].outcomes["rejected"] == 1
    assert [letter["record"]["person_key"] for letter in run.dead_letters] == ["no-such-key"]


@pytest.mark.parametrize(
    ("line", "failure", "words"),
    [
        ("not json at all", InvalidInputLine, "Unable to parse line as JSON"),
        (
            '{"type": "RECORD", "stream": "persons", "record": {}}',
            RecordsWithoutSchemaException,
            "before a corresponding schema",
        ),
    ],
)
def test_bad_input_lines_fail_with_a_clear_error(
    emulator: Any, tmp_path: Path, line: str, failure: type[Exception], words: str
) -> None:
    run = run_target(target_config(emulator, tmp_path), [line])
    assert isinstance(run.failure, failure)
    assert words in str(run.failure)
    assert emulator.control.stats()["requests"] == 0


def test_stream_maps_rename_and_derive_warehouse_columns(emulator: Any, tmp_path: Path) -> None:
    schema = {
        "properties": {
            "contact_id": {"type": "integer"},
            "phone": {"type": "string"},
            "first": {"type": "string"},
        }
    }
    messages = [
        {"type": "SCHEMA", "stream": "crm", "schema": schema, "key_properties": ["contact_id"]},
        {
            "type": "RECORD",
            "stream": "crm",
            "record": {"contact_id": 7, "phone": "2995550777", "first": "Lin"},
        },
    ]
    stream_maps = {
        "crm": {
            "external_person_id": "'crm-' + str(contact_id)",
            "mdn": "phone",
            "custom_fields__first_name": "first",
            "__key_properties__": ["external_person_id"],
            "__else__": None,
        }
    }
    config = target_config(
        emulator, tmp_path, stream_maps=stream_maps, streams={"crm": {"resource": "persons"}}
    )
    run = run_target(config, messages)
    assert run.failure is None, run.failure
    person = Api(emulator).person_by_external("crm-7")
    assert person is not None
    assert person["mobile_phone"]["mdn"] == "+12995550777"
    assert person["custom_fields"]["first_name"] == "Lin"


def test_rows_that_break_their_schema_are_dead_lettered_not_fatal(
    emulator: Any, tmp_path: Path
) -> None:
    schema = {
        "properties": {
            "external_person_id": {"type": "string"},
            "custom_fields__first_name": {"type": "string"},
            "custom_fields__birthdate": {"type": ["string", "null"], "format": "date-time"},
        }
    }
    rows = [
        {"external_person_id": "ok", "custom_fields__first_name": "Ok"},
        {"external_person_id": "typed", "custom_fields__first_name": 42},
        {"external_person_id": "dated", "custom_fields__birthdate": "last tuesday"},
        {"external_person_id": "born", "custom_fields__birthdate": "1990-12-01T00:00:00Z"},
    ]
    messages = [
        {"type": "SCHEMA", "stream": "persons", "schema": schema, "key_properties": []},
        *({"type": "RECORD", "stream": "persons", "record": row} for row in rows),
    ]
    run = run_target(target_config(emulator, tmp_path, max_reject_ratio=1.0), messages)
    assert run.failure is None
    reasons = {letter["record"]["external_person_id"]: letter for letter in run.dead_letters}
    assert set(reasons) == {"typed", "dated"}
    assert "schema" in reasons["typed"]["reason"]
    assert "42" in reasons["typed"]["reason"]
    assert "not a valid date-time" in reasons["dated"]["reason"]
    assert reasons["dated"]["record"]["custom_fields__birthdate"] == "last tuesday"
    api = Api(emulator)
    born = api.person_by_external("born")
    assert born is not None
    assert born["custom_fields"]["birthdate"] == "1990-12-01T00:00:00Z"
    assert api.person_by_external("ok") is not None
