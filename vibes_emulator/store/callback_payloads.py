"""Callback payloads in Vibes' shapes (FACTS §3.4), built from store records. No HTTP here.

A change (``person_added``, ``subscription_removed``, ...) becomes one body per matching
registration, because MDNs are printed by the API version the registration was made with
(§1.4): E.164 under version 2, ten digits under version 1. Payloads carry the deprecated
``event_type`` beside ``callback_type``, except wallet payloads, whose only example has
``event_type`` alone (§8.8).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from .clock import fmt_millis, fmt_minutes, fmt_seconds
from .mdn import render_mdn
from .state import CompanyState, Record

# callback_type -> (selector field of its registrations, record field holding that value)
SELECTORS: dict[str, tuple[str, str] | None] = {
    "person_added": None,
    "person_updated": None,
    "subscription_added": ("list_id", "list_id"),
    "subscription_removed": ("list_id", "list_id"),
    "ack_participant_added": ("campaign_id", "acquisition_id"),
    "ack_participant_changed": ("campaign_id", "acquisition_id"),
    "wallet_item_install": ("campaign_token", "wallet_id"),
    "wallet_item_remove": ("campaign_token", "wallet_id"),
    "unmatched_message_received": ("source_code", "sourcecode"),
    "subscription_list_added": None,
    "subscription_list_updated": None,
    "device_added": ("app_id", "app_id"),
    "device_removed": ("app_id", "app_id"),
    "device_updated": ("app_id", "app_id"),
}
DEVICE_CHANGES = ("device_added", "device_removed", "device_updated")
WALLET_CHANGES = ("wallet_item_install", "wallet_item_remove")
UNMATCHED = "unmatched_message_received"


def _uid(*parts: str) -> str:
    """A stable UUID for ids the store does not keep (wallet instance, object, campaign)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "vibes-emulator:" + "|".join(parts)))


def matches(registration: Record, change: str, record: Record) -> bool:
    """Whether a registration wants this change (type, and list/campaign when it has one)."""
    if registration.get("callback_type") != change:
        return False
    if change == "event_processed":
        return wants_event_step(registration.get("selector") or {}, record)
    spec = SELECTORS.get(change)
    if spec is None:
        return True
    selector = registration.get("selector") or {}
    if change == UNMATCHED:  # the record is the text; its source code names the registration
        source = record["source"]
        country = selector.get("country_code")
        return str(selector.get(spec[0])) == source["sourcecode"] and country in (
            None,
            "",
            source["country_code"],
        )
    return str(selector.get(spec[0])) == str(record.get(spec[1]))


def wants_event_step(selector: dict[str, Any], outcome: Record) -> bool:
    """An ``event_processed`` registration's choice: its event type (none: every event) and
    ``callbacks_to_send`` (all, only_failures, or one step: routing, carrier_dlr, handset_dlr)."""
    event_type = selector.get("event_type")
    if event_type and str(event_type).lower() != outcome["event"]["event_type"]:
        return False
    step = outcome["action"]
    wanted = selector.get("callbacks_to_send") or "all"
    if wanted == "all":
        return True
    if wanted == "only_failures":
        return bool(step["status"] == "failed")
    return bool(step["type"] == wanted)


def is_live(registration: Record, now_ms: int) -> bool:
    """Within the registration's start_date and end_date (blank: now, never)."""
    start, end = registration.get("start_date"), registration.get("end_date")
    return (start is None or start <= now_ms) and (end is None or end > now_ms)


def envelope(change: str, event_id: str, now_ms: int) -> dict[str, Any]:
    if change in WALLET_CHANGES:
        return {"event_id": event_id, "event_type": change, "event_date": fmt_millis(now_ms)}
    return {
        "event_id": event_id,
        "callback_type": change,
        "event_type": change,
        "event_date": fmt_seconds(now_ms),
    }


def _person_ref(state: CompanyState, person_key: str, version: int) -> dict[str, Any]:
    person = state.tables["person"].get(person_key) or {}
    external = person.get("external_person_id")
    return {
        "id": person_key,
        "external_id": external,
        "external_person_id": external,
        "person_key": person_key,
        "url": f"/companies/{state.key}/mobiledb/persons/{person_key}",
        "mobile_phone": {"mdn": render_mdn(person.get("mdn"), version)},
    }


def subscription_body(
    state: CompanyState, sub: Record, version: int, removed: bool
) -> dict[str, Any]:
    ck, list_id = state.key, sub["list_id"]
    body: dict[str, Any] = {
        "person": _person_ref(state, sub["person_key"], version),
        "subscription_list": {
            "id": list_id,
            "url": f"/companies/{ck}/mobiledb/subscription_lists/{list_id}",
        },
        "opt_in_date": fmt_seconds(sub["opt_in_date"]),
    }
    if removed:
        body["opt_out_date"] = fmt_millis(sub.get("opt_out_date"))
        body["opt_out_reason"] = sub.get("opt_out_reason")
    if sub.get("acquisition_id"):
        acquisition = sub["acquisition_id"]
        body["acquisition_campaign"] = {
            "id": acquisition,
            "url": f"/companies/{ck}/campaigns/acquisition/{acquisition}",
        }
    body["url"] = f"/companies/{ck}/mobiledb/persons/{sub['person_key']}/subscriptions/{list_id}"
    return {"subscription": body}


