"""A bad night: every fault kind plus a 429 storm on 15% of requests loses and duplicates nothing.

tests/tap/test_faults.py and tests/target/test_faults.py cover some fault kinds one at a
time (persons only on the target side); here all of them run at once, with seeded fault
draws, a client configured above the emulator's rate limit, and the target writing the
resources whose creates must never be repeated (broadcasts, wallet messages, events).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.tap.harness import TapRun, run_tap, write_ids_file
from tests.target.support import Api, run_target, target_config
from vibes_emulator.faults import FAULT_KINDS
from vibes_emulator.testing import EmulatorProcess, RunningEmulator

FAULT_SEED = 20261127
# Slow answers outlast the client's timeout, so "slow" means a timed-out attempt.
STORM: dict[str, Any] = {
    "fault_rate": 0.15,
    "fault_kinds": list(FAULT_KINDS),
    "slow_ms": 1500,
    "fault_seed": FAULT_SEED,
}


def test_seeded_fault_draws_repeat(emulator: RunningEmulator) -> None:
    api = Api(emulator)

    def statuses() -> list[int]:
        emulator.control.set_faults(
            fault_rate=0.5, fault_kinds=["server_error"], fault_seed=FAULT_SEED
        )
        return [api.call("GET", "/mobiledb/subscription_lists")[0] for _ in range(40)]

    first, second = statuses(), statuses()
    assert first == second
    assert {200} < set(first), first  # both answers and faults, in the same places
    assert emulator.control.faults()["fault_seed"] == FAULT_SEED


def test_the_command_line_seeds_fault_draws_too() -> None:
    with EmulatorProcess("--fault-rate", "0.5", "--fault-seed", "7") as process:
        assert process.control.faults()["fault_seed"] == 7


def test_tap_emits_exactly_the_clean_records_through_every_fault_and_a_429_storm(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.control.seed(persons=60, seed=11)
    emulator.control.set_faults(rate_limit=0)
    ids = write_ids_file(tmp_path / "ids.csv", emulator.control.persons()[:30], unknown=1)
    config = {
        **emulator.config(),
        "person_ids_file": str(ids),
        "max_retries": 12,
        "backoff_base_seconds": 0.02,
        "backoff_cap_seconds": 0.5,
    }
    clean = run_tap(config)

    emulator.control.set_faults(rate_limit=15, **STORM)
    emulator.control.reset_stats()
    # Configured for 60/s against a 15/s limit: a storm of 429s on top of the faults.
    stormy = run_tap({**config, "requests_per_second": 60, "timeout_seconds": 1})
    stats = emulator.control.stats()
    emulator.control.set_faults(rate_limit=0, fault_rate=0.0)

    assert set(stats["faults_by_kind"]) == set(FAULT_KINDS), stats
    assert stats["by_status"].get("429", 0) > 0, stats
    assert_same_records(clean, stormy)
    assert stormy.final_state == clean.final_state


def assert_same_records(clean: TapRun, other: TapRun) -> None:
    assert sorted(other.records) == sorted(clean.records)
    for stream, records in clean.records.items():
        assert other.records[stream] == records, stream  # same set, same order
    assert sum(len(records) for records in clean.records.values()) > 100


@pytest.mark.slow
def test_target_leaves_every_record_in_vibes_or_the_dead_letters_and_creates_nothing_twice(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.control.seed(persons=20, seed=4)
    api = Api(emulator)
    list_id = str(api.call("GET", "/mobiledb/subscription_lists/")[1][0]["id"])
    wallet_id = api.call("GET", "/campaigns/wallet")[1][0]["wallet_id"]
    mdns = [p["mdn"] for p in emulator.control.persons() if p["mdn"]][:10]
    persons = [
        {"external_person_id": f"r{i}", "mdn": f"+1299557{i:04d}", "custom_fields__first_name": "R"}
        for i in range(80)
    ]
    persons.append({"external_person_id": "bad-number", "mdn": "12"})  # a real reject
    broadcasts = [
        {
            "name": f"storm broadcast {i}",
            "send_scheduled_date": "2031-01-01T10:00:00Z",
            "targeting__message_template": "Hello",
            "targeting__source_lists": [list_id],
        }
        for i in range(25)
    ]
    messages = [{"wallet_id": wallet_id, "message__template": f"storm {i}"} for i in range(25)]
    events = [{"event_type": "storm", "mdn": mdns[i % len(mdns)], "n": i} for i in range(40)]
    streams: dict[str, list[dict[str, Any]]] = {
        "persons": persons,
        "broadcasts": broadcasts,
        "wallet_messages": messages,
        "events": events,
    }
    config = target_config(
        emulator,
        tmp_path,
        allow_messaging=True,
        max_retries=12,
        backoff_base_seconds=0.02,
        backoff_cap_seconds=0.5,
        timeout_seconds=1,
        requests_per_second=60,
        max_reject_ratio=1.0,
    )
    emulator.control.set_faults(rate_limit=15, **STORM)
    emulator.control.reset_stats()
    run = run_target(config, singer(streams))
    stats = emulator.control.stats()
    emulator.control.set_faults(rate_limit=0, fault_rate=0.0)

    assert run.failure is None, run.failure
    assert set(stats["faults_by_kind"]) == set(FAULT_KINDS), stats
    assert stats["by_status"].get("429", 0) > 0
    dead: dict[str, list[dict[str, Any]]] = {}
    for letter in run.dead_letters:
        dead.setdefault(letter["stream"], []).append(letter["record"])
    # Every record has exactly one outcome.
    for tally in run.target.context.outcomes.tallies():
        assert tally.total == len(streams[tally.stream]), tally

    # Persons: idempotent, so only the real reject is a dead letter; everything else landed.
    assert dead.get("persons") == [persons[-1]]
    landed = Counter(p["external_person_id"] for p in emulator.control.persons())
    assert all(landed[row["external_person_id"]] == 1 for row in persons[:-1])

    # Broadcasts and wallet messages: never created twice; each one created, or dead-lettered
    # as "may or may not have been created" (replay_safe false) when its answer was lost.
    scheduled = api.call("GET", "/mobiledb/broadcasts?status=scheduled")[1]
    made = Counter(b["name"] for b in scheduled)
    names = [str(b["name"]) for b in broadcasts]
    assert_once_or_dead_lettered(names, made, dead, "broadcasts", "name")
    assert sum(made.values()) > 0
    sent = api.call("GET", f"/campaigns/wallet/{wallet_id}/messages")[1]
    made = Counter(m.get("message", {}).get("template") for m in sent)
    templates = [str(m["message__template"]) for m in messages]
    assert sum(made.values()) > 0
    assert_once_or_dead_lettered(templates, made, dead, "wallet_messages", "message__template")
    for letter in run.dead_letters:
        if letter["stream"] in ("broadcasts", "wallet_messages"):
            assert letter["replay_safe"] is False and "may or may not" in letter["reason"]

    # Events carry stable ids: a clean rerun finds every landed one already used.
    rerun = run_target(
        {**config, "dead_letter_path": str(tmp_path / "rerun.jsonl")}, singer({"events": events})
    )
    tally = rerun.target.context.outcomes.tallies()[0]
    assert tally.outcomes["unchanged"] == len(events) - len(dead.get("events", []))
    assert tally.outcomes["written"] == len(dead.get("events", []))


def assert_once_or_dead_lettered(
    names: list[str],
    made: Counter[Any],
    dead: dict[str, list[dict[str, Any]]],
    stream: str,
    column: str,
) -> None:
    lettered = {record[column] for record in dead.get(stream, [])}
    for name in names:
        assert made[name] <= 1, (stream, name, made[name])
        assert made[name] == 1 or name in lettered, (stream, name)


def singer(streams: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for stream, rows in streams.items():
        schema: dict[str, Any] = {"properties": {}}
        messages.append(
            {"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": []}
        )
        messages.extend({"type": "RECORD", "stream": stream, "record": row} for row in rows)
    messages.append({"type": "STATE", "value": {"done": True}})
    return messages
