"""Broadcasts, wallet campaigns/items/messages, callbacks and events in the store (no HTTP)."""

from __future__ import annotations

from typing import Any

import pytest

from vibes_emulator.errors import ApiError
from vibes_emulator.store import ManualClock, Store

CK = "demo"
NOW = 1_750_000_000.0


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture
def store(clock: ManualClock) -> Store:
    store = Store.open(None, clock=clock)
    store.seed(1000, seed=11)
    return store


def _broadcast_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Flash",
        "send_scheduled_date": "2030-01-01T10:00:00Z",
        "targeting": {
            "message_template": "Hi",
            "source_lists": ["1201"],
            "channel": "SMS",
            "source_short_code": {"short_code": "12345", "country_code": "1", "source_type": "SC"},
        },
    }
    body.update(overrides)
    return body


def test_broadcast_lists_default_to_scheduled_and_cap_at_100(store: Store) -> None:
    scheduled = store.broadcasts.listing(CK, None)
    assert scheduled and {b["status"] for b in scheduled} == {"scheduled"}
    sent = store.broadcasts.listing(CK, "sent")
    assert len(sent) == 100
    ids = [int(b["broadcast_id"]) for b in sent]
    assert ids == sorted(ids)
    for status in ("in_progress", "canceled", "failed", "paused", "deleted"):
        assert store.broadcasts.listing(CK, status), status


def test_broadcast_create_validates_and_shapes_like_vibes(store: Store) -> None:
    created = store.broadcasts.create(CK, _broadcast_body(), "demo")
    assert created["status"] == "scheduled"
    assert isinstance(created["broadcast_id"], str)
    assert created["targeting"]["channel"] == "sms"
    assert created["targeting"]["source_short_code"] == "12345"
    assert {"delivery", "url", "created_at", "updated_at"} <= set(created)
    with pytest.raises(ApiError) as error:
        store.broadcasts.create(CK, {"targeting": {}}, "demo")
    assert error.value.status == 422
    assert len(error.value.messages) == 4  # name, date, template, lists


def test_broadcast_update_and_cancel_only_while_scheduled(store: Store, clock: ManualClock) -> None:
    created = store.broadcasts.create(CK, _broadcast_body(), "demo")
    clock.advance(1)
    updated = store.broadcasts.update(CK, created["broadcast_id"], _broadcast_body(name="Renamed"))
    assert updated["name"] == "Renamed"
    assert updated["updated_at"] > created["updated_at"]
    assert updated["created_at"] == created["created_at"]
    sent_id = store.broadcasts.listing(CK, "sent")[0]["broadcast_id"]
    for call in (
        lambda: store.broadcasts.update(CK, sent_id, _broadcast_body()),
        lambda: store.broadcasts.cancel(CK, sent_id),
    ):
        with pytest.raises(ApiError) as error:
            call()
        assert error.value.status == 403
    assert store.broadcasts.cancel(CK, created["broadcast_id"])["status"] == "deleted"


def test_due_broadcast_is_sent_when_read(store: Store, clock: ManualClock) -> None:
    created = store.broadcasts.create(
        CK, _broadcast_body(send_scheduled_date="2025-06-16T00:00:00Z"), "demo"
    )
    clock.advance(3 * 86400)
    again = store.broadcasts.get(CK, created["broadcast_id"])
    assert again["status"] == "sent"
    assert again["delivery"]["send_start_date"] == "2025-06-16T00:00:00Z"


def _big_campaign(store: Store) -> str:
    state = store.core.company(CK)
    campaigns = state.tables["wallet_item"].groups("by_campaign")
    return max(campaigns, key=lambda w: len(campaigns[w]))


def test_wallet_items_page_newest_first_without_gaps_or_repeats(store: Store) -> None:
    wallet_id = _big_campaign(store)
    seen: list[dict[str, Any]] = []
    token = None
    while True:
        query = {"page_size": "70"} | ({"page_token": token} if token else {})
        page, token = store.wallet_items.listing(CK, wallet_id, query)
        seen.extend(page)
        if not token:
            break
        assert len(page) == 70
    total = len(store.core.company(CK).tables["wallet_item"].group("by_campaign", wallet_id))
    assert len(seen) == total == len({i["wallet_item_id"] for i in seen})
    stamps = [i["updated_at"] for i in seen]
    assert stamps == sorted(stamps, reverse=True)
    first, _ = store.wallet_items.listing(CK, wallet_id, {})
    assert len(first) == 50


