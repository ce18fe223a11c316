"""The tap's journal source: Vibes' payload shapes (FACTS §3.4, §8.8, §8.9) become records,
read after a bookmark position, nothing skipped and nothing repeated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tap_vibes.sources.callback_journal import SOURCES, read_changes
from vibes_api.values import e164_or_as_is
from vibes_callbacks.journal import Journal

SCHEMAS = Path(__file__).resolve().parents[2] / "tap_vibes" / "schemas"

# Shapes from Vibes' own examples (FACTS §3.4), trimmed.
PERSON_ADDED = {
    "event_id": "p-1",
    "callback_type": "person_added",
    "event_type": "person_added",
    "event_date": "2017-03-15T15:42:23Z",
    "person": {
        "person_id": "12344566",
        "external_person_id": "542342",
        "mobile_phone": {"mdn": "2995551234", "carrier_code": "104"},  # registered under v1
        "custom_fields": {"favorite_stores": [{"id": "4", "name": "My Hardware Store"}]},
        "created_at": "2017-01-15T14:30Z",
        "updated_at": "2017-02-18T19:30Z",
        "url": "/companies/:company_key/mobiledb/persons/:person_id",
    },
}
SUBSCRIPTION_ADDED = {
    "event_id": "s-1",
    "callback_type": "subscription_added",
    "event_type": "subscription_added",
    "event_date": "2017-03-15T15:42:23Z",
    "subscription": {
        "person": {
            "id": "ABC123",
            "external_id": "ex1234",
            "url": "/companies/:company_key/mobiledb/persons/ABC123",
            "mobile_phone": {"mdn": "+12995551234"},
        },
        "subscription_list": {
            "id": "1234",
            "url": "/companies/ck/mobiledb/subscription_lists/1234",
        },
        "opt_in_date": "2017-01-15T15:34:52Z",
    },
}
SUBSCRIPTION_REMOVED = {
    "event_id": "s-2",
    "callback_type": "subscription_removed",
    "event_date": "2018-07-09T23:55:00.000Z",
    "subscription": {
        **SUBSCRIPTION_ADDED["subscription"],
        "person": {"person_key": "ABC123", "external_person_id": "ex1234"},
        "opt_out_date": "2018-07-09T23:55:00.000Z",
        "opt_out_reason": "user_opt_out",
    },
}
PARTICIPANT_CHANGED = {  # Vibes' example, with its callback_type/event_type disagreement (§8.8)
    "event_id": "a-1",
    "callback_type": "ack_participant_added",
    "event_type": "ack_participant_changed",
    "event_date": "2017-03-15T15:42:23Z",
    "participant": {
        "person": {
            "id": "AB3423",
            "external_id": "ex123",
            "mobile_phone": {"mdn": "+12995551234"},
            "url": "/companies/:company_key/mobiledb/persons/AB3423",
        },
        "acquisition_campaign": {"id": "C1323542", "description": "Great", "keyword": "JOIN"},
        "participation_date": "2017-01-14T14:30Z",
        "expire_date": "2017-01-15T14:30Z",
        "status": "CONFIRMED",
    },
}
WALLET_INSTALL = {
    "event_id": "w-1",
    "event_type": "wallet_item_install",
    "event_date": "2018-05-07T15:27:33.664Z",
    "wallet_instance": {
        "registered_at": "2017-01-14T14:30Z",
        "unregistered_at": None,
        "wallet_instance_uid": "ec5035b8",
        "provider": "google",
    },
    "wallet_item": {"uuid": "item-uuid", "tokens": {"first_name": "Calrissian"}},
    "wallet_campaign": {"wallet_campaign_uid": "cc2ba6ca", "token": "r3zhm8"},
}
ALL = [PERSON_ADDED, SUBSCRIPTION_ADDED, SUBSCRIPTION_REMOVED, PARTICIPANT_CHANGED, WALLET_INSTALL]


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    path = tmp_path / "journal.db"
    with Journal(path) as journal:
        journal.append_many(ALL)
    return path


def _validate(stream: str, record: dict[str, Any]) -> None:
    schema = json.loads((SCHEMAS / f"{stream}.json").read_text())
    jsonschema.validate(record, schema)


def test_person_events_become_persons_with_a_key_and_e164(journal_path: Path) -> None:
    (person,) = read_changes(journal_path, "persons")
    assert person["person_key"] == "12344566"  # no person_key, placeholder url: person_id
    assert person["mobile_phone"]["mdn"] == "+12995551234"
    assert person["custom_fields"]["favorite_stores"][0]["name"] == "My Hardware Store"
    assert (person["journal_position"], person["event_id"]) == (1, "p-1")
    _validate("persons", person)


def test_both_identifier_shapes_become_subscribers(journal_path: Path) -> None:
    added, removed = read_changes(journal_path, "subscribers")
    for record in (added, removed):
        assert (record["person_key"], record["subscription_list_id"]) == ("ABC123", "1234")
        assert record["person"]["external_person_id"] == "ex1234"
        assert record["opt_in_date"] == "2017-01-15T15:34:52Z"
        _validate("subscribers", record)
    assert added["active"] is True and added["opt_out_date"] is None
    assert removed["active"] is False and removed["opt_out_reason"] == "user_opt_out"


def test_participants_carry_campaign_person_and_status(journal_path: Path) -> None:
    (participant,) = read_changes(journal_path, "participants")
    assert participant["callback_type"] == "ack_participant_changed"
    assert (participant["acquisition_id"], participant["person_key"]) == ("C1323542", "AB3423")
    assert (participant["external_person_id"], participant["status"]) == ("ex123", "CONFIRMED")
    _validate("participants", participant)


def test_wallet_events_with_only_event_type(journal_path: Path) -> None:
    (event,) = read_changes(journal_path, "wallet_item_events")
    assert event["callback_type"] == "wallet_item_install" and event["installed"] is True
    assert (event["wallet_id"], event["wallet_item_id"]) == ("r3zhm8", "item-uuid")
    assert event["provider"] == "google"
    _validate("wallet_item_events", event)


def test_reading_resumes_after_the_bookmark_and_stops_at_the_start_snapshot(
    journal_path: Path,
) -> None:
    first = list(read_changes(journal_path, "subscribers"))
    bookmark = first[0]["journal_position"]
    rest = read_changes(journal_path, "subscribers", after_position=bookmark)
    assert [r["event_id"] for r in rest] == ["s-2"]
    assert (
        list(
            read_changes(journal_path, "subscribers", after_position=first[-1]["journal_position"])
        )
        == []
    )

    changes = read_changes(journal_path, "persons")
    with Journal(journal_path) as journal:
        first_person = next(changes)  # the read began: later events wait for the next run
        journal.append({**PERSON_ADDED, "event_id": "p-2", "callback_type": "person_updated"})
    assert list(changes) == []
    later = list(read_changes(journal_path, "persons", first_person["journal_position"]))
    assert [r["event_id"] for r in later] == ["p-2"]


def test_events_without_a_usable_subject_are_passed_over(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with Journal(path) as journal:
        journal.append({"event_id": "x", "callback_type": "person_added"})
        journal.append({**PERSON_ADDED, "event_id": "y"})
    assert [r["event_id"] for r in read_changes(path, "persons")] == ["y"]


@pytest.mark.parametrize(
    ("mdn", "expected"),
    [
        ("+447700900123", "+447700900123"),
        ("2995551234", "+12995551234"),
        ("12995551234", "+12995551234"),
        ("12345", "12345"),
        (None, None),
    ],
)
def test_mdns_from_version_1_registrations_become_e164(mdn: Any, expected: Any) -> None:
    assert e164_or_as_is(mdn) == expected


def test_every_stream_has_a_schema_file() -> None:
    for stream in SOURCES:
        assert (SCHEMAS / f"{stream}.json").is_file()
