"""Against the shared seeded emulator (300 persons, seed 7), every stream holds exactly what
the API holds, read directly over HTTP; persons and subscribers hold exactly the named persons.

Records are compared after ``canon`` (timestamps as instants), since the tap rewrites
timestamps that are not RFC 3339 (e.g. minute precision) without changing the instant.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from tap_vibes.streams.broadcasts import STATUSES
from tests.tap.conftest import UNKNOWN_IDS
from tests.tap.harness import TapRun, canon
from tests.vibes_reader import VibesReader


def by_key(records: list[dict[str, Any]], *keys: str) -> dict[tuple[Any, ...], Any]:
    found = {tuple(r[k] for k in keys): canon(r) for r in records}
    assert len(found) == len(records), "duplicate primary keys"
    return found


def test_list_streams_hold_exactly_what_the_api_lists(
    seeded_run: TapRun, direct: VibesReader
) -> None:
    lists = direct.get_list("/mobiledb/subscription_lists/")
    assert by_key(seeded_run.records["subscription_lists"], "id") == by_key(lists, "id")
    campaigns = direct.get_list("/campaigns/acquisition")
    assert campaigns
    assert by_key(seeded_run.records["acquisition_campaigns"], "acquisition_id") == by_key(
        campaigns, "acquisition_id"
    )


def test_broadcasts_of_every_status(seeded_run: TapRun, direct: VibesReader) -> None:
    expected = [b for s in STATUSES for b in direct.get_list("/mobiledb/broadcasts", {"status": s})]
    assert {b["status"] for b in expected} == set(STATUSES)
    ours = seeded_run.records["broadcasts"]
    assert by_key(ours, "broadcast_id") == by_key(expected, "broadcast_id")
    assert {b["status"] for b in ours} == set(STATUSES)


def test_every_wallet_item_and_message_of_every_campaign(
    seeded_run: TapRun, direct: VibesReader
) -> None:
    campaigns = direct.get_list("/campaigns/wallet")
    assert by_key(seeded_run.records["wallet_campaigns"], "wallet_id") == by_key(
        campaigns, "wallet_id"
    )
    items: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    for campaign in campaigns:
        wallet_id = campaign["wallet_id"]
        items += [{**i, "wallet_id": wallet_id} for i in direct.wallet_items(wallet_id)]
        messages += [
            {**m, "wallet_id": wallet_id}
            for m in direct.get_list(f"/campaigns/wallet/{wallet_id}/messages")
        ]
    per_campaign = defaultdict(int)
    for item in items:
        per_campaign[item["wallet_id"]] += 1
    assert max(per_campaign.values()) > 50, "no campaign with more than one default page"
    keys = ("wallet_id", "wallet_item_id")
    assert by_key(seeded_run.records["wallet_items"], *keys) == by_key(items, *keys)
    keys = ("wallet_id", "wallet_message_id")
    assert by_key(seeded_run.records["wallet_messages"], *keys) == by_key(messages, *keys)


def test_records_come_in_a_deterministic_order(seeded_run: TapRun, direct: VibesReader) -> None:
    broadcasts = seeded_run.records["broadcasts"]
    order = [(canon(b["updated_at"]), b["broadcast_id"]) for b in broadcasts]
    assert order == sorted(order)
    # Wallet items keep the API's order: newest first within each campaign.
    items = seeded_run.records["wallet_items"]
    for wallet_id in {i["wallet_id"] for i in items}:
        ours = [i["wallet_item_id"] for i in items if i["wallet_id"] == wallet_id]
        assert ours == [i["wallet_item_id"] for i in direct.wallet_items(wallet_id, 1000)]


def test_persons_are_exactly_the_named_ones_in_file_order(
    seeded_run: TapRun,
    seeded_persons: list[dict[str, Any]],
    direct: VibesReader,
) -> None:
    persons = seeded_run.records["persons"]
    assert [p["person_key"] for p in persons] == [p["person_key"] for p in seeded_persons]
    for person in persons[:30]:  # the full bodies, exactly as the API sends them
        _, _, body = direct.request("GET", f"/mobiledb/persons/{person['person_key']}")
        assert canon(person) == canon(body)


def test_subscribers_include_opted_out_ones_of_every_named_person(
    seeded_run: TapRun, seeded_persons: list[dict[str, Any]], direct: VibesReader
) -> None:
    expected: list[dict[str, Any]] = []
    for person in seeded_persons:
        expected += direct.get_list(
            f"/mobiledb/persons/{person['person_key']}/subscriptions", {"active_only": "false"}
        )
    ours = seeded_run.records["subscribers"]
    assert any(s["opt_out_date"] for s in expected), "seed has no opted-out subscription"
    keys = ("person_key", "subscription_list_id", "opt_in_date")
    assert {tuple(r[k] for k in keys) for r in ours} == {
        (s["person"]["id"], s["subscription_list"]["id"], s["opt_in_date"]) for s in expected
    }
    for record in ours:
        assert record["active"] is (record["opt_out_date"] is None)
    assert len(ours) == len(expected)


def test_unknown_ids_are_warned_and_counted_not_fatal(seeded_run: TapRun) -> None:
    per_person_streams = ("persons", "subscribers", "push_devices")
    for stream in ("persons", "subscribers"):
        assert stream in seeded_run.final_state["bookmarks"]  # the run finished
    missing = [w for w in seeded_run.warnings if "No Vibes person" in w and "no-such" in w]
    # each per-person stream warns once per unknown id
    assert len(missing) == len(per_person_streams) * UNKNOWN_IDS
    assert any(f"{UNKNOWN_IDS} not found so far" in w for w in seeded_run.warnings)
    statuses = seeded_run.emulator_stats["by_status"]
    assert statuses.get("404", 0) == len(per_person_streams) * UNKNOWN_IDS


def test_default_settings_stay_under_the_rate_limit(seeded_run: TapRun) -> None:
    # 90 requests/s by default against Vibes' 100/s: no request should be answered 429.
    statuses = seeded_run.emulator_stats["by_status"]
    assert statuses.get("429", 0) == 0, statuses
    assert statuses["200"] > 600  # persons and subscriptions were read one by one


def test_event_triggered_messages_of_every_status(seeded_run: TapRun, direct: VibesReader) -> None:
    expected = direct.get_list("/mobiledb/event_triggered_messages")
    assert {c["status"] for c in expected} == {"scheduled", "in_progress", "ended", "canceled"}
    ours = seeded_run.records["event_triggered_messages"]
    key = "event_triggered_message_id"
    assert by_key(ours, key) == by_key(expected, key)
    assert all(isinstance(c[key], int) for c in ours)


def test_push_devices_of_every_named_person(
    seeded_run: TapRun, seeded_persons: list[dict[str, Any]], direct: VibesReader
) -> None:
    expected: list[dict[str, Any]] = []
    for person in seeded_persons:
        key = person["person_key"]
        devices = direct.get_list(f"/mobiledb/persons/{key}/push_devices")
        expected += [{**d, "person_key": key, "app_id": d["url"].split("/")[2]} for d in devices]
    assert len(expected) > 20, "seed has too few devices to tell anything"
    keys = ("app_id", "vibes_device_id")
    assert by_key(seeded_run.records["push_devices"], *keys) == by_key(expected, *keys)
