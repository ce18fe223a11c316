"""Subscriptions, lists and acquisition participants in the store (no HTTP)."""

from __future__ import annotations

from typing import Any

import pytest

from vibes_emulator.errors import ApiError
from vibes_emulator.store import ManualClock, Store
from vibes_emulator.store.seed import BLOCKED_MDN

CK = "demo"


def _campaign(store: Store, *, confirmation: bool) -> dict[str, Any]:
    for campaign in store.acquisitions.listing(CK):
        record = store.core.company(CK).tables["acquisition"][campaign["acquisition_id"]]
        if record["requires_confirmation"] is confirmation:
            return record
    raise AssertionError("seed has no such campaign")


def _new_person(store: Store, mdn: str = "+13125550123") -> dict[str, Any]:
    return store.persons.create(CK, {"mobile_phone": {"mdn": mdn}, "external_person_id": "t-1"}, 2)[
        1
    ]


def test_participant_without_confirmation_is_subscribed_then_409(store: Store) -> None:
    campaign = _campaign(store, confirmation=False)
    body = {"mobile_phone": {"mdn": "+13125550123"}, "custom_fields": {"first_name": "Kim"}}
    status, added = store.acquisitions.add_participant(CK, campaign["acquisition_id"], body, 2)
    assert (status, added["status"]) == (201, "SUBSCRIBED")
    key = added["person"]["person_key"]
    subs = store.subscriptions.of_person(CK, key, external=False, active_only=True, version=2)
    assert [s["subscription_list"]["id"] for s in subs] == [campaign["list_id"]]
    assert store.persons.get(CK, key, 2)["custom_fields"]["first_name"] == "Kim"
    with pytest.raises(ApiError) as error:
        store.acquisitions.add_participant(CK, campaign["acquisition_id"], body, 2)
    assert error.value.status == 409


def test_participant_with_confirmation_is_pending_then_200_and_searchable(store: Store) -> None:
    campaign = _campaign(store, confirmation=True)
    acquisition_id = campaign["acquisition_id"]
    person = _new_person(store)
    status, added = store.acquisitions.add_participant(
        CK, acquisition_id, {"person_key": person["person_key"]}, 2
    )
    assert (status, added["status"]) == (201, "PENDING")
    status, again = store.acquisitions.add_participant(
        CK, acquisition_id, {"external_person_id": "t-1"}, 2
    )
    assert status == 200
    assert again["participation_date"] == added["participation_date"]
    found = store.acquisitions.search(CK, acquisition_id, {"mdn": "+13125550123"}, 2)
    assert [f["person"]["person_id"] for f in found] == [person["person_id"]]
    assert store.acquisitions.search(CK, acquisition_id, {"mdn": "+13125550124"}, 2) == []


def test_pending_participation_expires(store: Store, clock: ManualClock) -> None:
    acquisition_id = _campaign(store, confirmation=True)["acquisition_id"]
    _new_person(store)
    store.acquisitions.add_participant(
        CK, acquisition_id, {"mobile_phone": {"mdn": "+13125550123"}}, 2
    )
    clock.advance(25 * 3600)
    assert store.acquisitions.search(CK, acquisition_id, {"external_person_id": "t-1"}, 2) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"mobile_phone": {"mdn": BLOCKED_MDN}}, "MDNHASCONFIRMATIONBLOCK"),
        (
            {"mobile_phone": {"mdn": "+13125550123"}, "external_person_id": "someone-else"},
            "EXTERNALPERSONIDMISMATCH",
        ),
        (
            {"mobile_phone": {"mdn": "+13125550188"}, "custom_fields": {"nope": 1}},
            "Custom field nope does not exist",
        ),
    ],
)
def test_participant_422_cases(store: Store, body: dict[str, Any], message: str) -> None:
    _new_person(store)
    acquisition_id = _campaign(store, confirmation=True)["acquisition_id"]
    with pytest.raises(ApiError) as error:
        store.acquisitions.add_participant(CK, acquisition_id, body, 2)
    assert error.value.status == 422
    assert message in error.value.messages


