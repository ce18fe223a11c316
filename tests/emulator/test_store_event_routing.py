"""Event-triggered campaigns, push devices, event routing and sent messages in the store."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.vibes_http import event_campaign_body
from vibes_emulator.errors import ApiError
from vibes_emulator.store import ManualClock, Store
from vibes_emulator.store.state import CompanyState, Record

CK = "demo"
DAY_S = 86_400


class Changes:
    def __init__(self, store: Store) -> None:
        self.seen: list[tuple[str, Record]] = []
        store.add_listener(self)

    def __call__(self, state: CompanyState, change: str, record: Record) -> None:
        self.seen.append((change, dict(record)))

    def steps(self) -> list[tuple[str, str, str]]:
        return [
            (r["action"]["type"], r["action"]["status"], r["action"]["status_reason"])
            for change, r in self.seen
            if change == "event_processed"
        ]


def _person(store: Store, *, in_list: str | None = None, without: str | None = None) -> Record:
    state = store.core.company(CK)
    for person in state.tables["person"].values():
        lists = {
            s["list_id"]
            for s in state.tables["subscription"].group("by_person", person["person_key"]).values()
            if s.get("opt_out_date") is None
        }
        wanted = in_list is None or in_list in lists
        if person.get("mdn") and wanted and (without is None or without not in lists):
            return person
    raise AssertionError("no such seeded person")


def _event(store: Store, event_type: str, data: dict[str, Any]) -> None:
    store.events.accept(CK, {"event_type": event_type, "event_data": data}, 100, 2)


def test_seed_adds_campaigns_of_every_status_and_devices_deterministically(
    clock: ManualClock,
) -> None:
    first, second = Store.open(None, clock=clock), Store.open(None, clock=clock)
    first.seed(200, seed=5)
    second.seed(200, seed=5)
    campaigns = first.event_triggered.listing(CK, None, None)
    assert campaigns == second.event_triggered.listing(CK, None, None)
    assert {c["status"] for c in campaigns} == {"scheduled", "in_progress", "ended", "canceled"}
    assert all(isinstance(c["event_triggered_message_id"], int) for c in campaigns)
    devices = first.core.company(CK).tables["push_device"]
    assert dict(devices) == dict(second.core.company(CK).tables["push_device"])
    owners = {d["person_key"] for d in devices.values()}
    assert None in owners and len(owners) > 20
    # The devices' own RNG leaves the earlier seeded data as it was.
    other = Store.open(None, clock=clock)
    other.seed(200, seed=6)
    assert first.person_index() != other.person_index()


def test_campaign_create_list_filters_update_and_cancel(store: Store) -> None:
    body = event_campaign_body(event_type="Parcel_Shipped")
    created = store.event_triggered.create(CK, body, "demo")
    number = created["event_triggered_message_id"]
    assert created["status"] == "in_progress" and created["start_date"] == "2020-01-01"
    assert created["targeting"]["message_format"] == "SMS"
    by_type = store.event_triggered.listing(CK, None, "parcel_shipped")
    assert [c["event_triggered_message_id"] for c in by_type] == [number]
    assert all(c["status"] == "ended" for c in store.event_triggered.listing(CK, "ended", None))
    updated = store.event_triggered.update(CK, str(number), event_campaign_body(name="Renamed"))
    assert updated["name"] == "Renamed" and updated["updated_at"] >= created["updated_at"]
    assert store.event_triggered.cancel(CK, str(number))["status"] == "canceled"
    with pytest.raises(ApiError) as refused:
        store.event_triggered.update(CK, str(number), event_campaign_body())
    assert refused.value.status == 422
    with pytest.raises(ApiError) as missing:
        store.event_triggered.get(CK, "999999")
    assert missing.value.status == 404


def test_campaign_body_problems_are_all_reported(store: Store) -> None:
    with pytest.raises(ApiError) as refused:
        store.event_triggered.create(
            CK,
            {"name": "", "event_type": "bad type!", "start_date": "2020-13-45", "targeting": {}},
            "demo",
        )
    text = " ".join(str(m) for m in refused.value.to_body()["errors"])
    for field in ("name", "event_type", "start_date", "message_template", "sourcecode"):
        assert field in text


def test_event_routes_to_campaign_and_sends_sms_with_dlrs(store: Store) -> None:
    store.event_triggered.create(CK, event_campaign_body(), "demo")
    changes = Changes(store)
    person = _person(store)
    _event(store, "PARCEL_SHIPPED", {"person_key": person["person_key"]})
    assert changes.steps() == [
        ("routing", "processing", "accepted_by_event_triggered_message"),
        ("processing", "queued", "sms_queued_to_carrier"),
        ("carrier_dlr", "delivered", "delivered_to_carrier"),
        ("handset_dlr", "delivered", "delivered_to_handset"),
    ]
    sent = store.sent_messages.listing(CK)
    assert len(sent) == 1 and sent[0]["person_key"] == person["person_key"]
    assert sent[0]["mdn"] == person["mdn"] and sent[0]["channel"] == "sms"
    message_ids = {r["action"].get("message_id") for _, r in changes.seen[1:]}
    assert message_ids == {sent[0]["message_id"]}


def test_routing_failures(store: Store) -> None:
    changes = Changes(store)
    _event(store, "nobody_listens", {"person_key": _person(store)["person_key"]})
    _event(store, "order_shipped", {"external_person_id": "no-such-person"})
    _event(store, "day_of_delivery", {"mdn": _person(store, without="1202")["mdn"]})
    assert changes.steps() == [
        ("routing", "failed", "no_route_rules"),
        ("routing", "failed", "person_not_found"),
        ("routing", "failed", "person_not_in_list"),
    ]
    assert store.sent_messages.listing(CK) == []


def test_event_for_ended_or_canceled_campaign_has_no_route(store: Store) -> None:
    changes = Changes(store)
    person = _person(store, in_list="1201")
    _event(store, "back_in_stock", {"person_key": person["person_key"]})  # ended
    _event(store, "return_received", {"person_key": person["person_key"]})  # canceled
    assert [s[2] for s in changes.steps()] == ["no_route_rules", "no_route_rules"]


def test_push_campaign_queues_to_devices_and_device_id_names_person(store: Store) -> None:
    state = store.core.company(CK)
    device = next(
        d
        for d in state.tables["push_device"].values()
        if d["person_key"] and d["app_id"] == "a1b2c3d4-shop-ios"
    )
    changes = Changes(store)
    _event(store, "cart_abandoned", {"vibes_device_id": device["vibes_device_id"]})
    steps = changes.steps()
    assert steps[0][2] == "accepted_by_event_triggered_message"
    assert steps[1:] and all(s == ("processing", "queued", "push_queued") for s in steps[1:])
    sent = store.sent_messages.listing(CK)
    assert device["vibes_device_id"] in {m["vibes_device_id"] for m in sent}
    assert all(m["channel"] == "push" and m["mdn"] is None for m in sent)


def test_assign_moves_device_and_fires_removed_then_added(store: Store) -> None:
    state = store.core.company(CK)
    device = next(d for d in state.tables["push_device"].values() if d["person_key"])
    old_owner = device["person_key"]
    new_owner = next(p for p in state.tables["person"].values() if p["person_key"] != old_owner)
    changes = Changes(store)
    body = {"person_key": new_owner["person_key"]}
    store.push_devices.assign(CK, device["app_id"], device["vibes_device_id"], body, 2)
    assert [(c, r["person_key"]) for c, r in changes.seen] == [
        ("device_removed", old_owner),
        ("device_added", new_owner["person_key"]),
    ]
    listed = store.push_devices.of_person(CK, new_owner["person_key"], external=False, version=2)
    assert device["vibes_device_id"] in {d["vibes_device_id"] for d in listed}
    # Assigning again to the same person changes nothing and says nothing.
    store.push_devices.assign(CK, device["app_id"], device["vibes_device_id"], body, 2)
    assert len(changes.seen) == 2
    for bad in ({}, {"person_key": "a", "external_person_id": "b"}):
        with pytest.raises(ApiError) as refused:
            store.push_devices.assign(CK, device["app_id"], device["vibes_device_id"], bad, 2)
        assert refused.value.status == 422
    with pytest.raises(ApiError) as missing:
        store.push_devices.assign(CK, device["app_id"], "nope", body, 2)
    assert missing.value.status == 404


def test_campaign_starting_later_turns_in_progress_then_ended(
    store: Store, clock: ManualClock
) -> None:
    created = store.event_triggered.create(
        CK, event_campaign_body(start_date="2025-06-20", end_date="2025-06-22"), "demo"
    )
    number = str(created["event_triggered_message_id"])
    assert created["status"] == "scheduled"
    clock.advance(6 * DAY_S)
    assert store.event_triggered.get(CK, number)["status"] == "in_progress"
    clock.advance(3 * DAY_S)
    assert store.event_triggered.get(CK, number)["status"] == "ended"


def test_campaigns_devices_and_sent_messages_survive_a_reopen(
    tmp_path: Any, clock: ManualClock
) -> None:
    path = str(tmp_path / "emulator.db")
    store = Store.open(path, clock=clock)
    store.seed(60, seed=5)
    made = store.event_triggered.create(CK, event_campaign_body(), "demo")
    person = _person(store)
    _event(store, "parcel_shipped", {"person_key": person["person_key"]})
    campaigns = store.event_triggered.listing(CK, None, None)
    sent = store.sent_messages.listing(CK)
    devices = dict(store.core.company(CK).tables["push_device"])
    store.close()
    again = Store.open(path, clock=clock)
    assert again.event_triggered.listing(CK, None, None) == campaigns
    assert again.sent_messages.listing(CK) == sent and len(sent) == 1
    assert dict(again.core.company(CK).tables["push_device"]) == devices
    owned = again.push_devices.of_person(CK, person["person_key"], external=False, version=2)
    assert owned == [
        again.push_devices.render(d)
        for d in devices.values()
        if d["person_key"] == person["person_key"]
    ]
    later = again.event_triggered.create(CK, event_campaign_body(), "demo")
    assert later["event_triggered_message_id"] == made["event_triggered_message_id"] + 1
    again.close()
