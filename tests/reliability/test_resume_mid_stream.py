"""A tap killed (SIGKILL) in the middle of a long journal or extract stream resumes from the
last STATE it wrote: it does not start the stream again from the top, and the killed run
and the resumed one together hold every record of a clean run. And the SDK's "progress is
not resumable" warning appears for the streams where that is true, and only for them.

The runs write a STATE every 5 records (tests/reliability/state_often_tap.py) instead of
the SDK's 10,000, so that a stream of a few hundred records has checkpoints to resume from.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.support import (
    ProcessRun,
    record_key,
    run_process,
    run_until,
    write_json,
)
from tests.tap.harness import select_streams
from vibes_callbacks.journal import Journal
from vibes_emulator.testing import RunningEmulator

pytestmark = pytest.mark.slow

TAP = [sys.executable, "-m", "tests.reliability.state_often_tap"]
NOT_RESUMABLE = "progress is not resumable"
CONFIG = {"api_url": "http://127.0.0.1:9", "company_key": "demo", "username": "u", "password": "p"}
COLUMNS = (
    "person_id", "external_person_id", "mdn", "company_id", "carrier_code",
    "subscription_list_id", "subscription_list_name", "opt_in_date", "opt_out_date",
    "subscription_event", "opt_out_reason", "activity_description", "activity_id",
)  # fmt: skip


def _command(folder: Path, config: dict[str, Any], stream: str, state: Any = None) -> list[str]:
    config_path = write_json(folder / "config.json", config)
    catalog = write_json(folder / "catalog.json", select_streams(config, (stream,)))
    command = [*TAP, "--config", str(config_path), "--catalog", str(catalog)]
    if state is not None:
        command += ["--state", str(write_json(folder / "state.json", state))]
    return command


def _kill_resume_and_compare(folder: Path, config: dict[str, Any], stream: str) -> None:
    clean = run_process(_command(folder, config, stream))
    assert clean.returncode == 0, clean.stderr[-2000:]
    total = len(clean.records[stream])
    assert total > 100

    # Killed once half the records are out (STATEs have been written on the way).
    killed = run_until(_command(folder, config, stream), _after_records(total // 2))
    assert killed.killed and killed.last_state is not None
    resumed = run_process(_command(folder, config, stream, killed.last_state))
    assert resumed.returncode == 0, resumed.stderr[-2000:]

    # Not from the top: the resumed run emits at most the second half and a few more.
    assert len(resumed.records[stream]) < total // 2 + 40
    seen = {record_key(r) for run in (killed, resumed) for r in run.records[stream]}
    assert all(record_key(r) in seen for r in clean.records[stream])
    assert resumed.last_state == clean.last_state
    for run in (clean, killed, resumed):
        assert NOT_RESUMABLE not in run.stderr


def _after_records(count: int) -> Any:
    seen = [0]

    def stop(_number: int, message: dict[str, Any]) -> bool:
        seen[0] += message.get("type") == "RECORD"
        return seen[0] >= count

    return stop


def test_a_journal_stream_killed_midway_resumes_from_its_last_state(tmp_path: Path) -> None:
    journal_path = tmp_path / "journal.db"
    events = [
        {
            "event_id": f"u-{n}",
            "callback_type": "person_updated",
            "event_date": f"2024-03-01T10:{n // 60:02d}:{n % 60:02d}Z",
            "person": {"person_key": f"PK{n % 37}", "custom_fields": {"n": str(n)}},
        }
        for n in range(300)
    ]
    with Journal(journal_path) as journal:
        journal.append_many(events)
    config = {**CONFIG, "callback_journal": str(journal_path), "start_date": "2024-01-01"}
    _kill_resume_and_compare(tmp_path, config, "persons")


def test_an_extract_stream_killed_midway_resumes_at_the_file_it_was_reading(
    tmp_path: Path,
) -> None:
    out = tmp_path / "files" / "out"
    out.mkdir(parents=True)
    for day in range(1, 6):
        rows = ["\t".join(COLUMNS)]
        for n in range(60):
            values = dict.fromkeys(COLUMNS, "")
            values.update(
                person_id=f"P{day}-{n}",
                subscription_list_id=str(n % 3),
                opt_in_date=f"2024-03-0{day} 0{n % 10}:00:00 UTC",
                subscription_event="OPT_IN",
            )
            rows.append("\t".join(values[c] for c in COLUMNS))
        (out / f"subscriptions_demo_2024-03-0{day}.txt").write_text("\n".join(rows) + "\n")
    _kill_resume_and_compare(tmp_path, {**CONFIG, "extracts_path": str(out)}, "subscribers")


@pytest.mark.parametrize(
    ("stream", "resumable"),
    [
        ("broadcasts", True),
        ("wallet_items", False),
        ("persons", False),
        ("incentive_pools", True),
        ("incentive_issuances", False),
    ],
)
def test_the_not_resumable_warning_names_only_streams_that_restart(
    tmp_path: Path, stream: str, resumable: bool
) -> None:
    """Lists read whole are sorted and resume; wallet items (paged newest first), persons
    and incentive issuances (in their file's order) restart their stream or campaign, and
    say so."""
    with RunningEmulator(seed=10, seed_value=2) as emulator:
        ids = tmp_path / "ids.csv"
        ids.write_text(
            "person_key\n" + "".join(f"{p['person_key']}\n" for p in emulator.control.persons())
        )
        codes = tmp_path / "codes.csv"
        codes.write_text(
            "code\n" + "".join(f"{c['code']}\n" for c in emulator.control.incentive_codes())
        )
        config = {
            **emulator.config(),
            "person_ids_file": str(ids),
            "incentive_codes_file": str(codes),
        }
        selected = (stream,) if stream != "wallet_items" else ("wallet_campaigns", stream)
        config_path = write_json(tmp_path / "config.json", config)
        catalog = write_json(tmp_path / "catalog.json", select_streams(config, selected))
        run: ProcessRun = run_process(
            [*TAP, "--config", str(config_path), "--catalog", str(catalog)]
        )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.records[stream]
    assert (NOT_RESUMABLE in run.stderr) is not resumable


def test_message_events_killed_midway_resume_from_their_last_state(tmp_path: Path) -> None:
    journal_path = tmp_path / "journal.db"
    steps = ("routing", "processing", "carrier_dlr", "handset_dlr")
    events = [
        {
            "event_id": f"cb-{n}",
            "callback_type": "event_processed",
            "event_date": f"2024-03-01T11:{n // 60:02d}:{n % 60:02d}Z",
            "event_processed": {
                "event_id": f"ev-{n // 4}",
                "event_type": "order_shipped",
                "event_data": {"person_key": f"PK{n % 37}"},
                "action": {"type": steps[n % 4], "status": "delivered"},
            },
        }
        for n in range(300)
    ]
    with Journal(journal_path) as journal:
        journal.append_many(events)
    config = {**CONFIG, "callback_journal": str(journal_path), "start_date": "2024-01-01"}
    _kill_resume_and_compare(tmp_path, config, "message_events")
