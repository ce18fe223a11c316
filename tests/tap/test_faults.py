"""Retries after injected faults and 429s: the same records as a clean run, every one of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.tap.harness import TapRun, run_tap, write_codes_file, write_ids_file
from vibes_emulator.testing import RunningEmulator


@pytest.fixture
def config(emulator: RunningEmulator, tmp_path: Path) -> dict[str, Any]:
    emulator.control.seed(persons=40, seed=3)
    emulator.control.set_faults(rate_limit=0)
    ids = write_ids_file(tmp_path / "ids.csv", emulator.control.persons()[:15], unknown=1)
    codes = [c["code"] for c in emulator.control.incentive_codes()][::4]
    return {
        **emulator.config(),
        "person_ids_file": str(ids),
        "incentive_codes_file": str(write_codes_file(tmp_path / "codes.csv", codes, unknown=1)),
        "requests_per_second": 100,
        "max_retries": 8,
    }


def same_records(one: TapRun, other: TapRun) -> None:
    assert set(one.records) == set(other.records)
    for stream, records in one.records.items():
        assert other.records[stream] == records, stream  # same records, same order


def test_faults_are_retried_to_the_same_records(
    config: dict[str, Any], emulator: RunningEmulator
) -> None:
    clean = run_tap(config)
    # 5xx, dropped connections and truncated bodies on a fifth of the requests.
    emulator.control.set_faults(
        fault_rate=0.2, fault_kinds=["server_error", "drop", "truncate"], fault_seed=7
    )
    emulator.control.reset_stats()
    faulty = run_tap({**config, "timeout_seconds": 5})
    stats = emulator.control.stats()
    assert stats["faults_injected"] > 5, stats
    same_records(clean, faulty)
    assert faulty.final_state == clean.final_state


def test_429s_slow_the_tap_down_and_lose_nothing(
    config: dict[str, Any], emulator: RunningEmulator
) -> None:
    clean = run_tap(config)
    emulator.control.set_faults(rate_limit=20)  # the tap is configured for 100/s
    emulator.control.reset_stats()
    throttled = run_tap(config)
    statuses = emulator.control.stats()["by_status"]
    assert statuses.get("429", 0) > 0, statuses
    same_records(clean, throttled)
