"""Request bodies are held to the published request schemas (with FACTS' deviations), over
loopback: a wrong type is 422 in the envelope and nothing is stored; what Vibes documents as
accepted still is."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from tests.emulator.vibes_http import Api, error_messages
from vibes_emulator.request_schemas import DEVIATIONS
from vibes_emulator.request_validation import request_bodies
from vibes_emulator.testing import RunningEmulator

PERSONS = "/mobiledb/persons"
C = "/companies/{company_key}"


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    """Seeded, for conftest's ``api`` (each test writes, so each gets its own)."""
    with RunningEmulator(seed=60, seed_value=3) as running:
        yield running


async def first_item(api: Api, provider: str) -> tuple[str, dict[str, Any]]:
    _, campaigns, _ = await api.get("/campaigns/wallet")
    for campaign in campaigns:
        status, items, _ = await api.get(f"/campaigns/wallet/{campaign['wallet_id']}/items")
        for item in items if status == 200 else ():
            if item["provider"] == provider:
                return f"/campaigns/wallet/{campaign['wallet_id']}/items", item
    raise AssertionError(f"no seeded {provider} item")


@pytest.mark.parametrize("carrier", [["104"], {"code": "104"}, 104])
async def test_person_writes_with_a_wrong_type_are_422_and_store_nothing(
    api: Api, carrier: object
) -> None:
    mdn = "+13125550177"
    body = {"mobile_phone": {"mdn": mdn, "carrier_code": carrier}}
    status, answer, _ = await api.call("POST", PERSONS + "/", json=body)
    assert status == 422
    assert any("mobile_phone.carrier_code" in m for m in error_messages(answer))
    assert (await api.get(f"{PERSONS}?mdn={quote(mdn)}"))[0] == 404

    status, person, _ = await api.call("POST", PERSONS + "/", json={"mobile_phone": {"mdn": mdn}})
    assert status == 201
    path = f"{PERSONS}/{person['person_key']}"
    status, answer, _ = await api.call(
        "PUT", path, json={"mobile_phone": {"carrier_code": carrier}}
    )
    assert status == 422, answer
    assert (await api.get(path))[1] == person


async def test_every_problem_of_a_body_comes_back_in_one_answer(api: Api) -> None:
    body = {"external_person_id": 7, "mobile_phone": "+13125550100", "custom_fields": []}
    status, answer, _ = await api.call("POST", PERSONS + "/", json=body)
    assert status == 422
    assert sorted(m.split(":")[0] for m in error_messages(answer)) == [
        "custom_fields",
        "external_person_id",
        "mobile_phone",
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"locations": [{"latitude": "north", "longitude": -85.0}]},
        {"locations": [{"latitude": 43.6, "longitude": {"deg": 85}}]},
        {"passbook": {"notification": 952}},
        {"tokens": {"balance": {"value": "10"}}},
        {"google_wallet": {"messages": {"header": ["x"]}}},
    ],
    ids=["latitude-text", "longitude-object", "notification-number", "token-object", "header"],
)
async def test_wallet_item_updates_with_a_wrong_type_are_refused(
    api: Api, body: dict[str, Any]
) -> None:
    items, item = await first_item(api, "passbook")
    path = f"{items}/{item['wallet_item_id']}"
    status, answer, _ = await api.call("PUT", path, json=body)
    assert status == 422
    error_messages(answer)
    assert (await api.get(path))[1] == item


async def test_broadcast_filters_must_have_the_published_shape(api: Api) -> None:
    _, lists, _ = await api.get("/mobiledb/subscription_lists")
    targeting = {"message_template": "Hi", "source_lists": [lists[0]["id"]], "channel": "sms"}
    body = {"name": "Sale", "send_scheduled_date": "2031-02-16T17:30:00Z", "targeting": targeting}
    _, before, _ = await api.get("/mobiledb/broadcasts")
    for filters in ([1, 2], [{"name": 5}], [{"name": "zip", "value": "60601"}], {"a": 1}):
        status, answer, _ = await api.call(
            "POST",
            "/mobiledb/broadcasts/",
            json={**body, "targeting": {**targeting, "filters": filters}},
        )
        assert status == 422, (filters, answer)
    assert (await api.get("/mobiledb/broadcasts"))[1] == before
    ok = {**targeting, "filters": [{"name": "zip", "selector": "in", "value": ["60601"]}]}
    assert (await api.call("POST", "/mobiledb/broadcasts/", json={**body, "targeting": ok}))[
        0
    ] == 201


@pytest.mark.parametrize("path", ["/config/callbacks/", "/config/callback_events/test"])
@pytest.mark.parametrize("kind", [{}, [], 5, None, "no_such_type"])
async def test_a_malformed_callback_type_is_422_never_a_server_error(
    api: Api, path: str, kind: object
) -> None:
    body = {"callback_type": kind, "destination": {"url": "https://example.com/hook"}}
    status, answer, _ = await api.call("POST", path, json=body)
    assert status == 422, answer
    error_messages(answer)


