"""Person routes over loopback: upserts, MDN versions, query encoding, custom fields."""

from __future__ import annotations

from urllib.parse import quote

import aiohttp

from tests.emulator.vibes_http import Api, error_messages, unthrottled
from vibes_emulator.testing import RunningEmulator

PERSONS = "/mobiledb/persons"


async def test_post_person_201_then_200_same_mdn_then_409(api: Api) -> None:
    body = {
        "external_person_id": "crm-1",
        "mobile_phone": {"mdn": "+13125550100"},
        "custom_fields": {"first_name": "Ann"},
    }
    status, created, _ = await api.call("POST", PERSONS + "/", json=body)
    assert status == 201
    assert created["url"] == f"/companies/demo/mobiledb/persons/{created['person_key']}"
    status, merged, _ = await api.call(
        "POST",
        PERSONS,
        json={"mobile_phone": {"mdn": "+13125550100"}, "custom_fields": {"last_name": "Lee"}},
    )
    assert status == 200
    assert merged["custom_fields"] == {"first_name": "Ann", "last_name": "Lee"}
    other = {"external_person_id": "crm-2", "mobile_phone": {"mdn": "+13125550101"}}
    assert (await api.call("POST", PERSONS, json=other))[0] == 201
    status, body, _ = await api.call(
        "POST",
        PERSONS,
        json={"external_person_id": "crm-2", "mobile_phone": {"mdn": "+13125550100"}},
    )
    assert status == 409
    assert error_messages(body)


async def test_lookups_by_key_id_external_and_mdn_in_both_slash_forms(api: Api) -> None:
    external = "acct/7 ab+c@crm"
    _, created, _ = await api.call(
        "PUT",
        f"{PERSONS}/external/{quote(external, safe='')}",
        json={"mobile_phone": {"mdn": "+447700900123"}},
    )
    key = created["person_key"]
    for path in (
        f"{PERSONS}/{key}",
        f"{PERSONS}/{key}/",
        f"{PERSONS}/{created['person_id']}",
        f"{PERSONS}/external/{quote(external, safe='')}",
        f"{PERSONS}?mdn=%2B447700900123",
        f"{PERSONS}/?mdn=%2B447700900123",
    ):
        status, person, _ = await api.get(path)
        assert (status, person["person_key"]) == (200, key), path
        assert person["external_person_id"] == external
    status, body, _ = await api.get(f"{PERSONS}?mdn=+447700900123")
    assert status == 400
    assert error_messages(body) == ["Invalid MDN format"]
    assert (await api.get(PERSONS))[0] == 404
    assert (await api.get(f"{PERSONS}?mdn=%2B13125559999"))[0] == 404
    assert (await api.get(f"{PERSONS}/no-such-person"))[0] == 404


async def test_api_version_1_is_the_default_and_speaks_ten_digit_mdns(api: Api) -> None:
    status, body, _ = await api.call(
        "POST", PERSONS, json={"mobile_phone": {"mdn": "+13125550100"}}, version=None
    )
    assert status == 422
    assert "Invalid MDN format" in error_messages(body)
    status, created, _ = await api.call(
        "POST", PERSONS, json={"mobile_phone": {"mdn": "3125550100"}}, version=None
    )
    assert status == 201
    assert created["mobile_phone"]["mdn"] == "3125550100"
    _, v2, _ = await api.get(f"{PERSONS}/{created['person_key']}", version=2)
    assert v2["mobile_phone"]["mdn"] == "+13125550100"
    assert (await api.get(f"{PERSONS}?mdn=3125550100", version=1))[0] == 200
    assert (await api.get(f"{PERSONS}?mdn=3125550100", version=2))[0] == 400
    _, uk, _ = await api.call(
        "POST", PERSONS, json={"mobile_phone": {"mdn": "+447700900123"}}, version=2
    )
    assert (await api.get(f"{PERSONS}/{uk['person_key']}", version=1))[0] == 404
    status, body, _ = await api.get(f"{PERSONS}?mdn=447700900123", version=1)
    assert status == 404
    assert error_messages(body) == ["CountryNotSupported"]


async def test_put_semantics_null_clears_omitted_keeps_mdn_immutable(api: Api) -> None:
    body = {
        "mobile_phone": {"mdn": "+13125550100"},
        "custom_fields": {"first_name": "Ann", "email": "a@x.io"},
    }
    _, created, _ = await api.call("POST", PERSONS, json=body)
    path = f"{PERSONS}/{created['person_key']}"
    status, updated, _ = await api.call(
        "PUT", path, json={"custom_fields": {"email": None, "gender": "female"}}
    )
    assert status == 200
    assert updated["custom_fields"]["first_name"] == "Ann"
    assert updated["custom_fields"]["email"] is None
    assert updated["custom_fields"]["gender"]["option_key"] == "female"
    assert (await api.call("PUT", path, json={"mobile_phone": {"mdn": "+13125550111"}}))[0] == 409
    _, cleared, _ = await api.call("PUT", path + "/", json={"mobile_phone": {"mdn": None}})
    assert cleared["mobile_phone"]["mdn"] is None


async def test_put_by_external_id_adds_then_updates(api: Api) -> None:
    path = f"{PERSONS}/external/crm-9"
    status, created, _ = await api.call("PUT", path, json={"custom_fields": {"first_name": "Bo"}})
    assert (status, created["external_person_id"]) == (201, "crm-9")
    status, updated, _ = await api.call("PUT", path, json={"custom_fields": {"last_name": "Ek"}})
    assert status == 200
    assert updated["person_key"] == created["person_key"]


async def test_unknown_custom_fields_and_bad_bodies_are_refused(api: Api) -> None:
    status, body, _ = await api.call(
        "POST",
        PERSONS,
        json={"mobile_phone": {"mdn": "+13125550100"}, "custom_fields": {"shoe": "9", "hat": "x"}},
    )
    assert status == 422
    assert len(error_messages(body)) == 2
    status, body, _ = await api.call("POST", PERSONS, data=b"{not json")
    assert status == 400
    assert error_messages(body)
    assert (await api.get(f"{PERSONS}?mdn=%2B13125550100"))[0] == 404  # nothing was created


async def test_seeded_person_custom_fields_are_typed_as_vibes_shows_them(
    seeded_emulator: RunningEmulator,
) -> None:
    async with aiohttp.ClientSession() as session:
        api = Api(session, unthrottled(seeded_emulator))
        types: set[str] = set()
        for entry in seeded_emulator.control.persons()[:60]:
            status, person, _ = await api.get(f"{PERSONS}/{entry['person_key']}")
            assert status == 200
            assert person["updated_at"].endswith("Z") and len(person["updated_at"]) == 20
            for value in person["custom_fields"].values():
                types.add(type(value).__name__)
            gender = person["custom_fields"].get("gender")
            if isinstance(gender, dict):
                assert set(gender) == {"id", "name", "option_key", "active"}
        assert {"str", "dict", "list", "NoneType"} <= types
