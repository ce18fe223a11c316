"""Change records from the callback journal (written by ``vibes-callbacks serve``).

Each stream reads the journal events of its own callback types after its bookmark, a
journal position, up to the last position stored when the read began, and turns each event
into one record carrying that ``journal_position``. Positions only grow and become visible
in order (see vibes_callbacks.journal), so resuming after the bookmark skips nothing and
repeats nothing. The record makers are pure functions of (event, position).

Payload variations handled (FACTS §3.4, §8.8, §8.9, §1.4):
- person objects name the person ``person_key``, ``id`` (subscription and participant
  payloads, where ``id`` is the key the REST ``url`` uses) or only ``person_id`` and ``url``
  (person events, whose example has no ``person_key``); ``external_id`` is the older name of
  ``external_person_id``. Records get ``person_key`` and ``external_person_id`` either way.
- MDNs come as E.164 when the registration was made with API version 2, and without a country
  code under version 1, where Vibes assumes +1; records always carry E.164.
- wallet events carry only the deprecated ``event_type``; the journal stores the type the
  receiver settled on (vibes_callbacks.events), which records report as ``callback_type``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tap_vibes.streams.persons import last_change
from vibes_api.masking import mask_text
from vibes_api.values import e164_or_as_is, person_keys
from vibes_callbacks.journal import Journal, JournalEntry

logger = logging.getLogger("tap_vibes")

Record = dict[str, Any]
Maker = Callable[[Record, JournalEntry], Record | None]


def _with_e164(person: Record) -> Record:
    phone = person.get("mobile_phone")
    if isinstance(phone, dict) and "mdn" in phone:
        person = {**person, "mobile_phone": {**phone, "mdn": e164_or_as_is(phone["mdn"])}}
    return person


def _envelope(event: Record, entry: JournalEntry) -> Record:
    return {
        "journal_position": entry.position,
        "event_id": entry.event_id,
        "event_date": event.get("event_date"),
        "callback_type": entry.callback_type,
    }


def _object(event: Record, name: str) -> Record | None:
    value = event.get(name)
    return value if isinstance(value, dict) else None


def person_record(event: Record, entry: JournalEntry) -> Record | None:
    """person_added / person_updated: the whole person, as the persons stream emits it."""
    person = _object(event, "person")
    if person is None:
        return None
    record = _with_e164(dict(person))
    identity = person_keys(person)
    if identity["person_key"] is None:
        return None
    record.update({k: v for k, v in identity.items() if v is not None})
    record.update(_envelope(event, entry))
    return record


def subscriber_record(event: Record, entry: JournalEntry) -> Record | None:
    """subscription_added / subscription_removed: one person on one list."""
    subscription = _object(event, "subscription")
    if subscription is None:
        return None
    person = _with_e164(dict(subscription.get("person") or {}))
    listed = subscription.get("subscription_list") or {}
    identity = person_keys(person)
    if identity["person_key"] is None or listed.get("id") is None:
        return None
    record = dict(subscription)
    record.update(
        person={**person, **{k: v for k, v in identity.items() if v is not None}},
        person_key=identity["person_key"],
        subscription_list_id=str(listed["id"]),
        opt_out_date=subscription.get("opt_out_date"),
        opt_out_reason=subscription.get("opt_out_reason"),
    )
    removed = entry.callback_type == "subscription_removed"
    record["active"] = not removed and record["opt_out_date"] is None
    record["changed_at"] = last_change(record)
    record.update(_envelope(event, entry))
    return record


def participant_record(event: Record, entry: JournalEntry) -> Record | None:
    """ack_participant_added / ack_participant_changed: a person's opt-in progress."""
    participant = _object(event, "participant")
    if participant is None:
        return None
    person = _with_e164(dict(participant.get("person") or {}))
    campaign = participant.get("acquisition_campaign") or {}
    identity = person_keys(person)
    if identity["person_key"] is None or campaign.get("id") is None:
        return None
    phone = person.get("mobile_phone")
    record = dict(participant)
    record.update(
        acquisition_id=str(campaign["id"]),
        person_key=identity["person_key"],
        external_person_id=identity["external_person_id"],
        mdn=phone.get("mdn") if isinstance(phone, dict) else None,
        status=participant.get("status"),
        person={**person, **{k: v for k, v in identity.items() if v is not None}},
    )
    record.update(_envelope(event, entry))
    return record


def wallet_item_event_record(event: Record, entry: JournalEntry) -> Record:
    """wallet_item_install / wallet_item_remove: one pass installed on or removed from a device."""
    instance = _object(event, "wallet_instance") or {}
    item = _object(event, "wallet_item") or {}
    campaign = _object(event, "wallet_campaign") or {}
    record: Record = {
        "wallet_id": campaign.get("token"),
        "wallet_item_id": item.get("uuid") or item.get("wallet_item_id"),
        "wallet_instance_uid": instance.get("wallet_instance_uid"),
        "provider": instance.get("provider"),
        "registered_at": instance.get("registered_at"),
        "unregistered_at": instance.get("unregistered_at"),
        "installed": entry.callback_type == "wallet_item_install",
        "wallet_instance": instance or None,
        "wallet_item": item or None,
        "wallet_campaign": campaign or None,
    }
    record.update(_envelope(event, entry))
    return record


