"""Broadcasts, wallet campaigns/items/messages, callbacks and events over loopback."""

from __future__ import annotations

from typing import Any

from tests.emulator.vibes_http import Api, error_messages
from vibes_emulator.testing import RunningEmulator

BROADCASTS = "/mobiledb/broadcasts"
WALLET = "/campaigns/wallet"
CALLBACKS = "/config/callbacks"


def _broadcast(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Flash sale",
        "send_scheduled_date": "2031-02-16T17:30:00Z",
        "targeting": {
            "message_template": "Hi {{ first_name }}",
            "source_lists": ["1201"],
            "channel": "SMS",
        },
    }
    return body | overrides


async def _big_wallet_campaign(api: Api) -> str:
    _, campaigns, _ = await api.get(WALLET)
    sizes = {}
    for campaign in campaigns:
        _, items, _ = await api.get(f"{WALLET}/{campaign['wallet_id']}/items?page_size=1000")
        sizes[campaign["wallet_id"]] = len(items or [])
    return max(sizes, key=lambda wallet_id: sizes[wallet_id])


async def test_broadcast_lists_default_scheduled_cap_100_every_status(
    api: Api, emulator: RunningEmulator
) -> None:
    emulator.control.seed(1000, seed=2)
    status, scheduled, _ = await api.get(BROADCASTS)
    assert status == 200 and scheduled and {b["status"] for b in scheduled} == {"scheduled"}
    assert len((await api.get(BROADCASTS + "?status=sent"))[1]) == 100
    for state in ("in_progress", "canceled", "failed", "paused", "deleted"):
        _, listed, _ = await api.get(f"{BROADCASTS}?status={state}")
        assert listed and {b["status"] for b in listed} == {state}
    assert (await api.get(BROADCASTS + "?status=bogus"))[0] == 400


async def test_broadcast_create_update_cancel(api: Api, emulator: RunningEmulator) -> None:
    emulator.control.seed(50, seed=2)
    status, created, _ = await api.call("POST", BROADCASTS + "/", json=_broadcast())
    assert status == 201
    assert isinstance(created["broadcast_id"], str)
    assert created["targeting"]["channel"] == "sms"
    assert {"delivery", "url", "created_at", "updated_at"} <= set(created)
    path = f"{BROADCASTS}/{created['broadcast_id']}"
    status, updated, _ = await api.call("PUT", path, json=_broadcast(name="Renamed"))
    assert (status, updated["name"]) == (200, "Renamed")
    status, body, _ = await api.call("POST", BROADCASTS, json={"name": "x"})
    # Every problem of the body in one answer, before anything is stored.
    assert status == 422 and len(error_messages(body)) == 2, body
    status, canceled, _ = await api.call("DELETE", path)
    assert (status, canceled["status"]) == (200, "deleted")
    assert (await api.call("PUT", path, json=_broadcast()))[0] == 403
    _, sent, _ = await api.get(BROADCASTS + "?status=sent")
    assert (await api.call("DELETE", f"{BROADCASTS}/{sent[0]['broadcast_id']}"))[0] == 403
    assert (await api.get(f"{BROADCASTS}/999999"))[0] == 404


async def test_wallet_items_paging_header_and_filters(seeded: Api) -> None:
    wallet_id = await _big_wallet_campaign(seeded)
    items_path = f"{WALLET}/{wallet_id}/items"
    status, first, headers = await seeded.get(items_path)
    assert status == 200 and len(first) == 50
    assert headers["X-Next-Page-Token"]
    seen = list(first)
    token = headers["X-Next-Page-Token"]
    while token:
        status, page, headers = await seeded.get(f"{items_path}/?page_size=20&page_token={token}")
        assert status == 200
        seen += page
        token = headers["X-Next-Page-Token"]
    assert "X-Next-Page-Token" in headers and headers["X-Next-Page-Token"] == ""
    stamps = [i["updated_at"] for i in seen]
    assert stamps == sorted(stamps, reverse=True)
    assert len({i["wallet_item_id"] for i in seen}) == len(seen) > 50
    _, google, _ = await seeded.get(items_path + "?provider=google&page_size=1000")
    assert google and {i["provider"] for i in google} == {"google_wallet"}
    _, ignored, _ = await seeded.get(items_path + "?provider=nokia&page_size=1000&nonsense=1")
    assert len(ignored) == len(seen)
    assert (await seeded.get(f"{WALLET}/nope/items"))[0] == 404