def participant_body(state: CompanyState, record: Record, version: int) -> dict[str, Any]:
    acquisition = record["acquisition_id"]
    campaign = state.tables["acquisition"].get(acquisition) or {}
    keywords = campaign.get("keywords") or [None]
    person = _person_ref(state, record["person_key"], version)
    return {
        "participant": {
            "person": {k: person[k] for k in ("id", "external_id", "mobile_phone", "url")},
            "acquisition_campaign": {
                "id": acquisition,
                "description": campaign.get("description"),
                "url": f"/companies/{state.key}/campaigns/acquisition/{acquisition}",
                "keyword": keywords[0],
            },
            "participation_date": fmt_minutes(record["participation_date"]),
            "expire_date": fmt_minutes(record.get("expire_date")),
            "status": record["status"],
        }
    }


def wallet_body(state: CompanyState, item: Record, installed: bool) -> dict[str, Any]:
    wallet_id, item_id = item["wallet_id"], item["wallet_item_id"]
    campaign_url = f"/companies/{state.key}/campaigns/wallet/{wallet_id}/"
    return {
        "wallet_instance": {
            "registered_at": fmt_minutes(item.get("installed_at") or item["created_at"]),
            "unregistered_at": None if installed else fmt_minutes(item.get("removed_at")),
            "wallet_instance_uid": _uid("wallet_instance", state.key, wallet_id, item_id),
            "provider": "google" if item.get("provider") == "google_wallet" else "passbook",
        },
        "wallet_item": {
            "uuid": item_id,
            "wallet_object_uid": _uid("wallet_object", state.key, wallet_id, item_id),
            "expiration_date": (item.get("tokens") or {}).get("expiration_date"),
            "tokens": dict(item.get("tokens") or {}),
            "url": f"{campaign_url}items/{item_id}",
        },
        "wallet_campaign": {
            "wallet_campaign_uid": _uid("wallet_campaign", state.key, wallet_id),
            "token": wallet_id,
            "url": campaign_url,
        },
    }


def unmatched_body(state: CompanyState, text: Record, version: int) -> dict[str, Any]:
    source = text["source"]
    return {
        "participant": {"mdn": render_mdn(text["mdn"], version), "carrier_id": text["carrier_id"]},
        "source_code": {
            "company_key": state.key,
            "code": source["sourcecode"],
            "country_code": source["country_code"],
            "code_type": source["sourcecode_type"],
            "default_response": source.get("default_response"),
            "response_sent": source.get("default_response") is not None,
        },
        "message": text["message"],
        "message_id": text["message_id"],
        "txn_id": text["txn_id"],
        "receipt_date": fmt_seconds(text["receipt_date"]),
    }


def subscription_list_body(state: CompanyState, record: Record) -> dict[str, Any]:
    url = f"/companies/{state.key}/mobiledb/subscription_lists/{record['id']}"
    return {
        "subscription_list": {
            "id": record["id"],
            "name": record["name"],
            "url": url,
            "subscribers_url": f"{url}/subscribers",
            "acquisition_campaigns_url": f"{url}/acquisition_campaigns",
        }
    }


def event_processed_body(outcome: Record) -> dict[str, Any]:
    event = outcome["event"]
    return {
        "event_processed": {
            "event_id": event["event_id"],
            "event_type": event["event_type"],
            "event_data": event["event_data"],
            "debug_data": event.get("debug_data") or {},
            "action": dict(outcome["action"]),
        }
    }


def device_body(state: CompanyState, device: Record) -> dict[str, Any]:
    """``person`` is the device's owner (the removed one, for ``device_removed``)."""
    person_key = device.get("person_key")
    person = state.tables["person"].get(person_key or "") or {}
    app_id, device_id = device["app_id"], device["vibes_device_id"]
    return {
        "person": {
            "person_id": None if not person else str(person["person_id"]),
            "person_key": person_key,
            "external_id": person.get("external_person_id"),
            "url": None
            if person_key is None
            else f"/companies/{state.key}/mobiledb/persons/{person_key}",
        },
        "push_device": {
            "app_id": app_id,
            "vibes_device_id": device_id,
            "push_token": device.get("push_token"),
            "device_os": str(device.get("OS") or "").upper(),
            "url": f"/mobile_apps/{app_id}/devices/{device_id}",
        },
    }


def change_body(
    change: str,
    state: CompanyState,
    record: Record,
    version: int,
    render_person: Callable[[CompanyState, Record, int], dict[str, Any]],
) -> dict[str, Any]:
    """The type-specific part of a payload; ``render_person`` is ``Persons.render``."""
    if change in ("person_added", "person_updated"):
        return {"person": render_person(state, record, version)}
    if change == UNMATCHED:
        return unmatched_body(state, record, version)
    if change.startswith("subscription_list_"):
        return subscription_list_body(state, record)
    if change.startswith("subscription_"):
        return subscription_body(state, record, version, change == "subscription_removed")
    if change.startswith("ack_participant_"):
        return participant_body(state, record, version)
    if change == "event_processed":
        return event_processed_body(record)
    if change in DEVICE_CHANGES:
        return device_body(state, record)
    return wallet_body(state, record, change == "wallet_item_install")
