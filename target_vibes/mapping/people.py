"""Record -> request for the person-shaped resources: persons, subscribers, participants."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from target_vibes.mapping.common import (
    AlreadyInVibes,
    MappingError,
    nest,
    record_mdn,
    text,
    unmapped,
)
from vibes_api.values import Identity, parse_timestamp

# Bookkeeping columns of tap-vibes' journal streams: where a change came from, not data.
JOURNAL_COLUMNS = frozenset({"journal_position", "event_id", "event_date", "callback_type"})
# What tap-vibes emits about a person that Vibes computes itself; never sent.
PERSON_READ_ONLY = frozenset(
    {
        "person_key",
        "person_id",
        "created_at",
        "updated_at",
        "url",
        "timezone",
        "timezone_source",
        "subscriptions",
        "push_devices",
        *JOURNAL_COLUMNS,
    }
)
PERSON_FIELDS = frozenset({"external_person_id", "mobile_phone", "mdn", "phone", "custom_fields"})
_PERSON_NAMES = frozenset({"external_person_id", "person_key", "person_id", "person", "url"})
# What a subscribers or participants row may carry besides who and where: read to decide,
# or tap-vibes' description of a state Vibes computed.
SUBSCRIBER_COLUMNS = (
    PERSON_FIELDS
    | _PERSON_NAMES
    | JOURNAL_COLUMNS
    | {"subscription_list_id", "subscription_list", "acquisition_id", "action", "subscribed"}
    | {"active", "status", "opt_in_date", "opt_out_date", "opt_out_reason", "changed_at"}
)
PARTICIPANT_COLUMNS = (
    PERSON_FIELDS
    | _PERSON_NAMES
    | JOURNAL_COLUMNS
    | {"acquisition_id", "acquisition_campaign", "status", "participation_date", "expire_date"}
)


UNSUBSCRIBE_ACTIONS = frozenset({"unsubscribe", "opt_out", "optout", "remove", "delete"})
SUBSCRIBE_ACTIONS = frozenset({"subscribe", "opt_in", "optin", "add"})
_FALSE_TEXT = frozenset({"false", "0", "no", "n", "f"})


@dataclass(frozen=True)
class PersonWrite:
    """A person record ready to send: who it is, what to write, what was left out."""

    identity: Identity
    body: dict[str, Any]
    ignored: tuple[str, ...] = field(default=())


def custom_field_value(value: Any) -> Any:
    """A custom field value as Vibes takes it on a write.

    tap-vibes emits select fields as objects ``{id, name, option_key, active}`` (and
    multi-selects as arrays of them); writes name the option by its key.
    """
    if isinstance(value, Mapping) and ("option_key" in value or "name" in value):
        return value.get("option_key") or value.get("name")
    if isinstance(value, list):
        return [custom_field_value(item) for item in value]
    return value


def _custom_fields(record: Mapping[str, Any]) -> dict[str, Any] | None:
    fields = record.get("custom_fields")
    if fields is None:
        return None
    if not isinstance(fields, Mapping):
        raise MappingError("custom_fields must be an object of field name -> value")
    return {str(name): custom_field_value(value) for name, value in fields.items()}


def identities(record: Mapping[str, Any]) -> dict[str, str]:
    """Every person identifier the record carries, by kind (MDN in E.164)."""
    found: dict[str, str] = {}
    external = text(record.get("external_person_id"), "external_person_id")
    if external is not None:
        found["external_person_id"] = external
    person = record.get("person")
    key = record.get("person_key")
    if key is None and isinstance(person, Mapping):
        key = person.get("person_key") or person.get("id")
        if external is None and person.get("external_person_id"):
            found["external_person_id"] = str(person["external_person_id"])
    key_text = text(key, "person_key")
    if key_text is not None:
        found["person_key"] = key_text
    mdn = record_mdn(record)
    if mdn is not None:
        found["mdn"] = mdn
    return found


# How a record may name its person (the persons route option match_on).
MATCH_ON = ("auto", "external_person_id", "person_key", "mdn")


def pick_identity(record: Mapping[str, Any], match_on: str) -> Identity:
    """The identity a write matches on.

    ``auto`` prefers external_person_id, then MDN; person keys belong to one company, so
    they are used only when asked for (``match_on: person_key``), which keeps tap-vibes
    output from one company loadable into another.
    """
    found = identities(record)
    if match_on == "auto":
        for kind in ("external_person_id", "mdn"):
            if kind in found:
                return Identity(kind, found[kind])
        raise MappingError("record has neither external_person_id nor mdn to match a person on")
    if match_on not in found:
        raise MappingError(f"match_on is {match_on} but the record has no {match_on}")
    return Identity(match_on, found[match_on])


def person_write(record: Mapping[str, Any], match_on: str = "auto") -> PersonWrite:
    """A person upsert from a flat or nested record.

    The body carries the MDN (with its carrier code when given), custom fields and, when
    matching on something else, the external id. A null custom field clears it in Vibes;
    an absent one is left alone. A null MDN is treated as absent, never as "remove".
    """
    nested = nest(record)
    identity = pick_identity(nested, match_on)
    body: dict[str, Any] = {}
    mdn = record_mdn(nested)
    if mdn is not None:
        phone: dict[str, Any] = {"mdn": mdn}
        raw_phone = nested.get("mobile_phone")
        if isinstance(raw_phone, Mapping) and raw_phone.get("carrier_code"):
            phone["carrier_code"] = str(raw_phone["carrier_code"])
        body["mobile_phone"] = phone
    custom = _custom_fields(nested)
    if custom:
        body["custom_fields"] = custom
    external = text(nested.get("external_person_id"), "external_person_id")
    if external is not None and identity.kind != "external_person_id":
        body["external_person_id"] = external
    ignored = unmapped(nested, PERSON_FIELDS | PERSON_READ_ONLY)
    return PersonWrite(identity=identity, body=body, ignored=ignored)


@dataclass(frozen=True)
class SubscriberWrite:
    """The state a row wants for one person on one list: subscribed or not.

    ``as_of`` is when the row says that state began (its opt-out for an opted-out row, its
    opt-in for an active one, else ``changed_at``); None for rows that carry no time, such
    as a CRM's ``subscribed`` flag. The sink compares it with Vibes' own history so that an
    old row never undoes a newer change.
    """

    action: str  # "subscribe" | "unsubscribe"
    identity: Identity
    subscription_list_id: str | None
    acquisition_id: str | None
    custom_fields: dict[str, Any] | None
    as_of: dt.datetime | None = None
    ignored: tuple[str, ...] = ()


def _falsy(value: Any) -> bool:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value == 0
    return isinstance(value, str) and value.strip().lower() in _FALSE_TEXT


def subscriber_action(record: Mapping[str, Any]) -> str:
    """``unsubscribe`` or ``subscribe``, from the record's own words.

    Unsubscribe rows: ``action`` one of unsubscribe/opt_out/remove/delete, ``subscribed``
    or ``active`` false (also "false", "no", 0), ``status`` unsubscribed/opted_out, or an
    ``opt_out_date`` that is set. Everything else subscribes (``action: subscribe`` says so
    explicitly).
    """
    action = record.get("action")
    if isinstance(action, str) and action.strip():
        word = action.strip().lower()
        if word in UNSUBSCRIBE_ACTIONS:
            return "unsubscribe"
        if word in SUBSCRIBE_ACTIONS:
            return "subscribe"
        raise MappingError(
            f"action {action!r} is neither subscribe nor unsubscribe "
            f"(unsubscribe words: {', '.join(sorted(UNSUBSCRIBE_ACTIONS))})"
        )
    for flag in ("subscribed", "active"):
        if record.get(flag) is not None:
            return "unsubscribe" if _falsy(record[flag]) else "subscribe"
    status = record.get("status")
    if isinstance(status, str) and status.strip().lower() in {"unsubscribed", "opted_out"}:
        return "unsubscribe"
    if record.get("opt_out_date"):
        return "unsubscribe"
    return "subscribe"


def subscription_list_of(nested: Mapping[str, Any], default: str | None) -> str | None:
    """The list a subscriber record names (``subscription_list_id`` or
    ``subscription_list.id``), else the route's ``default``."""
    list_id = text(nested.get("subscription_list_id"), "subscription_list_id")
    list_ref = nested.get("subscription_list")
    if list_id is None and isinstance(list_ref, Mapping):
        list_id = text(list_ref.get("id"), "subscription_list.id")
    return list_id or default


