"""Under a bad night of faults every record ends in Vibes or in the dead letters, once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.target.support import Api, run_target, target_config


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


def test_device_assignments_and_campaign_creates_under_faults(
    emulator: Any, tmp_path: Path
) -> None:
    """Assignments (safe to repeat) all land; campaign creates (not safe) land at most once,
    and one whose answer was lost is dead-lettered as not safe to replay."""
    emulator.control.seed(persons=30, seed=7)
    persons = emulator.control.persons()
    owner = persons[0]["person_key"]
    api = Api(emulator)
    devices = [
        d
        for p in persons[1:]
        for d in api.call("GET", f"/mobiledb/persons/{p['person_key']}/push_devices")[1]
    ]
    assert len(devices) >= 5
    assignments = [
        {
            "app_id": d["url"].split("/")[2],
            "vibes_device_id": d["vibes_device_id"],
            "person_key": owner,
        }
        for d in devices
    ]
    sms = {"sourcecode": "27245", "country_code": "US", "sourcecode_type": "SC"}
    campaigns = [
        {
            "name": f"Fault campaign {n}",
            "event_type": f"fault_{n}",
            "start_date": "2026-01-01",
            "targeting": {"message_template": "Hi", "channel": "sms", "sms": sms},
        }
        for n in range(12)
    ]
    messages = [
        {"type": "SCHEMA", "stream": s, "schema": {"properties": {}}, "key_properties": []}
        for s in ("push_device_assignments", "event_triggered_messages")
    ]
    messages += [
        {"type": "RECORD", "stream": "push_device_assignments", "record": r} for r in assignments
    ]
    messages += [
        {"type": "RECORD", "stream": "event_triggered_messages", "record": r} for r in campaigns
    ]
    messages.append({"type": "STATE", "value": {"done": 1}})
    emulator.control.set_faults(
        fault_rate=0.2, fault_kinds=["server_error", "drop", "truncate"], fault_seed=11
    )
    config = target_config(
        emulator, tmp_path, max_retries=10, timeout_seconds=5, allow_messaging=True
    )
    run = run_target(config, messages)
    emulator.control.set_faults(fault_rate=0.0)
    assert run.failure is None, run.failure
    assert emulator.control.stats()["faults_injected"] > 0
    owned = api.call("GET", f"/mobiledb/persons/{owner}/push_devices")[1]
    assert {d["vibes_device_id"] for d in devices} <= {d["vibes_device_id"] for d in owned}
    created = [c["name"] for c in api.call("GET", "/mobiledb/event_triggered_messages")[1]]
    unsure = {
        letter["record"]["name"]
        for letter in run.dead_letters
        if letter["stream"] == "event_triggered_messages"
    }
    assert all(letter["replay_safe"] is False for letter in run.dead_letters)
    for campaign in campaigns:
        count = created.count(campaign["name"])
        assert count == 1 or (count == 0 and campaign["name"] in unsure), campaign["name"]
