"""What target-vibes does with input as CRMs and warehouses really send it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from target_vibes.early_stop import EARLY_STOP_RECORDS, FirstRecordsWatch
from target_vibes.outcomes import Result
from tests.target.support import DATA, Api, read_lines, run_cli, target_config, writes
from vibes_api import exit_codes

ROUTES = {"crm_contacts": {"resource": "persons"}}


def test_plain_phone_columns_become_the_mdn_and_bad_numbers_are_rejected(
    emulator: Any, tmp_path: Path
) -> None:
    config = target_config(emulator, tmp_path, streams=ROUTES, max_reject_ratio=0.5)
    done = run_cli(config, DATA / "crm_phone_columns.singer", tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    api = Api(emulator)
    assert api.person_by_external("p-1")["mobile_phone"]["mdn"] == "+13125550101"
    assert api.person_by_external("p-2")["mobile_phone"]["mdn"] == "+447700900102"
    assert api.person_by_external("p-3") is None
    (letter,) = read_lines(tmp_path / "dead_letters.jsonl")
    assert letter["record"]["external_person_id"] == "p-3"
    assert "'***0103' is not a phone number" in letter["reason"]  # masked: reasons are logged
    # The column nothing maps is named, once for the stream.
    named = [line for line in done.stderr.splitlines() if "favourite_colour" in line]
    assert len(named) == 1 and "left out" in named[0]


def test_systematic_rejects_stop_early_and_the_rerun_after_the_fix_sends_them(
    emulator: Any, tmp_path: Path
) -> None:
    source = DATA / "unknown_custom_field.singer"
    config = target_config(emulator, tmp_path, streams=ROUTES)
    emulator.control.reset_stats()
    stopped = run_cli(config, source, tmp_path)
    assert stopped.returncode == exit_codes.REJECT_LIMIT
    sent = writes(emulator.control.stats())
    assert 0 < sent <= EARLY_STOP_RECORDS  # not 300 requests
    last = stopped.stderr.strip().splitlines()[-1]
    assert f"first {EARLY_STOP_RECORDS} records were all rejected for the same reason" in last
    assert "shoe_size" in last
    assert "Traceback" not in stopped.stderr
    assert stopped.stdout.strip() == ""  # no STATE past the records it did not handle
    assert read_lines(tmp_path / "dead_letters.jsonl") == []

    # The fix: drop the column the company lacks. The rerun sends every record.
    fixed = {**config, "stream_maps": {"crm_contacts": {"custom_fields__shoe_size": None}}}
    rerun = run_cli(fixed, source, tmp_path)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert json.loads(rerun.stdout.strip().splitlines()[-1]) == {"crm": "after-shoes"}
    assert len(emulator.control.persons()) == 300


def test_a_watch_ends_at_the_first_success_or_second_reason() -> None:
    unknown = Result.rejected("Unknown custom field 'shoe_size'", status=422)
    watch = FirstRecordsWatch("s", limit=3)
    assert watch.observe({"n": 1}, unknown) == []  # held until the batch is done
    assert watch.observe({"n": 2}, Result.written("create", 201)) == [({"n": 1}, unknown)]
    assert watch.remaining() == 0 and watch.stop is None
    mixed = FirstRecordsWatch("s", limit=3)
    mixed.observe({"n": 1}, unknown)
    other = Result.rejected("mdn '1' is not a phone number")
    assert len(mixed.observe({"n": 2}, other)) == 2
    assert mixed.stop is None
    forbidden = FirstRecordsWatch("s", limit=2)
    for n in range(2):
        forbidden.observe({"n": n}, Result.rejected(f"Forbidden {n}", status=403))
    assert forbidden.stop is not None
    assert forbidden.stop.exit_code == exit_codes.AUTHENTICATION


def test_wrong_credentials_end_with_one_line_and_the_authentication_exit_code(
    emulator: Any, tmp_path: Path
) -> None:
    config = target_config(emulator, tmp_path, streams=ROUTES, password="wrong")
    done = run_cli(config, DATA / "contacts.singer", tmp_path)
    assert done.returncode == exit_codes.AUTHENTICATION
    last = done.stderr.strip().splitlines()[-1]
    assert "401" in last and "check username and password" in last
    assert "Traceback" not in done.stderr
    assert "wrong" not in done.stderr


def test_new_broadcasts_need_allow_messaging_and_stop_before_any_write(
    emulator: Any, tmp_path: Path
) -> None:
    emulator.control.seed(10, seed=2)
    list_id = Api(emulator).call("GET", "/mobiledb/subscription_lists/")[1][0]["id"]
    lines = [{"type": "SCHEMA", "stream": "broadcasts", "schema": {"properties": {}}}]
    lines += [
        {
            "type": "RECORD",
            "stream": "broadcasts",
            "record": {
                "name": f"Promo {n}",
                "send_scheduled_date": "2031-01-01T10:00:00Z",
                "targeting": {"message_template": "Hi", "source_lists": [list_id]},
            },
        }
        for n in range(EARLY_STOP_RECORDS + 5)
    ]
    source = tmp_path / "broadcasts.singer"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    emulator.control.reset_stats()
    done = run_cli(target_config(emulator, tmp_path), source, tmp_path)
    assert done.returncode == exit_codes.REJECT_LIMIT
    assert "allow_messaging" in done.stderr.strip().splitlines()[-1]
    assert emulator.control.stats()["requests"] == 0
