"""Every resource other than persons, against a seeded emulator (function scope: mutated)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from target_vibes.failures import RunStopped
from target_vibes.replay import main as replay_main
from tests.target.support import Api, run_target, target_config


def schema(stream: str) -> dict[str, Any]:
    return {"type": "SCHEMA", "stream": stream, "schema": {"properties": {}}, "key_properties": []}


def records(stream: str, *rows: dict[str, Any]) -> list[dict[str, Any]]:
    return [schema(stream), *({"type": "RECORD", "stream": stream, "record": row} for row in rows)]


@pytest.fixture
def seeded(emulator: Any) -> Any:
    emulator.control.seed(30, seed=5)
    return emulator


def test_events_get_stable_ids_so_a_rerun_sends_nothing_twice(seeded: Any, tmp_path: Path) -> None:
    people = [p for p in seeded.control.persons() if p["mdn"]][:4]
    rows = [
        {"event_type": "order_shipped", "mdn": p["mdn"], "order_id": i}
        for i, p in enumerate(people)
    ]
    config = target_config(seeded, tmp_path, allow_messaging=True)
    first = run_target(config, records("events", *rows))
    second = run_target(config, records("events", *rows))
    assert first.failure is None and second.failure is None
    assert first.target.context.outcomes.tallies()[0].outcomes["written"] == 4
    assert second.target.context.outcomes.tallies()[0].outcomes["unchanged"] == 4
    assert seeded.control.stats()["by_status"].get("202") == 4


def test_participants_added_then_unchanged(seeded: Any, tmp_path: Path) -> None:
    api = Api(seeded)
    campaign = api.call("GET", "/campaigns/acquisition")[1][0]["acquisition_id"]
    rows = [
        {"mdn": f"+1299555{index:04d}", "custom_fields__first_name": "New"} for index in range(3)
    ]
    streams = {"signups": {"resource": "participants", "acquisition_id": campaign}}
    config = target_config(seeded, tmp_path, allow_messaging=True, streams=streams)
    first = run_target(config, records("signups", *rows))
    second = run_target(config, records("signups", *rows))
    assert first.failure is None and second.failure is None
    assert first.target.context.outcomes.tallies()[0].outcomes["written"] == 3
    assert second.target.context.outcomes.tallies()[0].outcomes["unchanged"] == 3
    assert first.dead_letters == []


def _subscribed(api: Api, persons: list[dict[str, Any]]) -> tuple[str, str]:
    for person in persons:
        status, subs = api.call("GET", f"/mobiledb/persons/{person['person_key']}/subscriptions")
        if status == 200 and subs:
            return person["person_key"], str(subs[0]["subscription_list"]["id"])
    raise AssertionError("no seeded person has an active subscription")


def test_subscribers_unsubscribe_and_refuse_subscribing_without_messaging(
    seeded: Any, tmp_path: Path
) -> None:
    api = Api(seeded)
    person_key, list_id = _subscribed(api, seeded.control.persons())
    rows: list[dict[str, Any]] = [
        {"person_key": person_key, "subscription_list_id": list_id, "subscribed": False},
        {"person_key": person_key, "subscription_list_id": list_id, "action": "unsubscribe"},
        {"mdn": "+12995559999", "subscription_list_id": list_id, "opt_out_date": "2026-01-01"},
        {"mdn": "+12995559998", "subscribed": True, "acquisition_id": "any"},
    ]
    run = run_target(
        target_config(seeded, tmp_path, max_reject_ratio=0.5), records("subscribers", *rows)
    )
    assert run.failure is None
    tally = run.target.context.outcomes.tallies()[0]
    assert (tally.outcomes["written"], tally.outcomes["unchanged"], tally.outcomes["rejected"]) == (
        1,
        2,
        1,
    )
    status, _ = api.call("GET", f"/mobiledb/persons/{person_key}/subscriptions/{list_id}")
    assert status == 404
    assert len(run.dead_letters) == 1
    assert "allow_messaging" in run.dead_letters[0]["reason"]


def test_wallet_items_update_given_fields_and_refuse_notifications(
    seeded: Any, tmp_path: Path
) -> None:
    api = Api(seeded)
    wallet_id = api.call("GET", "/campaigns/wallet")[1][0]["wallet_id"]
    item = api.call("GET", f"/campaigns/wallet/{wallet_id}/items")[1][0]
    item_id = item["wallet_item_id"]
    before = dict(item["tokens"])
    rows = [
        {"wallet_id": wallet_id, "wallet_item_id": item_id, "tokens__loyalty_balance": "952"},
        {"wallet_id": wallet_id, "wallet_item_id": item_id, "passbook__notification": "Hi!"},
        {"wallet_id": wallet_id, "wallet_item_id": "no-such-item", "tokens__tier": "Gold"},
    ]
    run = run_target(
        target_config(seeded, tmp_path, max_reject_ratio=1.0), records("wallet_items", *rows)
    )
    assert run.failure is None
    after = api.call("GET", f"/campaigns/wallet/{wallet_id}/items/{item_id}")[1]
    assert after["tokens"] == {**before, "loyalty_balance": "952"}
    reasons = sorted(letter["reason"] for letter in run.dead_letters)
    assert len(reasons) == 2
    assert any("allow_messaging" in reason for reason in reasons)
    assert [letter["status"] for letter in run.dead_letters if letter["status"]] == [404]


def test_broadcasts_and_wallet_messages_are_created_once(seeded: Any, tmp_path: Path) -> None:
    api = Api(seeded)
    list_id = str(api.call("GET", "/mobiledb/subscription_lists/")[1][0]["id"])
    wallet_id = api.call("GET", "/campaigns/wallet")[1][0]["wallet_id"]
    broadcast = {
        "name": "Target test",
        "send_scheduled_date": "2030-01-01T10:00:00Z",
        "targeting__message_template": "Hello",
        "targeting__source_lists": [list_id],
    }
    message = {"wallet_id": wallet_id, "message__template": "Balance updated"}
    config = target_config(seeded, tmp_path, allow_messaging=True)
    run = run_target(
        config, [*records("broadcasts", broadcast), *records("wallet_messages", message)]
    )
    assert run.failure is None
    assert [t.outcomes["written"] for t in run.target.context.outcomes.tallies()] == [1, 1]
    scheduled = api.call("GET", "/mobiledb/broadcasts?status=scheduled")[1]
    assert sum(1 for b in scheduled if b["name"] == "Target test") == 1

    # The answer is lost after sending: dead-lettered as "check before replaying", not resent.
    seeded.control.set_faults(fault_rate=1.0, fault_kinds=["drop"])
    lost = run_target({**config, "max_reject_ratio": 1.0}, records("broadcasts", broadcast))
    seeded.control.set_faults(fault_rate=0.0)
    assert lost.failure is None
    (letter,) = lost.dead_letters
    assert letter["replay_safe"] is False
    assert "may or may not" in letter["reason"]
    assert "check in Vibes before replaying" in letter["reason"]
    assert (
        seeded.control.stats()["by_route"].get(
            "POST /companies/{company_key}/mobiledb/broadcasts/", 0
        )
        + seeded.control.stats()["by_route"].get(
            "POST /companies/{company_key}/mobiledb/broadcasts", 0
        )
        <= 2
    )


def test_retries_running_out_stop_the_run_without_state(emulator: Any, tmp_path: Path) -> None:
    emulator.control.set_faults(fault_rate=1.0, fault_kinds=["server_error"])
    messages = [
        *records("persons", {"external_person_id": "a"}, {"external_person_id": "b"}),
        {"type": "STATE", "value": {"done": True}},
    ]
    run = run_target(target_config(emulator, tmp_path, max_retries=1), messages)
    assert isinstance(run.failure, RunStopped)
    text = str(run.failure)
    assert "/mobiledb/persons/external/" in text
    assert "rerunning from the last STATE" in text
    assert run.states == []
    assert run.dead_letters == []


def test_dry_run_of_subscribers_reads_subscriptions_only(seeded: Any, tmp_path: Path) -> None:
    api = Api(seeded)
    person_key, list_id = _subscribed(api, seeded.control.persons())
    rows = [
        {"person_key": person_key, "subscription_list_id": list_id, "subscribed": False},
        {"mdn": "+12995559999", "subscription_list_id": list_id, "subscribed": False},
    ]
    seeded.control.reset_stats()
    config = target_config(seeded, tmp_path, dry_run=True)
    run = run_target(config, records("subscribers", *rows))
    assert run.failure is None
    tally = run.target.context.outcomes.tallies()[0]
    assert (tally.actions["unsubscribe"], tally.outcomes["unchanged"]) == (1, 1)
    assert all(route.startswith("GET") for route in seeded.control.stats()["by_route"])
    assert api.call("GET", f"/mobiledb/persons/{person_key}/subscriptions/{list_id}")[0] == 200


def test_replay_holds_back_creates_that_may_exist(emulator: Any, tmp_path: Path) -> None:
    letters = tmp_path / "letters.jsonl"
    entry = {
        "stream": "broadcasts",
        "resource": "broadcasts",
        "record": {"name": "x"},
        "reason": "Vibes may or may not have created this broadcast",
        "replay_safe": False,
    }
    letters.write_text(json.dumps(entry) + "\n")
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(target_config(emulator, tmp_path, allow_messaging=True)))
    assert replay_main(["--config", str(config_path), str(letters)]) == 0
    assert emulator.control.stats()["requests"] == 0
    assert letters.read_text().count("\n") == 1  # held back, left where it was
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    assert replay_main(["--config", str(config_path), str(bad)]) == 1
