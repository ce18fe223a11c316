"""Record -> request for wallet items, wallet messages, broadcasts and events."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from target_vibes.mapping.common import (
    AlreadyInVibes,
    MappingError,
    mdn_or_reject,
    nest,
    stable_id,
    text,
    unmapped,
)

# Fields Vibes computes or never lets a client change (FACTS 2.7: "any field may be
# redefined except ..."); `active` reflects devices, `wallet_id` is our own routing column.
WALLET_ITEM_READ_ONLY = frozenset(
    {
        "wallet_item_id",
        "uuid",
        "wallet_id",
        "campaign_ref",
        "url",
        "provider",
        "created_at",
        "updated_at",
        "active",
    }
)
WALLET_MESSAGE_READ_ONLY = frozenset(
    {"wallet_message_id", "wallet_id", "campaign_ref", "created_at", "updated_at", "url"}
)
BROADCAST_READ_ONLY = frozenset(
    {
        "broadcast_id",
        "status",
        "created_by",
        "created_by_application",
        "delivery",
        "url",
        "created_at",
        "updated_at",
    }
)
# What a broadcast create takes (OAS broadcastRequest); other columns are named, not sent.
BROADCAST_FIELDS = frozenset({"name", "send_scheduled_date", "send_schedule", "targeting"})
# A schedule this far in the past is a mistake, not clock skew.
PAST_TOLERANCE = dt.timedelta(minutes=5)
EVENT_FIELDS = frozenset({"event_id", "event_type", "event_data", "debug_data"})
EVENT_PERSON_KEYS = ("mdn", "person_key", "person_id", "external_person_id", "vibes_device_id")
EVENT_MAX_BYTES = 16 * 1024
_EVENT_TYPE = re.compile(r"^[A-Za-z0-9_-]+$")


def _instant(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MappingError(f"send_scheduled_date {value!r} is not an ISO-8601 time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _wallet_id(nested: Mapping[str, Any], default: str | None) -> str:
    ref = nested.get("campaign_ref")
    wallet = text(nested.get("wallet_id"), "wallet_id")
    if wallet is None and isinstance(ref, Mapping):
        wallet = text(ref.get("id"), "campaign_ref.id")
    wallet = wallet or default
    if wallet is None:
        raise MappingError(
            "record names no wallet campaign: give wallet_id in the record or in the "
            "stream's 'streams' setting"
        )
    return wallet


@dataclass(frozen=True)
class WalletItemWrite:
    """A wallet item update: only the fields the record gives (null clears)."""

    wallet_id: str
    item_id: str
    body: dict[str, Any]
    google: bool


def notifies(body: Mapping[str, Any]) -> bool:
    """Whether sending ``body`` would put a notification on the pass holder's phone."""
    passbook = body.get("passbook")
    google = body.get("google_wallet")
    apple_note = isinstance(passbook, Mapping) and bool(passbook.get("notification"))
    google_note = isinstance(google, Mapping) and bool(google.get("messages"))
    return apple_note or google_note


