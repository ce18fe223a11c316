"""Under a bad night of faults every record ends in Vibes or in the dead letters, once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.target.support import run_target, target_config


def test_mixed_faults_lose_nothing_and_duplicate_nothing(emulator: Any, tmp_path: Path) -> None:
    # 15% of requests meet a 5xx, a dropped connection, a truncated body or a slow answer.
    emulator.control.set_faults(fault_rate=0.15, slow_ms=300)
    rows = [
        {
            "external_person_id": f"f{index}",
            "mdn": f"+1299556{index:04d}",
            "custom_fields__first_name": f"N{index}",
        }
        for index in range(150)
    ]
    rows.append({"external_person_id": "bad", "mdn": "12"})  # a real reject among them
    messages = [
        {"type": "SCHEMA", "stream": "persons", "schema": {"properties": {}}, "key_properties": []},
        *({"type": "RECORD", "stream": "persons", "record": row} for row in rows),
        {"type": "STATE", "value": {"done": 1}},
    ]
    config = target_config(emulator, tmp_path, max_retries=10, timeout_seconds=5)
    run = run_target(config, messages)
    emulator.control.set_faults(fault_rate=0.0)
    assert run.failure is None, run.failure
    assert emulator.control.stats()["faults_injected"] > 0
    assert run.states == [{"done": 1}]
    assert [letter["record"]["external_person_id"] for letter in run.dead_letters] == ["bad"]
    # Read back through the control plane (not rate limited): one person per good row,
    # with its number; retries never created a second one.
    landed = sorted((p["external_person_id"], p["mdn"]) for p in emulator.control.persons())
    assert landed == sorted((row["external_person_id"], row["mdn"]) for row in rows[:-1])