async def test_what_facts_documents_as_accepted_still_is(api: Api) -> None:
    # §3.1: event_type is the deprecated alias of callback_type.
    hook = {"event_type": "person_added", "destination": {"url": "https://example.com/h"}}
    status, created, _ = await api.call("POST", "/config/callbacks/", json=hook)
    assert (status, created["callback_type"]) == (201, "person_added")
    # §2.11: event_data holds any JSON besides its recipient.
    event = {"event_type": "shipped", "event_data": {"mdn": "+13125550100", "items": [{"n": 2}]}}
    assert (await api.call("POST", "/events", json=event))[0] == 202
    # §8.10: single-select custom fields take an option object; §1.7: null clears.
    body = {
        "mobile_phone": {"mdn": "+13125550188", "carrier_code": None},
        "custom_fields": {"gender": {"option_key": "female"}, "first_name": None},
    }
    status, person, _ = await api.call("POST", PERSONS + "/", json=body)
    assert status == 201, person
    assert person["custom_fields"]["gender"]["option_key"] == "female"
    # §8.3: the documentation's capitalised wallet campaign type.
    campaign = {"campaign": {"name": "Card", "type": "Loyalty"}}
    assert (await api.call("POST", "/campaigns/wallet", json=campaign))[0] == 201
    # §2.8: the older wallet message filter forms.
    items, _ = await first_item(api, "passbook")
    message = {
        "message": {"template": "Hi"},
        "filters": [
            {"name": "providers", "selector": "any", "value": ["Passbook"]},
            {
                "name": "expiration_date",
                "selector": "between",
                "value": ["2030-01-01", "2031-01-01"],
            },
        ],
    }
    status, sent, _ = await api.call("POST", items.replace("/items", "/messages"), json=message)
    assert status == 200, sent
    # §1.7, §2.7: null clears wallet item fields.
    items, item = await first_item(api, "passbook")
    path = f"{items}/{item['wallet_item_id']}"
    status, updated, _ = await api.call("PUT", path, json={"passbook": None, "group_code": None})
    assert (status, updated["passbook"], updated["group_code"]) == (200, None, None)


async def test_provider_blocks_keep_their_documented_fields(api: Api) -> None:
    items, item = await first_item(api, "passbook")
    path = f"{items}/{item['wallet_item_id']}"
    status, updated, _ = await api.call(
        "PUT", path, json={"passbook": {"notification": "Hi", "x": 1}}
    )
    assert (status, updated["passbook"]) == (200, {"notification": "Hi"})
    # Clearing the block's only field clears the block, as Vibes prints an unset one: null.
    status, updated, _ = await api.call("PUT", path, json={"passbook": {"notification": None}})
    assert (status, updated["passbook"]) == (200, None)
    assert (await api.call("PUT", path, json={"group_code": {"vip": True}}))[0] == 422
    items, item = await first_item(api, "google_wallet")
    path = f"{items}/{item['wallet_item_id']}"
    block = {"messages": {"header": "New", "body": None, "footer": "x"}}
    status, updated, _ = await api.call("PUT", path, json={"google_wallet": block})
    assert (status, updated["google_wallet"]) == (200, {"messages": {"header": "New"}})


async def test_provider_blocks_appear_only_on_their_provider(api: Api) -> None:
    _, apple = await first_item(api, "passbook")
    _, google = await first_item(api, "google_wallet")
    assert "passbook" in apple and "google_wallet" not in apple
    assert "google_wallet" in google and "passbook" not in google


def test_the_published_request_schemas_are_what_bodies_are_held_to() -> None:
    bodies = request_bodies()
    person = f"{C}/mobiledb/persons/{{person_key}}"
    assert bodies.problems("PUT", person, {"mobile_phone": {"carrier_code": []}})
    assert not bodies.problems("PUT", person, {"mobile_phone": {"carrier_code": "104"}})
    assert bodies.problems("POST", f"{C}/events", {"event_type": "x"})  # event_data required
    # No operation is left unchecked for lack of a schema.
    writes = {key for key in bodies.validators if key[0] in ("POST", "PUT")}
    assert len(writes) == 28
    assert all(deviation.source.startswith("§") for deviation in DEVIATIONS)


async def test_active_only_must_be_a_boolean(api: Api, emulator: RunningEmulator) -> None:
    key = emulator.control.persons()[0]["person_key"]
    path = f"{PERSONS}/{key}/subscriptions"
    assert (await api.get(path + "?active_only=false"))[0] == 200
    status, body, _ = await api.get(path + "?active_only=3.5")
    assert status == 400 and "active_only" in error_messages(body)[0]
