"""Person rules of the store (no HTTP): upserts, null semantics, MDN versions, custom fields."""

from __future__ import annotations

import pytest

from vibes_emulator.errors import ApiError
from vibes_emulator.store import ManualClock, Store

CK = "demo"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=1_750_000_000.25)


@pytest.fixture
def store(clock: ManualClock) -> Store:
    return Store.open(None, clock=clock)


def _status(error: pytest.ExceptionInfo[ApiError]) -> int:
    return error.value.status


def test_create_then_same_mdn_merges_with_200_and_keeps_unspecified_fields(store: Store) -> None:
    body = {
        "mobile_phone": {"mdn": "+13125550100"},
        "custom_fields": {"first_name": "Ann", "last_name": "Lee"},
    }
    status, created = store.persons.create(CK, body, 2)
    assert status == 201
    status, merged = store.persons.create(
        CK, {"mobile_phone": {"mdn": "+13125550100"}, "custom_fields": {"first_name": "Anna"}}, 2
    )
    assert status == 200
    assert merged["person_key"] == created["person_key"]
    assert merged["custom_fields"] == {"first_name": "Anna", "last_name": "Lee"}


def test_create_conflicts_when_external_id_belongs_to_another_person(store: Store) -> None:
    store.persons.create(
        CK, {"external_person_id": "a-1", "mobile_phone": {"mdn": "+13125550100"}}, 2
    )
    store.persons.create(
        CK, {"external_person_id": "b-2", "mobile_phone": {"mdn": "+13125550101"}}, 2
    )
    with pytest.raises(ApiError) as error:
        store.persons.create(
            CK, {"external_person_id": "b-2", "mobile_phone": {"mdn": "+13125550100"}}, 2
        )
    assert _status(error) == 409
    with pytest.raises(ApiError) as error:
        store.persons.create(CK, {"external_person_id": "a-1"}, 2)
    assert _status(error) == 409


def test_put_null_clears_omitted_keeps_and_mdn_is_immutable(store: Store) -> None:
    _, person = store.persons.create(
        CK,
        {
            "mobile_phone": {"mdn": "+13125550100"},
            "custom_fields": {"first_name": "Ann", "email": "a@x.io"},
        },
        2,
    )
    key = person["person_key"]
    _, updated = store.persons.update(CK, key, {"custom_fields": {"email": None}}, 2)
    assert updated["custom_fields"] == {"first_name": "Ann", "email": None}
    with pytest.raises(ApiError) as error:
        store.persons.update(CK, key, {"mobile_phone": {"mdn": "+13125550199"}}, 2)
    assert _status(error) == 409
    _, cleared = store.persons.update(CK, key, {"mobile_phone": {"mdn": None}}, 2)
    assert cleared["mobile_phone"]["mdn"] is None
    assert store.persons.get(CK, key, 2)["custom_fields"]["first_name"] == "Ann"


def test_put_by_external_id_adds_then_updates(store: Store) -> None:
    status, created = store.persons.upsert_external(
        CK, "crm 1/x", {"custom_fields": {"first_name": "Bo"}}, 2
    )
    assert status == 201
    assert created["external_person_id"] == "crm 1/x"
    status, updated = store.persons.upsert_external(
        CK, "crm 1/x", {"custom_fields": {"last_name": "Ek"}}, 2
    )
    assert status == 200
    assert updated["person_key"] == created["person_key"]
    assert updated["custom_fields"] == {"first_name": "Bo", "last_name": "Ek"}


def test_updated_at_moves_on_every_change_but_created_at_never(
    store: Store, clock: ManualClock
) -> None:
    _, person = store.persons.create(CK, {"mobile_phone": {"mdn": "+13125550100"}}, 2)
    key = person["person_key"]
    stamps = [person["updated_at"]]
    for name in ("A", "B", "C"):  # same wall-clock second: the stamp still moves
        _, person = store.persons.update(CK, key, {"custom_fields": {"first_name": name}}, 2)
        stamps.append(person["updated_at"])
    assert stamps == sorted(set(stamps))
    assert person["created_at"] == stamps[0]
    # A write that changes nothing leaves updated_at alone (idempotent retries).
    _, again = store.persons.update(CK, key, {"custom_fields": {"first_name": "C"}}, 2)
    assert again["updated_at"] == stamps[-1]
    clock.advance(3600)
    _, later = store.persons.update(CK, key, {"custom_fields": {"first_name": "D"}}, 2)
    assert later["updated_at"] > stamps[-1]
    assert len(later["updated_at"]) == len("2017-04-24T14:33:21Z")


