"""Event-triggered campaigns, push devices and event_processed deliveries over loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.callbacks.test_emulator_delivery import Destination, destination  # noqa: F401
from tests.emulator.vibes_http import Api, error_messages, event_campaign_body, unthrottled
from vibes_emulator.testing import RunningEmulator

CAMPAIGNS = "/mobiledb/event_triggered_messages"


@pytest.fixture
async def api(emulator: RunningEmulator) -> AsyncIterator[Api]:
    emulator.control.seed(persons=40, seed=5)
    async with aiohttp.ClientSession() as session:
        yield Api(session, unthrottled(emulator))


async def test_campaign_lifecycle_over_http(api: Api) -> None:
    status, made, _ = await api.call("POST", CAMPAIGNS, json=event_campaign_body())
    assert status == 202 and isinstance(made["event_triggered_message_id"], int)
    path = f"{CAMPAIGNS}/{made['event_triggered_message_id']}"
    assert made["url"].endswith(path) and made["created_at"] and made["updated_at"]
    _, listed, _ = await api.get(f"{CAMPAIGNS}?status=in_progress&event_type=PARCEL_SHIPPED")
    assert [c["event_triggered_message_id"] for c in listed] == [made["event_triggered_message_id"]]
    _, everything, _ = await api.get(CAMPAIGNS)
    assert {c["status"] for c in everything} == {"scheduled", "in_progress", "ended", "canceled"}
    status, body, _ = await api.get(f"{CAMPAIGNS}?status=paused")
    assert status == 400 and error_messages(body)
    status, canceled, _ = await api.call("DELETE", path)
    assert status == 200 and canceled["status"] == "canceled"
    status, body, _ = await api.call("PUT", path, json=event_campaign_body(name="Again"))
    assert status == 422 and error_messages(body)
    status, body, _ = await api.get(f"{CAMPAIGNS}/999999")
    assert status == 404 and "Event triggered message" in error_messages(body)[0]
    status, body, _ = await api.call("POST", CAMPAIGNS, json={"name": "x"})
    assert status in (400, 422) and error_messages(body)


async def test_push_device_routes_and_their_credentials(
    api: Api, emulator: RunningEmulator
) -> None:
    for person in emulator.control.persons():
        _, devices, _ = await api.get(f"/mobiledb/persons/{person['person_key']}/push_devices")
        if devices and person["external_person_id"]:
            break
    else:
        pytest.fail("no seeded person with an external id has a device")
    external = person["external_person_id"]
    _, same, _ = await api.get(f"/mobiledb/persons/external/{external}/push_devices")
    assert same == devices
    device = devices[0]
    status, one, _ = await api.get(device["url"])
    assert status == 200 and one == device
    status, body, _ = await api.get(device["url"].rsplit("/", 1)[0] + "/no-such-device")
    assert status == 404 and error_messages(body) != ["Not Found"]
    status, _, _ = await api.get("/mobiledb/persons/no-such-person/push_devices")
    assert status == 404
    async with api.session.get(
        api.root + device["url"], headers={"Authorization": aiohttp.encode_basic_auth("demo", "x")}
    ) as response:
        assert response.status == 401
    status, body, _ = await api.call("POST", device["url"] + "/assign", json={})
    assert status == 422 and error_messages(body)


async def _register(api: Api, url: str, selector: dict[str, Any], kind: str) -> None:
    body = {"callback_type": kind, kind: selector, "destination": {"url": url}}
    status, answer, _ = await api.call("POST", "/config/callbacks/", json=body)
    assert status == 201, answer


async def test_callbacks_to_send_picks_the_steps_each_registration_gets(
    api: Api,
    emulator: RunningEmulator,
    destination: Destination,  # noqa: F811
) -> None:
    selectors = {
        "/all": {},
        "/routing": {"callbacks_to_send": "routing"},
        "/failures": {"callbacks_to_send": "only_failures"},
        "/handset": {"callbacks_to_send": "handset_dlr", "event_type": "ORDER_SHIPPED"},
        "/other-type": {"event_type": "day_of_delivery"},
    }
    for path, selector in selectors.items():
        await _register(api, destination.url(path), selector, "event_processed")
    person = next(p for p in emulator.control.persons() if p["mdn"])
    for event_type, data in (
        ("order_shipped", {"mdn": person["mdn"]}),
        ("order_shipped", {"person_key": "nobody"}),
    ):
        status, _, _ = await api.call(
            "POST", "/events", json={"event_type": event_type, "event_data": data}
        )
        assert status == 202
    await asyncio.to_thread(emulator.control.call, "POST", "callbacks/drain", {"timeout": 30})
    seen: dict[str, list[str]] = {path: [] for path in selectors}
    for path, body in destination.seen:
        assert body["callback_type"] == "event_processed"
        seen[path].append(body["event_processed"]["action"]["status_reason"])
    assert seen["/all"] == [
        "accepted_by_event_triggered_message",
        "sms_queued_to_carrier",
        "delivered_to_carrier",
        "delivered_to_handset",
        "person_not_found",
    ]
    assert seen["/routing"] == ["accepted_by_event_triggered_message", "person_not_found"]
    assert seen["/failures"] == ["person_not_found"]
    assert seen["/handset"] == ["delivered_to_handset"]
    assert seen["/other-type"] == []


async def test_assign_fires_device_callbacks_for_its_app_only(
    api: Api,
    emulator: RunningEmulator,
    destination: Destination,  # noqa: F811
) -> None:
    persons = emulator.control.persons()
    for person in persons:
        _, devices, _ = await api.get(f"/mobiledb/persons/{person['person_key']}/push_devices")
        if devices:
            break
    device = devices[0]
    app_id = device["url"].split("/")[2]
    for kind in ("device_added", "device_removed"):
        await _register(api, destination.url(f"/{kind}"), {"app_id": app_id}, kind)
        await _register(api, destination.url(f"/{kind}/other"), {"app_id": "other-app"}, kind)
    new_owner = next(p for p in persons if p["person_key"] != person["person_key"])
    status, assigned, _ = await api.call(
        "POST",
        device["url"] + "/assign",
        json={"external_person_id": new_owner["external_person_id"]}
        if new_owner["external_person_id"]
        else {"person_key": new_owner["person_key"]},
    )
    assert status == 200 and assigned["vibes_device_id"] == device["vibes_device_id"]
    await asyncio.to_thread(emulator.control.call, "POST", "callbacks/drain", {"timeout": 30})
    by_path = {path: body for path, body in destination.seen}
    assert set(by_path) == {"/device_added", "/device_removed"}
    assert by_path["/device_removed"]["person"]["person_key"] == person["person_key"]
    assert by_path["/device_added"]["person"]["person_key"] == new_owner["person_key"]
    pushed = by_path["/device_added"]["push_device"]
    assert pushed["app_id"] == app_id and pushed["device_os"] in ("IOS", "ANDROID")
    assert pushed["url"] == device["url"]
    _, moved, _ = await api.get(f"/mobiledb/persons/{new_owner['person_key']}/push_devices")
    assert device["vibes_device_id"] in {d["vibes_device_id"] for d in moved}