async def test_wallet_item_put_and_campaign_messages(api: Api, emulator: RunningEmulator) -> None:
    emulator.control.seed(300, seed=4)
    wallet_id = await _big_wallet_campaign(api)
    _, items, _ = await api.get(f"{WALLET}/{wallet_id}/items?page_size=1")
    item = items[0]
    path = f"{WALLET}/{wallet_id}/items/{item['wallet_item_id']}"
    body = {
        "tokens": {"loyalty_balance": "952", "first_name": None},
        "passbook": {"notification": "New!"},
    }
    status, updated, _ = await api.call("PUT", path, json=body)
    assert status == 200
    assert updated["tokens"]["loyalty_balance"] == "952" and "first_name" not in updated["tokens"]
    assert updated["updated_at"] > item["updated_at"] and len(updated["updated_at"]) == 24
    assert updated["created_at"] == item["created_at"]
    assert (await api.get(path))[1] == updated
    assert (await api.call("PUT", path, json={"wallet_item_id": "other"}))[0] == 422
    _, messages, _ = await api.get(f"{WALLET}/{wallet_id}/messages")
    assert len(messages) == 50
    status, created, _ = await api.call(
        "POST",
        f"{WALLET}/{wallet_id}/messages",
        json={
            "message": {"template": "Hi"},
            "filters": [{"name": "group_code", "selector": "=", "value": "vip"}],
        },
    )
    assert status == 200  # as published (OAS); the spec lists no 201 for this operation
    assert (await api.get(f"{WALLET}/{wallet_id}/messages/{created['wallet_message_id']}"))[
        1
    ] == created
    assert (
        await api.call("POST", f"{WALLET}/nope/messages", json={"message": {"template": "Hi"}})
    )[0] == 404


async def test_wallet_campaign_create_update_and_404_when_none(api: Api) -> None:
    assert (await api.get(WALLET))[0] == 404
    body = {
        "campaign": {"name": "Spring", "type": "Offer", "expiration_date": "2031-06-30T23:59:59Z"}
    }
    status, created, _ = await api.call("POST", WALLET, json=body)
    assert (status, created["type"]) == (201, "offer")
    path = f"{WALLET}/{created['wallet_id']}"
    # PUT takes the create body (FACTS §2.6): name and type are required, type is immutable,
    # attributes left out (expiration_date here) are kept.
    assert (await api.call("PUT", path, json={"campaign": {"name": "Spring 2"}}))[0] == 422
    renamed = {"campaign": {"name": "Spring 2", "type": "offer"}}
    status, updated, _ = await api.call("PUT", path, json=renamed)
    assert (status, updated["name"]) == (200, "Spring 2")
    assert updated["expiration_date"] == created["expiration_date"]
    assert updated["updated_at"] > created["updated_at"]
    retyped = {"campaign": {"name": "Spring 2", "type": "loyalty"}}
    assert (await api.call("PUT", path, json=retyped))[0] == 422
    assert (await api.call("POST", WALLET, json={"campaign": {"name": "x", "type": "offer"}}))[
        0
    ] == 422
    assert (await api.get(WALLET))[1] == [updated]
    assert (await api.get(path + "/items"))[0] == 404


async def test_callback_registration_crud_and_test_event(api: Api) -> None:
    assert (
        await api.call(
            "POST", "/config/callback_events/test", json={"callback_type": "person_added"}
        )
    )[0] == 404
    body = {
        "callback_type": "person_added",
        "destination": {"url": "https://example.com/h", "method": "PUT"},
    }
    status, created, _ = await api.call("POST", CALLBACKS + "/", json=body)
    assert status == 201
    assert created["destination"]["method"] == "PUT"
    path = f"{CALLBACKS}/{created['callback_id']}"
    assert (await api.get(CALLBACKS))[1] == [created]
    status, tested, _ = await api.call(
        "POST", "/config/callback_events/test", json={"callback_type": "person_added"}
    )
    assert status == 201 and set(tested) == {"message", "event_id"}
    changed = {"event_type": "person_updated", "destination": {"url": "https://example.com/h2"}}
    status, updated, _ = await api.call("PUT", path, json=changed)
    assert (status, updated["callback_type"]) == (200, "person_updated")
    bad = {"callback_type": "subscription_added", "destination": {"url": "https://example.com/h"}}
    status, errors, _ = await api.call("POST", CALLBACKS, json=bad)
    assert status == 422 and "subscription_added object is required" in error_messages(errors)
    status, deleted, _ = await api.call("DELETE", path)
    assert (status, deleted["callback_id"]) == (200, created["callback_id"])
    assert (await api.get(path))[0] == 404


async def test_events_202_duplicates_and_size_limit(api: Api) -> None:
    event = {"event_type": "order_shipped", "event_data": {"mdn": "+13125550100", "order": "A1"}}
    status, accepted, _ = await api.call("POST", "/events", json=event)
    assert status == 202 and accepted["event_id"]
    status, _, _ = await api.call("POST", "/events/", json=event | {"event_id": "evt-1"})
    assert status == 202
    assert (await api.call("POST", "/events", json=event | {"event_id": "evt-1"}))[0] == 422
    assert (await api.call("POST", "/events", json=event | {"event_type": "bad type"}))[0] == 422
    huge = event | {"event_data": {"blob": "x" * 17_000}}
    assert (await api.call("POST", "/events", json=huge))[0] == 413