def test_version_1_refuses_e164_and_hides_international_persons(store: Store) -> None:
    with pytest.raises(ApiError) as error:
        store.persons.create(CK, {"mobile_phone": {"mdn": "+13125550100"}}, 1)
    assert _status(error) == 422
    assert "Invalid MDN format" in error.value.messages
    _, person = store.persons.create(CK, {"mobile_phone": {"mdn": "3125550100"}}, 1)
    assert person["mobile_phone"]["mdn"] == "3125550100"
    assert store.persons.get(CK, person["person_key"], 2)["mobile_phone"]["mdn"] == "+13125550100"
    with pytest.raises(ApiError) as error:
        store.persons.create(CK, {"mobile_phone": {"mdn": "3125550100"}}, 2)
    assert _status(error) == 422
    _, uk = store.persons.create(CK, {"mobile_phone": {"mdn": "+447700900123"}}, 2)
    with pytest.raises(ApiError) as error:
        store.persons.get(CK, uk["person_key"], 1)
    assert _status(error) == 404
    with pytest.raises(ApiError) as error:
        store.persons.find_by_mdn(CK, "447700900123", 1)
    assert error.value.messages == ["CountryNotSupported"]


@pytest.mark.parametrize(
    "raw", [" 13125550100", "+1312", "+1312555010012345", "+1-312-555", "", "+0123456789"]
)
def test_mdn_query_with_bad_format_is_400(store: Store, raw: str) -> None:
    with pytest.raises(ApiError) as error:
        store.persons.find_by_mdn(CK, raw, 2)
    assert _status(error) == 400


def test_lookup_by_deprecated_person_id_and_missing_mdn(store: Store) -> None:
    _, person = store.persons.create(CK, {"mobile_phone": {"mdn": "+13125550100"}}, 2)
    assert store.persons.get(CK, person["person_id"], 2)["person_key"] == person["person_key"]
    with pytest.raises(ApiError) as error:
        store.persons.find_by_mdn(CK, None, 2)
    assert _status(error) == 404


def test_custom_fields_come_back_typed_and_accept_key_or_name(store: Store) -> None:
    body = {
        "mobile_phone": {"mdn": "+13125550100"},
        "custom_fields": {
            "birthdate": "1990-12-01",
            "gender": "Female",
            "loyalty_tier": "gold",
            "interests": ["music", "Travel"],
        },
    }
    _, person = store.persons.create(CK, body, 2)
    fields = person["custom_fields"]
    assert fields["birthdate"] == "1990-12-01T00:00:00Z"
    assert fields["gender"] == {"id": "2", "name": "Female", "option_key": "female", "active": True}
    assert fields["loyalty_tier"]["option_key"] == "gold"
    assert [o["option_key"] for o in fields["interests"]] == ["music", "travel"]
    _, person = store.persons.update(
        CK, person["person_key"], {"custom_fields": {"interests": []}}, 2
    )
    assert person["custom_fields"]["interests"] == []


def test_unknown_or_invalid_custom_fields_are_422_listing_each_and_change_nothing(
    store: Store,
) -> None:
    _, person = store.persons.create(CK, {"mobile_phone": {"mdn": "+13125550100"}}, 2)
    body = {"custom_fields": {"shoe_size": "9", "hat": "x", "gender": "robot", "first_name": "Z"}}
    with pytest.raises(ApiError) as error:
        store.persons.update(CK, person["person_key"], body, 2)
    assert _status(error) == 422
    assert len(error.value.messages) == 3
    assert any("shoe_size" in m for m in error.value.messages)
    assert store.persons.get(CK, person["person_key"], 2)["custom_fields"] == {}
    with pytest.raises(ApiError) as error:
        store.persons.upsert_external(CK, "x", {"custom_fields": {"shoe_size": "9"}}, 2)
    assert _status(error) == 422


def test_new_person_needs_an_mdn_or_external_id(store: Store) -> None:
    with pytest.raises(ApiError) as error:
        store.persons.create(CK, {"custom_fields": {"first_name": "Nobody"}}, 2)
    assert _status(error) == 422
