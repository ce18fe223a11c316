"""Meltano runs of tap-vibes and target-vibes against the emulator, as `make demo` does them.

Slow: each `meltano run` starts Meltano, a discovery and two plugins (about 15 s of overhead
on this 2-core machine before any data moves). The session's first test also installs Meltano
and the plugins when .meltano/ does not have them yet.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from demo.environment import ROOT
from demo.readback import get_person
from demo.run_demo import EXAMPLE_QUERY
from tests.demo.conftest import processes_mentioning, run_meltano
from vibes_emulator.testing import RunningEmulator

pytestmark = pytest.mark.slow

REQUIRED_STREAMS = ("persons", "subscribers", "broadcasts", "wallet_items")


MAIN_JOB = "$ meltano run vibes-to-warehouse"
EXTRACTS_JOB = "$ meltano run vibes-extracts-to-warehouse"


def _extract_table(output: str, job: str = MAIN_JOB) -> dict[str, list[int]]:
    """stream -> the integer columns of one job's extract table (the "total" row left out)."""
    table: dict[str, list[int]] = {}
    section = output.split(job, 1)[1].split("\n$ meltano run", 1)[0]
    for line in section.splitlines():
        match = re.match(r"^([a-z_]+)((?:\s+[\d,]+){5,})\s+[\d.]+$", line)
        if match and match.group(1) != "total":
            table[match.group(1)] = [int(v.replace(",", "")) for v in match.group(2).split()]
    return table


def _run_demo(
    state_dir: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "demo", "--persons", "300", "--state-dir", str(state_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_demo_runs_twice_the_second_time_incrementally(meltano: Path, state_dir: Path) -> None:
    first = _run_demo(state_dir)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Check passed: per stream, the rows DuckDB received equal the records" in first.stdout
    assert "First run: a full load" in first.stdout
    first_table = _extract_table(first.stdout)
    # records, rows in DuckDB, requests, retries, 429s
    full = {stream: columns[0] for stream, columns in first_table.items()}
    assert all(full.get(stream, 0) > 0 for stream in REQUIRED_STREAMS), first.stdout
    assert all(columns[0] == columns[1] for columns in first_table.values())
    # The reverse-ETL leg: every contact but the deliberately bad one lands and reads back.
    assert "24 of 25 contacts are in Vibes exactly as the CRM has them." in first.stdout
    assert "crm_contacts -> persons" in first.stdout
    # The analytics extracts: messages by delivery status, every record in DuckDB.
    analytics = _extract_table(first.stdout, EXTRACTS_JOB)
    assert analytics["messages"][0] > 0 and analytics["messages"][0] == analytics["messages"][1]
    assert all(columns[0] == columns[1] for columns in analytics.values())
    statuses = first.stdout.split("Messages by delivery status", 1)[1]
    assert re.search(r"^SUCCESS\s+\d+\s+\d+\s+\d+$", statuses, re.MULTILINE), statuses[:2000]
    dead_letters = (state_dir / "dead_letters.jsonl").read_text().splitlines()
    assert [json.loads(line)["record"]["external_person_id"] for line in dead_letters] == [
        "crm-0900005"
    ]

    # The README's query command, by a python3 without duckdb (query.py finds the loader's).
    query = subprocess.run(
        ["python3", "demo/query.py", "--db", str(state_dir / "warehouse.duckdb"), EXAMPLE_QUERY],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert query.returncode == 0, query.stderr
    header, _rule, *rows = query.stdout.splitlines()
    assert header.split() == ["subscription_list", "subscribed", "opted_out"]
    assert len(rows) >= 2 and all(int(row.split()[-2]) > 0 for row in rows)

    second = _run_demo(state_dir)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "INCREMENTAL RUN" in second.stdout
    second_table = _extract_table(second.stdout)
    # full load, records, rows in DuckDB, requests, retries, 429s
    assert {stream: columns[0] for stream, columns in second_table.items()} == full
    this_run = {stream: columns[1] for stream, columns in second_table.items()}
    assert sum(this_run.values()) < sum(full.values()) * 0.75
    # The persons the CRM leg changed come back (24 written), not the 300 of the full load.
    assert 24 <= this_run["persons"] < 100
    assert "Check passed" in second.stdout
    # The next day's extract files: read because they are dated after the bookmark.
    assert _extract_table(second.stdout, EXTRACTS_JOB)["messages"][0] > 0


def test_demo_fails_loudly_and_stops_everything_when_a_step_fails(
    meltano: Path, state_dir: Path
) -> None:
    env = {**os.environ, "TAP_VIBES_PASSWORD": "not-the-password"}
    result = _run_demo(state_dir, env)

    assert result.returncode == 1
    assert "DEMO FAILED: meltano run vibes-to-warehouse exited" in result.stderr
    assert "not-the-password" not in result.stdout + result.stderr
    assert processes_mentioning(str(state_dir)) == []


def test_meltano_run_tap_vibes_into_target_vibes_copies_persons(
    meltano: Path, state_dir: Path
) -> None:
    """tap-vibes output from one emulator company loads, through Meltano, into another."""
    with RunningEmulator(
        seed=120, seed_value=5, extra_companies=[("mirror", "mirror-user", "mirror-pass")]
    ) as emulator:
        persons = emulator.control.persons()
        ids = state_dir / "ids.csv"
        ids.write_text("person_key\n" + "".join(f"{p['person_key']}\n" for p in persons))
        env = {
            "VIBES_EMULATOR_URL": emulator.url,
            "MELTANO_DATABASE_URI": f"sqlite:///{state_dir / 'meltano.db'}",
            "TAP_VIBES_PERSON_IDS_FILE": str(ids),
            "TAP_VIBES__SELECT": '["persons.*"]',
            "TARGET_VIBES_COMPANY_KEY": "mirror",
            "TARGET_VIBES_USERNAME": "mirror-user",
            "TARGET_VIBES_PASSWORD": "mirror-pass",
            "TARGET_VIBES_DEAD_LETTER_PATH": str(state_dir / "dead_letters.jsonl"),
        }
        result = run_meltano(["--environment=dev", "run", "tap-vibes", "target-vibes"], env)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

        source_auth = (emulator.username, emulator.password)
        copied = 0
        for person in persons:
            external_id = person["external_person_id"]
            if not external_id:
                continue
            original = get_person(emulator.url, "demo", source_auth, external_id)
            copy = get_person(emulator.url, "mirror", ("mirror-user", "mirror-pass"), external_id)
            assert copy is not None, external_id
            assert copy["mobile_phone"]["mdn"] == original["mobile_phone"]["mdn"]
            assert copy["custom_fields"] == original["custom_fields"]
            copied += 1
        assert copied > 0


def test_demo_stopped_by_sigterm_mid_run_leaves_no_process_behind(
    meltano: Path, state_dir: Path
) -> None:
    demo = subprocess.Popen(
        [sys.executable, "-m", "demo", "--persons", "300", "--state-dir", str(state_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert demo.stdout is not None
        for line in demo.stdout:
            if line.startswith("$ meltano run vibes-to-warehouse"):
                break
        # Meltano, the tap and the loader are running now (in their own process group).
        assert processes_mentioning(str(state_dir)) != []
        demo.send_signal(signal.SIGTERM)
        _, stderr = demo.communicate(timeout=60)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    assert demo.returncode == 130
    assert "DEMO INTERRUPTED (SIGTERM); everything it started is stopped." in stderr