def test_wallet_item_updated_mid_paging_moves_to_front_and_is_not_repeated(store: Store) -> None:
    wallet_id = _big_campaign(store)
    page, token = store.wallet_items.listing(CK, wallet_id, {"page_size": "10"})
    moved = page[3]["wallet_item_id"]
    store.wallet_items.update(CK, wallet_id, moved, {"tokens": {"loyalty_balance": "1"}})
    rest: list[str] = []
    while token:
        more, token = store.wallet_items.listing(
            CK, wallet_id, {"page_size": "10", "page_token": token}
        )
        rest += [i["wallet_item_id"] for i in more]
    assert moved not in rest
    front, _ = store.wallet_items.listing(CK, wallet_id, {"page_size": "1"})
    assert front[0]["wallet_item_id"] == moved


def test_wallet_item_filters_and_invalid_ones_ignored(store: Store) -> None:
    wallet_id = _big_campaign(store)
    everything, _ = store.wallet_items.listing(CK, wallet_id, {"page_size": "1000"})
    google, _ = store.wallet_items.listing(
        CK, wallet_id, {"page_size": "1000", "provider": "google"}
    )
    assert google and {i["provider"] for i in google} == {"google_wallet"}
    vip, _ = store.wallet_items.listing(CK, wallet_id, {"page_size": "1000", "group_code": "vip"})
    assert vip and all(i["group_code"] == "vip" for i in vip)
    name = everything[0]["tokens"]["first_name"]
    named, _ = store.wallet_items.listing(CK, wallet_id, {"page_size": "1000", "first_name": name})
    assert named and all(i["tokens"]["first_name"] == name for i in named)
    ignored = {
        "page_size": "1000",
        "provider": "nokia",
        "expiration_date": "2024-13-45",
        "bogus": "1",
    }
    assert store.wallet_items.listing(CK, wallet_id, ignored)[0] == everything
    assert len(store.wallet_items.listing(CK, wallet_id, {"page_size": "5000"})[0]) == min(
        1000, len(everything)
    )


def test_wallet_item_put_merges_tokens_clears_nulls_and_protects_read_only(store: Store) -> None:
    wallet_id = _big_campaign(store)
    item = store.wallet_items.listing(CK, wallet_id, {})[0][0]
    item_id = item["wallet_item_id"]
    body = {"tokens": {"loyalty_balance": 952, "first_name": None}, "group_code": None}
    updated = store.wallet_items.update(CK, wallet_id, item_id, body)
    assert updated["tokens"]["loyalty_balance"] == "952"
    assert "first_name" not in updated["tokens"]
    assert updated["tokens"]["last_name"] == item["tokens"]["last_name"]
    assert updated["group_code"] is None
    assert updated["updated_at"] > item["updated_at"]
    assert updated["updated_at"].endswith("Z") and len(updated["updated_at"]) == 24
    with pytest.raises(ApiError) as error:
        store.wallet_items.update(CK, wallet_id, item_id, {"provider": "other", "colour": "red"})
    assert error.value.status == 422
    assert len(error.value.messages) == 2


def test_wallet_campaigns_and_messages_caps(store: Store) -> None:
    campaigns = store.wallet_campaigns.listing(CK)
    stamps = [c["updated_at"] for c in campaigns]
    assert stamps == sorted(stamps, reverse=True)
    wallet_id = _big_campaign(store)
    messages = store.wallet_messages.listing(CK, wallet_id)
    assert len(messages) == 50
    created = store.wallet_messages.create(
        CK, wallet_id, {"message": {"template": "Hi", "header": "H"}}
    )
    assert (
        store.wallet_messages.listing(CK, wallet_id)[0]["wallet_message_id"]
        == created["wallet_message_id"]
    )
    with pytest.raises(ApiError) as error:
        store.wallet_messages.create(CK, wallet_id, {"message": {}, "filters": [{"name": "x"}]})
    assert error.value.status == 422
    with pytest.raises(ApiError) as error:
        store.wallet_campaigns.update(CK, wallet_id, {"campaign": {"type": "offer"}})
    assert error.value.status == 422


