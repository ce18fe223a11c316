"""Every emulator response a tap or target reads validates against the published OpenAPI.

The harness (spec loading, relaxations with their reasons) is in ``contract_support``; this
module calls every served route against a seeded emulator and checks each answer, then
fails if any served route went unchecked.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from tests.emulator.contract_support import C, Caller, Contract
from tests.emulator.vibes_http import event_campaign_body
from vibes_emulator.routes import ROUTES
from vibes_emulator.testing import RunningEmulator

# Routes served by the emulator that are not in the published spec, or answer no body.
NOT_IN_SPEC: dict[tuple[str, str], str] = {}
NO_BODY = {
    ("DELETE", "/companies/{}/mobiledb/persons/{}/subscriptions/{}"),
    ("DELETE", "/companies/{}/mobiledb/persons/external/{}/subscriptions/{}"),
    # Store locations and selectors: checked in test_api_wallet_locations.py.
    ("POST", "/companies/{}/campaigns/wallet/{}/locations/bulk"),
    ("DELETE", "/companies/{}/campaigns/wallet/{}/locations/{}"),
    ("DELETE", "/companies/{}/campaigns/wallet/{}/locations/delete_all"),
    ("DELETE", "/companies/{}/campaigns/wallet/{}/location_selector"),
}


@pytest.fixture(scope="module")
def contract() -> Contract:
    return Contract()


@pytest.fixture
async def reader(seeded_emulator: RunningEmulator) -> AsyncIterator[Caller]:
    async with aiohttp.ClientSession() as session:
        yield Caller(session, seeded_emulator)


@pytest.fixture
def writer_emulator(emulator: RunningEmulator) -> RunningEmulator:
    emulator.control.seed(persons=60, seed=5)
    return emulator


@pytest.fixture
async def writer(writer_emulator: RunningEmulator) -> AsyncIterator[Caller]:
    async with aiohttp.ClientSession() as session:
        yield Caller(session, writer_emulator)


def shape(path: str) -> str:
    """A path with parameter names and the trailing slash dropped, for matching."""
    return re.sub(r"\{[^}]*\}", "{}", path).rstrip("/")


async def test_every_route_answers_as_the_published_spec_says(
    contract: Contract,
    reader: Caller,
    seeded_emulator: RunningEmulator,
    writer: Caller,
    writer_emulator: RunningEmulator,
) -> None:
    await check_reads(contract, reader, seeded_emulator)
    await check_writes(contract, writer, writer_emulator.control.persons())
    problems = reader.problems + writer.problems
    checked = {(method, shape(path)) for method, path in contract.checked} | NO_BODY
    served = {(method, shape(path)) for method, path, _ in ROUTES}
    unchecked = sorted(served - checked - set(NOT_IN_SPEC))
    problems += [f"served but not contract-checked: {m} {p}" for m, p in unchecked]
    assert not problems, "\n".join(problems)


async def check_reads(k: Contract, r: Caller, seeded_emulator: RunningEmulator) -> None:
    person = next(p for p in seeded_emulator.control.persons() if p["external_person_id"])
    pk, ext = person["person_key"], quote(person["external_person_id"], safe="")
    await r.check(k, "GET", f"{C}/mobiledb/persons/{{person_key}}", f"/mobiledb/persons/{pk}")
    await r.check(
        k,
        "GET",
        f"{C}/mobiledb/persons/external/{{external_person_id}}",
        f"/mobiledb/persons/external/{ext}",
    )
    await r.check(
        k, "GET", f"{C}/mobiledb/persons", f"/mobiledb/persons?mdn={quote(person['mdn'])}"
    )
    subscriptions = await r.check(
        k,
        "GET",
        f"{C}/mobiledb/persons/{{person_key}}/subscriptions",
        f"/mobiledb/persons/{pk}/subscriptions?active_only=false",
    )
    await r.check(
        k,
        "GET",
        f"{C}/mobiledb/persons/external/{{external_person_id}}/subscriptions",
        f"/mobiledb/persons/external/{ext}/subscriptions",
    )
    lists = await r.check(
        k, "GET", f"{C}/mobiledb/subscription_lists/", "/mobiledb/subscription_lists/"
    )
    list_id = lists[0]["id"]
    await r.check(
        k,
        "GET",
        f"{C}/mobiledb/subscription_lists/{{subscription_list_id}}",
        f"/mobiledb/subscription_lists/{list_id}",
    )
    await r.check(
        k,
        "GET",
        f"{C}/mobiledb/subscription_lists/{{subscription_list_id}}/acquisition_campaigns/",
        f"/mobiledb/subscription_lists/{list_id}/acquisition_campaigns/",
    )
    await _read_subscriber_routes(r, k, seeded_emulator)
    campaigns = await r.check(k, "GET", f"{C}/campaigns/acquisition", "/campaigns/acquisition")
    acquisition = campaigns[0]["acquisition_id"]
    await r.check(
        k,
        "GET",
        f"{C}/campaigns/acquisition/{{acquisition_id}}",
        f"/campaigns/acquisition/{acquisition}",
    )
    await r.check(
        k,
        "GET",
        f"{C}/campaigns/acquisition/{{acquisition_id}}/participants",
        f"/campaigns/acquisition/{acquisition}/participants?mdn={quote(person['mdn'])}",
    )
    for status in ("scheduled", "sent", "in_progress", "canceled", "failed", "paused"):
        broadcasts = await r.check(
            k, "GET", f"{C}/mobiledb/broadcasts", f"/mobiledb/broadcasts?status={status}"
        )
    await r.check(
        k,
        "GET",
        f"{C}/mobiledb/broadcasts/{{broadcast_id}}",
        f"/mobiledb/broadcasts/{broadcasts[0]['broadcast_id']}",
    )
    await _read_wallet_routes(r, k)
    await _read_wallet_design_routes(r, k)
    await r.check(k, "GET", f"{C}/sourcecodes", "/sourcecodes")
    await r.check(k, "GET", f"{C}/config/callbacks/", "/config/callbacks/")
    await _read_incentive_routes(r, k)
    assert subscriptions, "the seeded person should have subscription history"


async def _read_subscriber_routes(r: Caller, k: Contract, emulator: RunningEmulator) -> None:
    for person in emulator.control.persons():
        _, subs = await r.call("GET", f"/mobiledb/persons/{person['person_key']}/subscriptions")
        if subs and person["external_person_id"]:
            pk, list_id = person["person_key"], subs[0]["subscription_list"]["id"]
            ext = quote(person["external_person_id"], safe="")
            break
    else:
        pytest.fail("no seeded person has an active subscription")
    await r.check(
        k,
        "GET",
        f"{C}/mobiledb/persons/{{person_key}}/subscriptions/{{subscription_list_id}}",
        f"/mobiledb/persons/{pk}/subscriptions/{list_id}",
    )
    await r.check(
        k,
        "GET",
        f"{C}/mobiledb/persons/external/{{external_person_id}}/subscriptions/{{subscription_list_id}}",
        f"/mobiledb/persons/external/{ext}/subscriptions/{list_id}",
    )
    await r.check(
        k,
        "GET",
        f"{C}/mobiledb/subscription_lists/{{subscription_list_id}}/subscribers",
        f"/mobiledb/subscription_lists/{list_id}/subscribers?person_key={pk}",
    )


async def _read_wallet_routes(r: Caller, k: Contract) -> None:
    wallet = f"{C}/campaigns/wallet"
    campaigns = await r.check(k, "GET", wallet, "/campaigns/wallet")
    for campaign in campaigns:
        wallet_id = campaign["wallet_id"]
        status, items = await r.call("GET", f"/campaigns/wallet/{wallet_id}/items")
        if status == 200 and items:
            break
    else:
        pytest.fail("no seeded wallet campaign has items")
    await r.check(k, "GET", f"{wallet}/{{wallet_id}}", f"/campaigns/wallet/{wallet_id}")
    await r.check(k, "GET", f"{wallet}/{{wallet_id}}/items", f"/campaigns/wallet/{wallet_id}/items")
    await r.check(
        k,
        "GET",
        f"{wallet}/{{wallet_id}}/items/{{wallet_item_id}}",
        f"/campaigns/wallet/{wallet_id}/items/{items[0]['wallet_item_id']}",
    )
    messages = await r.check(
        k, "GET", f"{wallet}/{{wallet_id}}/messages", f"/campaigns/wallet/{wallet_id}/messages"
    )
    await r.check(
        k,
        "GET",
        f"{wallet}/{{wallet_id}}/messages/{{wallet_message_id}}",
        f"/campaigns/wallet/{wallet_id}/messages/{messages[0]['wallet_message_id']}",
    )


async def _read_wallet_design_routes(r: Caller, k: Contract) -> None:
    token = f"{C}/campaigns/wallet/{{token}}"
    _, campaigns = await r.call("GET", "/campaigns/wallet")
    wallet_id = sorted(c["wallet_id"] for c in campaigns)[0]  # seeded with every design
    locations = await r.check(
        k, "GET", f"{token}/locations", f"/campaigns/wallet/{wallet_id}/locations?page=2"
    )
    assert locations, "the seeded campaign should have a second page of locations"
    for kind in ("wallet_template", "passbook_template", "location_selector"):
        await r.check(k, "GET", f"{token}/{kind}", f"/campaigns/wallet/{wallet_id}/{kind}")


async def _write_wallet_design_routes(k: Contract, w: Caller, wallet_id: str) -> None:
    token = f"{C}/campaigns/wallet/{{token}}"
    bodies = {
        "wallet_template": {"title": "T", "issuer": "I", "logo": {"url": "u"}, "barcode": {}},
        "passbook_template": {"pass_description": "P", "colors": {}, "images": {}},
        "location_selector": {"header": {"title": "Find us"}, "include_zipcode": True},
    }
    for kind, body in bodies.items():
        path = f"/campaigns/wallet/{wallet_id}/{kind}"
        await w.check(k, "POST", f"{token}/{kind}", path, {kind: body}, expect=201)
        await w.check(k, "PUT", f"{token}/{kind}", path, {kind: body})


async def _read_incentive_routes(r: Caller, k: Contract) -> None:
    pools = await r.check(k, "GET", f"{C}/incentives/pools", "/incentives/pools")
    pool_id = pools[0]["id"]
    await r.check(
        k, "GET", f"{C}/incentives/pools/{{incentive_pool_id}}", f"/incentives/pools/{pool_id}"
    )
    for code in ("code", "code/issuances", "code/redemptions"):
        path = f"{C}/incentives/codes/{{incentive_code}}" + code.removeprefix("code")
        await r.check(k, "GET", path, "/incentives/codes/FREESHIPPING" + code.removeprefix("code"))


async def _write_incentive_routes(w: Caller, k: Contract) -> None:
    pools = f"{C}/incentives/pools"
    body = {
        "name": "Contract pool",
        "issuance_allowed": True,
        "redemption_allowed": True,
        "incentive_codes": {"low_threshold": 1, "max_characters": 12},
        "distribution": {"method": "multi"},
        "notification_email_address": "ops@example.com",
    }
    created = await w.check(k, "POST", pools, "/incentives/pools", body)
    await w.check(
        k, "PUT", f"{pools}/{{incentive_pool_id}}", f"/incentives/pools/{created['id']}", body
    )
    issued = await w.check(
        k,
        "POST",
        f"{pools}/{{issuance_pool_id}}/issuances",
        "/incentives/pools/302/issuances",
        {"external_issuee_id": "crm-contract", "referring_application": "broadcast"},
    )
    code = issued["incentive_code"]["code"]
    await w.check(
        k,
        "POST",
        f"{C}/incentives/codes/{{incentive_code}}/redemptions",
        f"/incentives/codes/{code}/redemptions",
        {"external_issuee_id": "crm-contract"},
    )


async def check_writes(k: Contract, w: Caller, people: list[dict[str, Any]]) -> None:
    await _write_incentive_routes(w, k)
    persons = f"{C}/mobiledb/persons"
    created = await w.check(
        k,
        "POST",
        f"{persons}/",
        "/mobiledb/persons/",
        {"mobile_phone": {"mdn": "+13125550190"}, "custom_fields": {"first_name": "Ada"}},
        expect=201,
    )
    pk = created["person_key"]
    await w.check(
        k,
        "PUT",
        f"{persons}/{{person_key}}",
        f"/mobiledb/persons/{pk}",
        {"custom_fields": {"last_name": "Lovelace"}},
    )
    external = f"{persons}/external/{{external_person_id}}"
    body = {"mobile_phone": {"mdn": "+13125550191"}, "custom_fields": {"first_name": "Bo"}}
    await w.check(k, "PUT", external, "/mobiledb/persons/external/crm-9", body, expect=201)
    await w.check(k, "PUT", external, "/mobiledb/persons/external/crm-9", {"custom_fields": {}})
    await _write_subscription_routes(k, w)
    await _write_campaign_routes(k, w)
    await _write_wallet_routes(k, w)
    await _write_callback_routes(k, w)
    await _event_campaign_and_device_routes(k, w, people)
    await w.check(
        k,
        "POST",
        f"{C}/events",
        "/events",
        {"event_type": "order_shipped", "event_data": {"order": "A1"}},
        expect=202,
    )


async def _write_subscription_routes(k: Contract, w: Caller) -> None:
    _, campaigns = await w.call("GET", "/campaigns/acquisition")
    for number, campaign in enumerate(campaigns):
        body = {"mobile_phone": {"mdn": f"+1312555{8000 + number:04d}"}}
        path = f"/campaigns/acquisition/{campaign['acquisition_id']}/participants"
        added = await w.check(
            k,
            "POST",
            f"{C}/campaigns/acquisition/{{acquisition_id}}/participants",
            path,
            body,
            expect=201,
        )
        if added and added.get("status") == "SUBSCRIBED":
            break
    persons = await w.call("GET", "/mobiledb/persons?mdn=" + quote(body["mobile_phone"]["mdn"]))
    pk = persons[1]["person_key"]
    status, subs = await w.call("GET", f"/mobiledb/persons/{pk}/subscriptions")
    assert status == 200 and subs, (status, subs)
    list_id = subs[0]["subscription_list"]["id"]
    status, _ = await w.call("DELETE", f"/mobiledb/persons/{pk}/subscriptions/{list_id}")
    if status != 204:
        w.problems.append(f"unsubscribe answered {status}, expected 204")


async def _write_campaign_routes(k: Contract, w: Caller) -> None:
    broadcasts = f"{C}/mobiledb/broadcasts"
    _, lists = await w.call("GET", "/mobiledb/subscription_lists")
    body = {
        "name": "Flash sale",
        "send_scheduled_date": "2031-02-16T17:30:00Z",
        "targeting": {
            "message_template": "Hi",
            "source_lists": [lists[0]["id"]],
            "channel": "SMS",
        },
    }
    created = await w.check(k, "POST", f"{broadcasts}/", "/mobiledb/broadcasts/", body, 201)
    path = f"/mobiledb/broadcasts/{created['broadcast_id']}"
    one = f"{broadcasts}/{{broadcast_id}}"
    await w.check(k, "PUT", one, path, body | {"name": "Renamed"})
    await w.check(k, "DELETE", one, path)


async def _write_wallet_routes(k: Contract, w: Caller) -> None:
    wallet = f"{C}/campaigns/wallet"
    body = {
        "campaign": {"name": "Spring", "type": "offer", "expiration_date": "2031-06-30T23:59:59Z"}
    }
    created = await w.check(k, "POST", wallet, "/campaigns/wallet", body, expect=201)
    await w.check(
        k,
        "PUT",
        f"{wallet}/{{wallet_id}}",
        f"/campaigns/wallet/{created['wallet_id']}",
        {"campaign": {"name": "Spring 2", "type": "offer"}},
    )
    await _write_wallet_design_routes(k, w, created["wallet_id"])
    _, campaigns = await w.call("GET", "/campaigns/wallet")
    for campaign in campaigns:
        wallet_id = campaign["wallet_id"]
        status, items = await w.call("GET", f"/campaigns/wallet/{wallet_id}/items")
        if status == 200 and items:
            break
    await w.check(
        k,
        "PUT",
        f"{wallet}/{{wallet_id}}/items/{{wallet_item_id}}",
        f"/campaigns/wallet/{wallet_id}/items/{items[0]['wallet_item_id']}",
        {"tokens": {"balance": "10"}, "group_code": "vip"},
    )
    await w.check(
        k,
        "POST",
        f"{wallet}/{{wallet_id}}/messages",
        f"/campaigns/wallet/{wallet_id}/messages",
        {"message": {"template": "Hi"}},
    )


async def _write_callback_routes(k: Contract, w: Caller) -> None:
    callbacks = f"{C}/config/callbacks"
    body = {
        "callback_type": "person_added",
        "destination": {"url": "https://example.com/hook", "method": "POST"},
    }
    created = await w.check(k, "POST", f"{callbacks}/", "/config/callbacks/", body, 201)
    path = f"/config/callbacks/{created['callback_id']}"
    one = f"{callbacks}/{{callback_id}}"
    await w.check(k, "GET", one, path)
    await w.check(k, "PUT", one, path, body | {"destination": {"url": "https://example.com/h2"}})
    await w.check(
        k,
        "POST",
        f"{C}/config/callback_events/test",
        "/config/callback_events/test",
        {"callback_type": "person_added"},
        expect=201,
    )
    await w.check(k, "DELETE", one, path)


def test_the_contract_itself_catches_wrong_shapes(contract: Contract) -> None:
    # Guards the harness: a $ref that failed to resolve would make every body "valid".
    person = f"{C}/mobiledb/persons/{{person_key}}"
    assert contract.errors("GET", person, 200, {"person_key": 5})
    assert contract.errors("GET", person, 200, {"mobile_phone": {"mdn": 14155550100}})
    assert not contract.errors("GET", person, 200, {"custom_fields": {"gender": {"id": None}}})
    subscriptions = f"{C}/mobiledb/persons/{{person_key}}/subscriptions"
    assert contract.errors("GET", subscriptions, 200, [{"opt_out_reason": "bored"}])
    assert not contract.errors("GET", subscriptions, 200, [{"opt_out_reason": None}])


async def _event_campaign_and_device_routes(
    k: Contract, w: Caller, persons: list[dict[str, Any]]
) -> None:
    campaigns = f"{C}/mobiledb/event_triggered_messages"
    body = event_campaign_body()
    made = await w.check(k, "POST", campaigns, "/mobiledb/event_triggered_messages", body, 202)
    one = f"{campaigns}/{{event_triggered_message_id}}"
    path = f"/mobiledb/event_triggered_messages/{made['event_triggered_message_id']}"
    await w.check(k, "GET", campaigns, "/mobiledb/event_triggered_messages?status=in_progress")
    await w.check(k, "GET", one, path)
    await w.check(k, "PUT", one, path, {**body, "name": "Shipped!"})
    await w.check(k, "DELETE", one, path)
    devices = f"{C}/mobiledb/persons/{{person_key}}/push_devices"
    external = f"{C}/mobiledb/persons/external/{{external_person_id}}/push_devices"
    found: list[Any] = []
    for person in persons:
        if not person["external_person_id"]:
            continue
        path = f"/mobiledb/persons/{person['person_key']}/push_devices"
        found = await w.check(k, "GET", devices, path)
        if found:
            ext = quote(person["external_person_id"], safe="")
            await w.check(k, "GET", external, f"/mobiledb/persons/external/{ext}/push_devices")
            break
    assert found, "no seeded person with an external id has a push device"
    app_id, device_id = found[0]["url"].split("/")[2::2]
    device = "/mobile_apps/{app_id}/devices/{vibes_device_id}"
    await w.check(k, "GET", device, f"/mobile_apps/{app_id}/devices/{device_id}")
    await w.check(
        k,
        "POST",
        device + "/assign",
        f"/mobile_apps/{app_id}/devices/{device_id}/assign",
        {"person_key": person["person_key"]},
    )