def _as_of(nested: Mapping[str, Any], action: str) -> dt.datetime | None:
    own = "opt_out_date" if action == "unsubscribe" else "opt_in_date"
    for column in (own, "changed_at"):
        value = nested.get(column)
        if value in (None, ""):
            continue
        when = parse_timestamp(value)
        if when is None:
            raise MappingError(f"{column} {value!r} is not an ISO-8601 time")
        return when
    return None


def subscriber_write(
    record: Mapping[str, Any],
    *,
    subscription_list_id: str | None = None,
    acquisition_id: str | None = None,
) -> SubscriberWrite:
    """A subscription change from a record; the route supplies defaults for list/campaign.

    A subscribe row needs its list (to learn whether the person is subscribed already) or
    an acquisition campaign (to subscribe through); whether the campaign is needed is known
    only once Vibes has said whether the person is subscribed.
    """
    nested = nest(record)
    action = subscriber_action(nested)
    found = identities(nested)
    kind = next((k for k in ("external_person_id", "person_key", "mdn") if k in found), None)
    if kind is None:
        raise MappingError("record names no person (external_person_id, person_key or mdn)")
    list_id = subscription_list_of(nested, subscription_list_id)
    acquisition = text(nested.get("acquisition_id"), "acquisition_id") or acquisition_id
    if action == "unsubscribe" and list_id is None:
        raise MappingError(
            "unsubscribe row names no subscription list: give subscription_list_id in the "
            "record or in the stream's 'streams' setting"
        )
    if action == "subscribe" and acquisition is None and list_id is None:
        raise MappingError(
            "subscribe row names neither its subscription list nor an acquisition campaign "
            "(Vibes subscribes people only through one): give subscription_list_id or "
            "acquisition_id in the record or the 'streams' setting"
        )
    return SubscriberWrite(
        action=action,
        identity=Identity(kind, found[kind]),
        subscription_list_id=list_id,
        acquisition_id=acquisition,
        custom_fields=_custom_fields(nested),
        as_of=_as_of(nested, action),
        ignored=unmapped(nested, SUBSCRIBER_COLUMNS),
    )