def test_callback_registration_lifecycle(store: Store) -> None:
    body = {
        "event_type": "subscription_added",
        "subscription_added": {"list_id": "1202"},
        "destination": {"url": "https://example.com/hook"},
    }
    created = store.callbacks.create(CK, body, 2)
    assert created["callback_type"] == "subscription_added"
    assert created["destination"] == {
        "url": "https://example.com/hook",
        "method": "POST",
        "content_type": "application/json",
    }
    assert store.core.company(CK).tables["callback"][created["callback_id"]]["api_version"] == 2
    with pytest.raises(ApiError) as error:
        store.callbacks.create(
            CK, {"callback_type": "subscription_added", "destination": {"url": "x"}}, 2
        )
    assert error.value.status == 422
    test = store.callbacks.test(
        CK, {"callback_type": "subscription_added", "subscription_added": {"list_id": "1202"}}
    )
    assert set(test) == {"message", "event_id"}
    assert (
        store.callbacks.delete(CK, created["callback_id"])["callback_id"] == created["callback_id"]
    )
    with pytest.raises(ApiError) as error:
        store.callbacks.test(CK, {"callback_type": "wallet_item_install"})
    assert error.value.status == 404


def test_events_accept_generate_ids_and_refuse_duplicates_and_oversize(store: Store) -> None:
    accepted = store.events.accept(
        CK, {"event_type": "order_shipped", "event_data": {"mdn": "+1"}}, 60
    )
    assert accepted["event_id"]
    store.events.accept(CK, {"event_id": "e-1", "event_type": "x", "event_data": {}}, 10)
    for body, size, status in (
        ({"event_id": "e-1", "event_type": "x", "event_data": {}}, 10, 422),
        ({"event_type": "bad type!", "event_data": {}}, 10, 422),
        ({"event_type": "x", "event_data": {}}, 16 * 1024 + 1, 413),
    ):
        with pytest.raises(ApiError) as error:
            store.events.accept(CK, body, size)
        assert error.value.status == status


def test_list_caps_for_wallet_and_acquisition_campaigns(store: Store, clock: ManualClock) -> None:
    for number in range(55):
        clock.advance(1)
        store.wallet_campaigns.create(CK, {"campaign": {"name": f"c{number}", "type": "loyalty"}})
    listed = store.wallet_campaigns.listing(CK)
    assert len(listed) == 50
    assert listed[0]["name"] == "c54"
    stamps = [c["updated_at"] for c in listed]
    assert stamps == sorted(stamps, reverse=True)
    table = store.core.company(CK).tables["acquisition"]
    template = next(iter(table.values()))
    start = int((NOW - 86400) * 1000)
    for number in range(60):
        extra = {"acquisition_id": f"EXTRA{number}", "start_date": start, "end_date": None}
        table.put(f"EXTRA{number}", template | extra)
    assert len(store.acquisitions.listing(CK)) == 50


def test_page_size_1000_pages_a_campaign_of_more_than_1000_items() -> None:
    store = Store.open(None, clock=ManualClock(start=NOW))
    store.seed(5000, seed=1)
    wallet_id = _big_campaign(store)
    total = len(store.core.company(CK).tables["wallet_item"].group("by_campaign", wallet_id))
    assert total > 1000
    first, token = store.wallet_items.listing(CK, wallet_id, {"page_size": "1000"})
    assert len(first) == 1000 and token
    rest, last = store.wallet_items.listing(
        CK, wallet_id, {"page_size": "1000", "page_token": token}
    )
    assert len(first) + len(rest) == total and last == ""
    assert first[-1]["updated_at"] >= rest[0]["updated_at"]