def inbound_message_record(event: Record, entry: JournalEntry) -> Record:
    """unmatched_message_received: a text to a source code that matched no keyword."""
    participant = _object(event, "participant") or {}
    code = _object(event, "source_code") or {}
    record: Record = {
        "mdn": e164_or_as_is(participant.get("mdn")),
        "carrier_id": participant.get("carrier_id"),
        "source_code": code.get("code"),
        "country_code": code.get("country_code"),
        "code_type": code.get("code_type"),
        "company_key": code.get("company_key"),
        "default_response": code.get("default_response"),
        "response_sent": code.get("response_sent"),
        "message": event.get("message"),
        "message_id": event.get("message_id"),
        "txn_id": event.get("txn_id"),
        "receipt_date": event.get("receipt_date"),
    }
    record.update(_envelope(event, entry))
    return record


LIST_FIELDS = ("name", "url", "subscribers_url", "acquisition_campaigns_url")


def subscription_list_event_record(event: Record, entry: JournalEntry) -> Record | None:
    """subscription_list_added / subscription_list_updated: a list made or renamed."""
    listed = _object(event, "subscription_list")
    if listed is None or listed.get("id") is None:
        return None
    record: Record = {
        "subscription_list_id": str(listed["id"]),
        **{field: listed.get(field) for field in LIST_FIELDS},
    }
    record.update(_envelope(event, entry))
    return record


def _campaign_number(url: Any) -> int | None:
    """The campaign id at the end of an ``.../event_triggered_messages/{id}`` url."""
    tail = url.rstrip("/").rsplit("/", 1)[-1] if isinstance(url, str) else ""
    return int(tail) if tail.isdigit() else None


def message_event_record(event: Record, entry: JournalEntry) -> Record | None:
    """event_processed: one step of an event's routing or of the message it sent (§3.4)."""
    processed = _object(event, "event_processed")
    if processed is None:
        return None
    action = _object(processed, "action") or {}
    record: Record = {
        "processed_event_id": processed.get("event_id"),
        "event_type": processed.get("event_type"),
        "event_data": processed.get("event_data"),
        "debug_data": processed.get("debug_data"),
        "action_type": action.get("type"),
        "action_status": action.get("status"),
        "status_reason": action.get("status_reason"),
        "resource_url": action.get("resource_url"),
        "event_triggered_message_id": _campaign_number(action.get("resource_url")),
        "message_id": action.get("message_id"),
        "failed": action.get("status") == "failed",
        "action": action or None,
    }
    record.update(_envelope(event, entry))
    return record


def device_event_record(event: Record, entry: JournalEntry) -> Record | None:
    """device_added / device_removed / device_updated: a device and the person it concerns."""
    device = _object(event, "push_device")
    if device is None:
        return None
    person = _object(event, "person") or {}
    identity = person_keys(person) if person else {}
    record: Record = {
        "app_id": device.get("app_id"),
        "vibes_device_id": device.get("vibes_device_id"),
        "push_token": device.get("push_token"),
        "device_os": device.get("device_os"),
        "person_key": identity.get("person_key"),
        "external_person_id": identity.get("external_person_id"),
        "assigned": entry.callback_type != "device_removed",
        "person": person or None,
        "push_device": device,
    }
    record.update(_envelope(event, entry))
    return record


@dataclass(frozen=True)
class ChangeSource:
    """Which callback types feed a stream, and how one event becomes its record."""

    types: tuple[str, ...]
    make: Maker


SOURCES: dict[str, ChangeSource] = {
    "persons": ChangeSource(("person_added", "person_updated"), person_record),
    "subscribers": ChangeSource(("subscription_added", "subscription_removed"), subscriber_record),
    "participants": ChangeSource(
        ("ack_participant_added", "ack_participant_changed"), participant_record
    ),
    "wallet_item_events": ChangeSource(
        ("wallet_item_install", "wallet_item_remove"), wallet_item_event_record
    ),
    "inbound_messages": ChangeSource(("unmatched_message_received",), inbound_message_record),
    "subscription_list_events": ChangeSource(
        ("subscription_list_added", "subscription_list_updated"), subscription_list_event_record
    ),
    "message_events": ChangeSource(("event_processed",), message_event_record),
    "device_events": ChangeSource(
        ("device_added", "device_removed", "device_updated"), device_event_record
    ),
}


def read_changes(path: str | Path, stream: str, after_position: int = 0) -> Iterator[Record]:
    """Records for ``stream`` from events after ``after_position``, in journal order.

    The read ends at the last position stored when it began, so a run ends even while the
    receiver keeps writing. An event that cannot make a record (no person, no list id) is
    logged and passed over; its position is still covered by the next record's bookmark.
    """
    source = SOURCES[stream]
    with Journal.open_existing(path) as journal:
        until = journal.last_position()
        for entry in journal.read(after_position, source.types, until_position=until):
            try:
                event = entry.event()
            except ValueError:
                event = {}
            record = source.make(event, entry)
            if record is None:
                logger.warning(
                    "journal position %d (%s, event %s) has no usable %s; not emitted",
                    entry.position,
                    mask_text(entry.callback_type),
                    mask_text(entry.event_id),
                    stream,
                )
                continue
            yield record
