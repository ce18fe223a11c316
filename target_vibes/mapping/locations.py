"""Store locations (FACTS §2.9): a record -> the location Vibes should hold (pure).

A store location is identified by its ``location_id`` within its wallet campaign; Vibes'
own ``id`` is a number Vibes assigns on each add (different in another company, and new
after a replace), so it is not the identity. Every value is text in Vibes (latitude and
longitude too): numbers are sent as their text, which is what Vibes lists back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from target_vibes.mapping.common import MappingError

LOCATION_FIELDS = (
    "location_id",
    "name",
    "address",
    "address_2",
    "city",
    "state",
    "zip",
    "phone_number",
    "store_hours",
    "latitude",
    "longitude",
    "notification_message",
)
# Columns a tap-vibes wallet_locations record carries besides the location itself.
KNOWN_COLUMNS = frozenset({*LOCATION_FIELDS, "wallet_id", "id"})


@dataclass(frozen=True)
class LocationWrite:
    wallet_id: str
    location_id: str
    body: dict[str, str]


def _text(name: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise MappingError(f"{name} must be text or a number, got {type(value).__name__}")
    return value if isinstance(value, str) else str(value)


def location_write(record: Mapping[str, Any], *, wallet_id: str | None) -> LocationWrite:
    """The location a record describes, for the campaign in its ``wallet_id`` column or,
    without one, the route's ``wallet_id`` option."""
    campaign = record.get("wallet_id") or wallet_id
    if not campaign:
        raise MappingError(
            "wallet_id is required (a column, or the wallet_id option of the stream's route)"
        )
    location_id = record.get("location_id")
    if location_id is None or (isinstance(location_id, str) and not location_id.strip()):
        raise MappingError(
            "location_id is required: it identifies a store location within its campaign"
        )
    body = {
        name: _text(name, record[name]) for name in LOCATION_FIELDS if record.get(name) is not None
    }
    return LocationWrite(str(campaign), body["location_id"], body)


def same_location(body: Mapping[str, str], held: Mapping[str, Any]) -> bool:
    """Whether Vibes' location ``held`` is what ``body`` describes (a field the record
    leaves empty must be empty in Vibes too: the record is the whole location)."""
    for name in LOCATION_FIELDS:
        mine, theirs = body.get(name), held.get(name)
        if (mine is None) != (theirs is None):
            return False
        if mine is not None and mine != str(theirs):
            return False
    return True