@dataclass(frozen=True)
class ParticipantWrite:
    """A person to add to an acquisition campaign."""

    acquisition_id: str
    identity: Identity
    body: dict[str, Any]
    ignored: tuple[str, ...] = ()


def participant_body(identity: Identity, custom_fields: dict[str, Any] | None) -> dict[str, Any]:
    """The add-participant body: one identifier plus optional custom fields."""
    body = identity.body()
    if custom_fields:
        body["custom_fields"] = custom_fields
    return body


def participant_write(
    record: Mapping[str, Any], *, acquisition_id: str | None = None
) -> ParticipantWrite:
    """An add-participant request; the identifier is external id, else MDN, else key.

    A row with a ``status`` and the time Vibes gave it (tap-vibes output) describes a
    participation Vibes already handled; adding the person again could text them again.
    """
    nested = nest(record)
    status = nested.get("status")
    if status and (nested.get("participation_date") or nested.get("event_date")):
        raise AlreadyInVibes(
            f"record describes a participation Vibes already handled (status {status}); "
            "only rows without a status are added"
        )
    found = identities(nested)
    kind = next((k for k in ("external_person_id", "mdn", "person_key") if k in found), None)
    if kind is None:
        raise MappingError("record names no person (external_person_id, mdn or person_key)")
    acquisition = text(nested.get("acquisition_id"), "acquisition_id") or acquisition_id
    if acquisition is None:
        raise MappingError(
            "record names no acquisition campaign: give acquisition_id in the record or "
            "in the stream's 'streams' setting"
        )
    identity = Identity(kind, found[kind])
    body = participant_body(identity, _custom_fields(nested))
    return ParticipantWrite(
        acquisition_id=acquisition,
        identity=identity,
        body=body,
        ignored=unmapped(nested, PARTICIPANT_COLUMNS),
    )


def same_custom_value(wanted: Any, have: Any) -> bool:
    """Whether a custom field value to write equals the one Vibes shows.

    Vibes shows select fields as option objects and dates at its own precision; a write
    names options by key and may give a date another way.
    """
    shown = custom_field_value(have)
    if wanted == shown:
        return True
    wanted_time, shown_time = parse_timestamp(wanted), parse_timestamp(shown)
    if wanted_time is not None and shown_time is not None:
        return wanted_time == shown_time
    if isinstance(wanted, int | float) and not isinstance(wanted, bool):
        return isinstance(shown, str) and shown == str(wanted)
    return False


def person_difference(
    body: Mapping[str, Any], current: Mapping[str, Any], known_fields: Collection[str] = ()
) -> tuple[str, str]:
    """How a person write compares with the person Vibes has, for the dry run's plan.

    ``("same", ...)`` changes nothing; ``("change", ...)`` is an update; ``("conflict",
    reason)`` is the 409 Vibes answers to a changed MDN; ``("unverified", reason)`` names
    custom fields that neither this person nor ``known_fields`` (those other persons
    showed) vouch for: Vibes lists no company's fields, so only a write tells.
    """
    changed: list[str] = []
    phone = body.get("mobile_phone")
    have_phone = current.get("mobile_phone") or {}
    if isinstance(phone, Mapping):
        have_mdn = have_phone.get("mdn") if isinstance(have_phone, Mapping) else None
        if have_mdn and have_mdn != phone.get("mdn"):
            return "conflict", (
                "the record's mdn differs from the person's; Vibes refuses to change an MDN "
                "(409): set it to null first, or match this row on mdn"
            )
        carrier = phone.get("carrier_code")
        if have_mdn != phone.get("mdn") or (
            carrier and carrier != (have_phone or {}).get("carrier_code")
        ):
            changed.append("mobile_phone")
    external = body.get("external_person_id")
    if external is not None and external != current.get("external_person_id"):
        changed.append("external_person_id")
    have_fields = current.get("custom_fields")
    have_fields = have_fields if isinstance(have_fields, Mapping) else {}
    unshown: list[str] = []
    for name, value in (body.get("custom_fields") or {}).items():
        if name not in have_fields:
            if value is None:
                continue
            if name in known_fields:
                changed.append(f"custom_fields.{name}")
            else:
                unshown.append(name)
        elif not same_custom_value(value, have_fields[name]):
            changed.append(f"custom_fields.{name}")
    if unshown:
        return "unverified", (
            f"custom field(s) {', '.join(sorted(unshown))} are not shown on this person; only "
            "a write tells whether the company has them"
        )
    return ("change", ", ".join(changed)) if changed else ("same", "no field changed")
