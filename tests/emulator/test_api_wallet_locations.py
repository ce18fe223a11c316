"""Wallet templates, location selectors, store locations, source codes, every callback type
and the control endpoints for inbound texts and list changes, over loopback."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.vibes_http import Api, error_messages
from vibes_emulator.store.callbacks import SELECTORS
from vibes_emulator.testing import RunningEmulator

WALLET = "/campaigns/wallet"
TEST = "/config/callback_events/test"
# Test events name some selectors after another type (FACTS §3.1 "Test").
TEST_KEYS = {
    "ack_participant_added": "acquisition_campaign_changed",
    "ack_participant_changed": "acquisition_campaign_changed",
    "device_removed": "device_added",
    "device_updated": "device_added",
    "wallet_item_remove": "wallet_item_install",
}


@pytest.fixture
async def wallet_id(api: Api, emulator: RunningEmulator) -> str:
    emulator.control.seed(30, seed=4)
    _, campaigns, _ = await api.get(WALLET)
    return str(sorted(c["wallet_id"] for c in campaigns)[0])


async def test_locations_page_filter_bulk_and_delete_over_http(api: Api, wallet_id: str) -> None:
    base = f"{WALLET}/{wallet_id}/locations"
    status, first, headers = await api.get(base)
    assert status == 200 and len(first) == 50 and "X-Next-Page-Token" not in headers
    assert {"id", "location_id", "latitude", "longitude", "zip"} <= set(first[0])
    assert isinstance(first[0]["id"], int) and isinstance(first[0]["latitude"], str)
    _, second, _ = await api.get(base + "/?page=2&page_size=50")
    assert second and {loc["id"] for loc in second}.isdisjoint(loc["id"] for loc in first)
    zip_code = first[0]["zip"]
    _, by_zip, _ = await api.get(f"{base}?zip={zip_code}&page_size=1000")
    assert by_zip and {loc["zip"] for loc in by_zip} == {zip_code}

    body = {"locations": [{"location_id": "pop-up", "name": "Pop-up", "zip": "99999"}]}
    status, errors, _ = await api.call("POST", base + "/bulk", json=body)
    assert status == 400 and "Idempotency-Key" in error_messages(errors)[0]
    key = {"Idempotency-Key": "batch-1"}
    assert (await api.call("POST", base + "/bulk", json=body, headers=key))[0] == 201
    assert (await api.call("POST", base + "/bulk", json=body, headers=key))[0] == 201
    _, added, _ = await api.get(f"{base}?zip=99999")
    assert [loc["location_id"] for loc in added] == ["pop-up"]  # the retry added nothing
    too_many = {"locations": [{"location_id": str(n)} for n in range(1001)]}
    assert (await api.call("POST", base + "/bulk", json=too_many, headers=key))[0] == 422
    assert (await api.call("POST", base + "/bulk", json={"locations": 1}, headers=key))[0] == 422

    assert (await api.call("DELETE", f"{base}/{added[0]['id']}"))[0] == 204
    status, errors, _ = await api.call("DELETE", f"{base}/{added[0]['id']}")
    assert status == 404 and error_messages(errors) == ["Location not found"]
    assert (await api.call("DELETE", f"{base}/delete_all?zip={zip_code}"))[0] == 200
    _, after, _ = await api.get(f"{base}?page_size=1000")
    assert after and all(loc["zip"] != zip_code for loc in after)
    assert (await api.call("DELETE", f"{base}/delete_all/"))[0] == 200
    assert (await api.get(base))[1] == []
    status, errors, _ = await api.get(f"{WALLET}/nosuch/locations")
    assert status == 404 and error_messages(errors) == ["Wallet campaign not found"]


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        (
            "wallet_template",
            {"title": "T", "issuer": "I", "logo": {"url": "https://x/l.png"}, "barcode": {}},
        ),
        ("passbook_template", {"pass_description": "P", "colors": {}, "images": {}}),
        ("location_selector", {"header": {"title": "Find us"}, "fontsize": 12}),
    ],
)
async def test_designs_create_read_update(
    api: Api, emulator: RunningEmulator, kind: str, body: dict[str, Any]
) -> None:
    emulator.control.seed(10, seed=4)
    status, created, _ = await api.call(
        "POST", WALLET, json={"campaign": {"name": "N", "type": "loyalty"}}
    )
    path = f"{WALLET}/{created['wallet_id']}/{kind}"
    status, errors, _ = await api.get(path)
    assert status == 404 and error_messages(errors)[0].endswith("not found")
    assert (await api.call("PUT", path, json={kind: body}))[0] == 404
    status, made, _ = await api.call("POST", path, json={kind: body})
    assert status == 201 and all(made[k] == v for k, v in body.items())
    assert (await api.call("POST", path, json={kind: body}))[0] == 422
    assert (await api.call("POST", path, json=body))[0] == 422  # not wrapped
    status, changed, _ = await api.call(
        "PUT", path + "/", json={kind: {**body, "nfc_message": "n"}}
    )
    assert status == 200 and changed["nfc_message"] == "n"
    assert (await api.get(path))[1] == changed
    if kind == "location_selector":
        assert changed["token"] == created["wallet_id"]
        assert (await api.call("POST", path, json={kind: {"add_to_wallet_language": "de-DE"}}))[
            0
        ] == 422
        assert (await api.call("DELETE", path))[0] == 204
        assert (await api.get(path))[0] == 404
    else:
        assert changed["active"] is True and changed["id"] == made["id"]


async def test_source_codes(api: Api, emulator: RunningEmulator) -> None:
    assert (await api.get("/sourcecodes"))[1] == []
    emulator.control.seed(10, seed=4)
    status, codes, _ = await api.get("/sourcecodes/")
    assert status == 200 and len(codes) >= 4
    assert {c["sourcecode_type"] for c in codes} == {"SC", "ANC"}
    assert {"sourcecode", "country_code", "primary_country_name", "sms_enabled", "mms_enabled"
            } <= set(codes[0])  # fmt: skip
    assert any("sourcecode_end_date" in c for c in codes)


async def _selectors(api: Api, wallet_id: str) -> dict[str, dict[str, Any] | None]:
    _, campaigns, _ = await api.get("/campaigns/acquisition")
    acquisition = campaigns[0]["acquisition_id"]
    values = {
        "list_id": "1201",
        "campaign_id": acquisition,
        "app_id": "app-1",
        "campaign_token": wallet_id,
        "source_code": "65301",
    }
    chosen: dict[str, dict[str, Any] | None] = {}
    for kind, fields in SELECTORS.items():
        if fields is None:
            chosen[kind] = None
        elif kind == "event_processed":
            chosen[kind] = {"event_type": "order_shipped", "callbacks_to_send": "only_failures"}
        else:
            chosen[kind] = {name: values[name] for name in fields}
    return chosen


async def test_every_callback_type_registers_and_tests(api: Api, wallet_id: str) -> None:
    selectors = await _selectors(api, wallet_id)
    assert len(selectors) == 17
    for seeded in (await api.get("/config/callbacks"))[1]:
        await api.call("DELETE", f"/config/callbacks/{seeded['callback_id']}")
    for kind, selector in selectors.items():
        body: dict[str, Any] = {
            "callback_type": kind,
            "destination": {"url": "https://h.example/c"},
        }
        test: dict[str, Any] = {"callback_type": kind}
        if selector is not None:
            body[kind] = selector
            test[TEST_KEYS.get(kind, kind)] = selector
        assert (await api.call("POST", TEST, json=test))[0] == 404, kind  # nothing registered
        status, created, _ = await api.call("POST", "/config/callbacks/", json=body)
        assert status == 201, (kind, created)
        if selector is not None:
            assert created[kind] == {**selector}
        status, tested, _ = await api.call("POST", TEST, json=test)
        assert status == 201 and tested["event_id"], (kind, tested)


async def test_registration_refuses_a_missing_or_unknown_selector(api: Api, wallet_id: str) -> None:
    url = {"url": "https://h.example/c"}
    for kind, selector in (await _selectors(api, wallet_id)).items():
        if not selector or kind == "event_processed":
            continue
        status, errors, _ = await api.call(
            "POST", "/config/callbacks", json={"callback_type": kind, "destination": url}
        )
        assert status == 422, kind
    unknown_code = {"source_code": "00000"}
    status, errors, _ = await api.call(
        "POST",
        "/config/callbacks",
        json={
            "callback_type": "unmatched_message_received",
            "unmatched_message_received": unknown_code,
            "destination": url,
        },
    )
    assert status == 422 and "not a source code of this company" in error_messages(errors)[0]


async def test_control_inbound_texts_and_list_changes(api: Api, emulator: RunningEmulator) -> None:
    emulator.control.seed(10, seed=4)
    _, acquisitions, _ = await api.get("/campaigns/acquisition")
    text = {"source_code": "65301", "mdn": "+13125550100", "message": "what are your hours?"}
    received = emulator.control.call("POST", "inbound_messages", text)
    assert received["unmatched"] is True and received["message_id"]
    with pytest.raises(Exception, match="404"):
        emulator.control.call("POST", "inbound_messages", {**text, "source_code": "1"})
    with pytest.raises(Exception, match="400"):
        emulator.control.call("POST", "inbound_messages", {**text, "mdn": "3125550100"})
    with pytest.raises(Exception, match="400"):
        emulator.control.call("POST", "inbound_messages", {**text, "typo": 1})
    made = emulator.control.call("POST", "subscription_lists", {"name": "Flash Deals"})
    _, listed, _ = await api.get(f"/mobiledb/subscription_lists/{made['id']}")
    assert listed["name"] == "Flash Deals"
    renamed = emulator.control.call(
        "PUT", f"subscription_lists/{made['id']}", {"name": "Flash Offers"}
    )
    assert renamed["name"] == "Flash Offers"
    with pytest.raises(Exception, match="404"):
        emulator.control.call("PUT", "subscription_lists/999999", {"name": "x"})
    active = [c for c in acquisitions if c["status"] == "active"]
    assert active  # a keyword text on its code is the campaign's, not unmatched
    keyword = active[0]["acquisition_campaign"]["keywords"][0]
    matched = emulator.control.call(
        "POST",
        "inbound_messages",
        {**text, "source_code": active[0]["sourcecode"], "message": f"{keyword.lower()} please"},
    )
    assert matched == {"unmatched": False, "keyword": keyword.upper()}