def test_unsubscribe_then_resubscribe_keeps_two_records(store: Store) -> None:
    campaign = _campaign(store, confirmation=False)
    person = _new_person(store)
    key, list_id = person["person_key"], campaign["list_id"]
    store.acquisitions.add_participant(CK, campaign["acquisition_id"], {"person_key": key}, 2)
    store.subscriptions.unsubscribe(CK, key, list_id, external=False, version=2)
    with pytest.raises(ApiError) as error:
        store.subscriptions.unsubscribe(CK, key, list_id, external=False, version=2)
    assert error.value.status == 404
    assert store.subscriptions.of_person(CK, key, external=False, active_only=True, version=2) == []
    store.acquisitions.add_participant(CK, campaign["acquisition_id"], {"person_key": key}, 2)
    history = store.subscriptions.of_person(CK, "t-1", external=True, active_only=False, version=2)
    assert len(history) == 2
    assert history[0]["opt_out_reason"] == "api_opt_out"
    assert history[1]["opt_out_date"] is None


def test_subscriber_check_and_list_lookups(store: Store) -> None:
    state = store.core.company(CK)
    sub = next(s for s in state.tables["subscription"].values() if s["opt_out_date"] is None)
    person = state.tables["person"][sub["person_key"]]
    found = store.subscriptions.subscriber(CK, sub["list_id"], {"mdn": person["mdn"]}, 2)
    assert found["person_key"] == person["person_key"]
    outsider = _new_person(store)
    with pytest.raises(ApiError) as error:
        store.subscriptions.subscriber(
            CK, sub["list_id"], {"person_key": outsider["person_key"]}, 2
        )
    assert error.value.status == 404
    with pytest.raises(ApiError) as error:
        store.subscriptions.get_list(CK, "999999")
    assert error.value.status == 404
    assert len(store.subscriptions.lists(CK)) == 6


def test_acquisition_list_shows_only_active_campaigns(store: Store) -> None:
    listed = store.acquisitions.listing(CK)
    assert {c["status"] for c in listed} == {"active"}
    all_ids = set(store.core.company(CK).tables["acquisition"])
    assert len(listed) < len(all_ids)
    store.reset()
    with pytest.raises(ApiError) as error:
        store.acquisitions.listing(CK)
    assert error.value.status == 404


def test_version_1_hides_international_subscribers(store: Store) -> None:
    state = store.core.company(CK)
    sub = next(
        s
        for s in state.tables["subscription"].values()
        if s["opt_out_date"] is None
        and not state.tables["person"][s["person_key"]]["mdn"].startswith("+1")
    )
    query = {"person_key": sub["person_key"]}
    assert (
        store.subscriptions.subscriber(CK, sub["list_id"], query, 2)["person_key"]
        == sub["person_key"]
    )
    with pytest.raises(ApiError) as error:
        store.subscriptions.subscriber(CK, sub["list_id"], query, 1)
    assert error.value.status == 404
    with pytest.raises(ApiError) as error:
        store.subscriptions.of_person(
            CK, sub["person_key"], external=False, active_only=True, version=1
        )
    assert error.value.status == 404


def test_participant_cannot_take_another_persons_mdn(store: Store) -> None:
    _new_person(store)
    _, bare = store.persons.create(CK, {"external_person_id": "no-phone"}, 2)
    acquisition_id = _campaign(store, confirmation=True)["acquisition_id"]
    body = {"person_key": bare["person_key"], "mobile_phone": {"mdn": "+13125550123"}}
    with pytest.raises(ApiError) as error:
        store.acquisitions.add_participant(CK, acquisition_id, body, 2)
    assert error.value.status == 409
    status, added = store.acquisitions.add_participant(
        CK,
        acquisition_id,
        {"person_key": bare["person_key"], "mobile_phone": {"mdn": "+13125550124"}},
        2,
    )
    assert (status, added["status"]) == (201, "PENDING")
    assert store.persons.find_by_mdn(CK, "+13125550124", 2)["person_key"] == bare["person_key"]