def wallet_item_changes(body: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The part of ``body`` that differs from the item Vibes has (``current``).

    Tokens compare name by name, so an unchanged token is not sent again; every other
    field compares whole. What equals Vibes' state is state, not a change: pass text sent
    back unchanged would otherwise notify the holder a second time.
    """
    changes: dict[str, Any] = {}
    for name, value in body.items():
        if name == "tokens" and isinstance(value, Mapping):
            have = current.get("tokens")
            have = have if isinstance(have, Mapping) else {}
            tokens = {k: v for k, v in value.items() if _token_text(v) != have.get(k)}
            if tokens:
                changes["tokens"] = tokens
        elif value != current.get(name):
            changes[name] = value
    return changes


def _token_text(value: Any) -> Any:
    # Vibes keeps token values as text (FACTS §2.7); a warehouse may hand back numbers.
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def wallet_item_write(
    record: Mapping[str, Any], *, wallet_id: str | None = None
) -> WalletItemWrite:
    """A wallet item PUT from a record: ``tokens__<name>`` columns or a ``tokens`` object."""
    nested = nest(record)
    item_id = text(nested.get("wallet_item_id"), "wallet_item_id") or text(
        nested.get("uuid"), "uuid"
    )
    if item_id is None:
        raise MappingError("record has no wallet_item_id")
    wallet = _wallet_id(nested, wallet_id)
    body = {key: value for key, value in nested.items() if key not in WALLET_ITEM_READ_ONLY}
    tokens = body.get("tokens")
    if tokens is not None and not isinstance(tokens, Mapping):
        raise MappingError("tokens must be an object of token name -> value")
    provider = str(nested.get("provider") or "").lower()
    google = provider in {"google", "google_wallet"} or "google_wallet" in body
    return WalletItemWrite(wallet_id=wallet, item_id=item_id, body=body, google=google)


@dataclass(frozen=True)
class CampaignPost:
    """A create request: a wallet message (for ``wallet_id``) or a broadcast (None)."""

    wallet_id: str | None
    body: dict[str, Any]
    ignored: tuple[str, ...] = ()


def wallet_message_write(
    record: Mapping[str, Any], *, wallet_id: str | None = None
) -> CampaignPost:
    """A wallet message for a campaign's passes, with the record's filters (none = all).

    A record that carries a ``wallet_message_id`` describes a message Vibes already sent
    (tap-vibes output); creating it again would message every pass holder a second time.
    """
    nested = nest(record)
    if nested.get("wallet_message_id"):
        raise AlreadyInVibes(
            "record describes a wallet message Vibes already sent (it has a "
            "wallet_message_id); creating it again would re-send it"
        )
    wallet = _wallet_id(nested, wallet_id)
    message = nested.get("message")
    if not isinstance(message, Mapping) or not message.get("template"):
        raise MappingError("wallet message has no message.template")
    body: dict[str, Any] = {"message": dict(message)}
    filters = nested.get("filters")
    if filters is not None:
        if not isinstance(filters, list):
            raise MappingError("filters must be a list of {name, selector, value}")
        body["filters"] = filters
    known = {"message", "filters", "wallet_id", "campaign_ref", *WALLET_MESSAGE_READ_ONLY}
    return CampaignPost(wallet_id=wallet, body=body, ignored=unmapped(nested, known))


def broadcast_write(record: Mapping[str, Any], *, now: dt.datetime | None = None) -> CampaignPost:
    """A broadcast create body; tap-vibes' read-only fields (status, delivery...) dropped.

    Only new broadcasts still to be sent are created. A record with a ``broadcast_id``
    describes a broadcast Vibes already holds (tap-vibes output): it is left alone, since
    creating it again would text its recipients a second time. A record whose ``status``
    is not ``scheduled`` or whose ``send_scheduled_date`` is in the past (Vibes would send
    it at once) is refused.
    """
    nested = nest(record)
    if nested.get("broadcast_id"):
        raise AlreadyInVibes(
            f"record describes broadcast {nested['broadcast_id']} that Vibes already holds; "
            "only records without a broadcast_id are created"
        )
    status = nested.get("status")
    if status is not None and str(status).lower() != "scheduled":
        raise MappingError(
            f"broadcast status is {status!r}; only scheduled broadcasts are created "
            "(re-creating a sent one would text its recipients again)"
        )
    when = _instant(nested.get("send_scheduled_date"))
    if when is not None and when < (now or dt.datetime.now(dt.UTC)) - PAST_TOLERANCE:
        raise MappingError(
            f"send_scheduled_date {nested['send_scheduled_date']!r} is in the past; "
            "Vibes would send the broadcast at once"
        )
    # A create has nothing to clear: a null (a warehouse's empty column, or Vibes showing
    # an optional field it does not have) means "not given", and Vibes' schema wants the
    # field's type when it is given.
    body = {
        key: value for key, value in nested.items() if key in BROADCAST_FIELDS and value is not None
    }
    targeting = body.get("targeting")
    if not isinstance(targeting, Mapping):
        raise MappingError("broadcast has no targeting object")
    targeting = {
        k: v for k, v in targeting.items() if k not in BROADCAST_READ_ONLY and v is not None
    }
    short_code = targeting.get("source_short_code")
    if isinstance(short_code, str):
        # Responses show the short code as text; requests want the object.
        targeting["source_short_code"] = {"short_code": short_code}
    body["targeting"] = targeting
    missing = [
        name
        for name, value in (
            ("name", body.get("name")),
            ("send_scheduled_date", body.get("send_scheduled_date")),
            ("targeting.message_template", targeting.get("message_template")),
            ("targeting.source_lists", targeting.get("source_lists")),
        )
        if not value
    ]
    if missing:
        raise MappingError(f"broadcast lacks required field(s): {', '.join(missing)}")
    ignored = unmapped(nested, BROADCAST_FIELDS | BROADCAST_READ_ONLY)
    return CampaignPost(wallet_id=None, body=body, ignored=ignored)


def event_write(
    stream: str, record: Mapping[str, Any], *, event_type: str | None = None
) -> dict[str, Any]:
    """An event body with a stable ``event_id``.

    Without an ``event_id`` column the id is a hash of the stream name and the record, so
    a retry or a replay of the same record reuses it and Vibes refuses the duplicate.
    Columns other than event_id/event_type/event_data/debug_data go into event_data.
    """
    nested = nest(record)
    kind = text(nested.get("event_type"), "event_type") or event_type
    if kind is None:
        raise MappingError("event has no event_type (record column or 'streams' setting)")
    if not _EVENT_TYPE.match(kind):
        raise MappingError(f"event_type {kind!r} may hold only letters, digits, '-' and '_'")
    data = nested.get("event_data") or {}
    if not isinstance(data, Mapping):
        raise MappingError("event_data must be an object")
    data = dict(data)
    for key, value in nested.items():
        if key not in EVENT_FIELDS and not key.startswith("_sdc_") and key not in data:
            data[key] = value
    data = {key: value for key, value in data.items() if value is not None}
    if "mdn" in data:
        data["mdn"] = mdn_or_reject(data["mdn"])
    if not any(data.get(key) for key in EVENT_PERSON_KEYS):
        raise MappingError(f"event_data names no recipient ({', '.join(EVENT_PERSON_KEYS)})")
    event_id = text(nested.get("event_id"), "event_id") or stable_id(stream, record)
    body: dict[str, Any] = {"event_id": event_id, "event_type": kind, "event_data": data}
    if nested.get("debug_data"):
        body["debug_data"] = nested["debug_data"]
    size = len(orjson.dumps(body))
    if size > EVENT_MAX_BYTES:
        raise MappingError(f"event is {size} bytes; Vibes accepts at most {EVENT_MAX_BYTES}")
    return body
