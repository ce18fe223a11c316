"""Record -> request for event-triggered campaigns and push device assignments (pure).

An event-triggered campaign texts whoever its events name from the day it starts, so
creating one, or changing one, messages people; what a campaign record asks for is compared
with what Vibes holds (``campaign_changes``) before anything is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from target_vibes.mapping.common import MappingError, json_safe, nest, text, unmapped
from vibes_api.endpoints import device_of_url

# What a campaign create or update takes (OAS eventTriggeredRequest*).
CAMPAIGN_FIELDS = ("name", "event_type", "start_date", "end_date", "targeting")
CAMPAIGN_READ_ONLY = frozenset(
    {
        "event_triggered_message_id",
        "status",
        "created_by",
        "created_by_application",
        "url",
        "created_at",
        "updated_at",
    }
)
# Vibes fills these in a response; a request neither needs nor sets them.
TARGETING_READ_ONLY = frozenset({"message_format", "url"})
DEVICE_PERSON_KINDS = ("person_key", "external_person_id")


@dataclass(frozen=True)
class EventCampaignWrite:
    """A campaign to create (``campaign_id`` None) or to bring to ``body`` (an update)."""

    campaign_id: str | None
    body: dict[str, Any]
    canceled: bool = False
    ignored: tuple[str, ...] = ()


def _day(value: Any, field: str) -> str | None:
    """``yyyy-mm-dd`` from a date, a datetime or their text (Vibes takes dates only)."""
    value = json_safe(value)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise MappingError(f"{field} must be a date (yyyy-mm-dd)")
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        raise MappingError(f"{field} {value!r} is not a date (yyyy-mm-dd)") from None


def _without_nulls(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def event_campaign_write(record: Mapping[str, Any]) -> EventCampaignWrite:
    """The campaign a record describes. With ``event_triggered_message_id`` it is a campaign
    Vibes holds (tap-vibes output, or an edit of it); without, a new one."""
    nested = nest(record)
    campaign_id = text(nested.get("event_triggered_message_id"), "event_triggered_message_id")
    status = str(nested.get("status") or "").lower()
    if campaign_id is None and status == "canceled":
        raise MappingError("a canceled campaign is not created")
    body: dict[str, Any] = {}
    for name in CAMPAIGN_FIELDS:
        value = nested.get(name)
        if name in ("start_date", "end_date"):
            value = _day(value, name)
        if value is not None:
            body[name] = _without_nulls(json_safe(value))
    targeting = body.get("targeting")
    if not isinstance(targeting, Mapping):
        raise MappingError("campaign has no targeting object")
    body["targeting"] = {k: v for k, v in targeting.items() if k not in TARGETING_READ_ONLY}
    missing = [
        name
        for name, value in (
            ("name", body.get("name")),
            ("event_type", body.get("event_type")),
            ("start_date", body.get("start_date")),
            ("targeting.message_template", body["targeting"].get("message_template")),
        )
        if not value
    ]
    if missing:
        raise MappingError(f"campaign lacks required field(s): {', '.join(missing)}")
    ignored = unmapped(nested, {*CAMPAIGN_FIELDS, *CAMPAIGN_READ_ONLY})
    return EventCampaignWrite(campaign_id, body, status == "canceled", ignored)


def campaign_changes(body: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """The fields of ``body`` that differ from the campaign Vibes has (``current``)."""
    have = {name: current.get(name) for name in CAMPAIGN_FIELDS}
    targeting = have.get("targeting")
    if isinstance(targeting, Mapping):
        have["targeting"] = {
            k: v for k, v in _without_nulls(targeting).items() if k not in TARGETING_READ_ONLY
        }
    return [name for name in CAMPAIGN_FIELDS if body.get(name) != have.get(name)]


@dataclass(frozen=True)
class DeviceAssignment:
    """Attach device ``vibes_device_id`` of app ``app_id`` to the person named by kind/value."""

    app_id: str
    device_id: str
    kind: str
    value: str


def device_assignment(record: Mapping[str, Any]) -> DeviceAssignment:
    """An assignment from a record: app_id (or the device ``url``), vibes_device_id and the
    person's person_key or external_person_id (person_key wins when both are given)."""
    nested = nest(record)
    device_id = text(nested.get("vibes_device_id"), "vibes_device_id")
    app_id = text(nested.get("app_id"), "app_id")
    from_url = device_of_url(nested.get("url"))
    if app_id is None and from_url is not None:
        app_id = from_url[0]
    if device_id is None or app_id is None:
        raise MappingError("record needs app_id and vibes_device_id")
    for kind in DEVICE_PERSON_KINDS:
        value = text(nested.get(kind), kind)
        if value is not None:
            return DeviceAssignment(app_id, device_id, kind, value)
    raise MappingError("record names no person (person_key or external_person_id)")
