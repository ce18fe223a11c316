"""Custom field definitions and values (FACTS §2.1).

Vibes stores custom fields per company; they must exist before a write names them, and
unknown names are refused with 422. Values come back typed: strings, null, ISO datetimes for
date fields, ``{id, name, option_key, active}`` for single-selects and arrays of those for
multi-selects. Writes accept an option's ``option_key`` or ``name`` (or such an object).
Stored values: strings, epoch ms for dates, option keys for selects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vibes_emulator.errors import ApiError, unprocessable

from .clock import fmt_seconds, parse_iso
from .state import Record

STRING = "string"
DATE = "date"
SINGLE = "single_select"
MULTI = "multi_select"
FIELD_TYPES = (STRING, DATE, SINGLE, MULTI)


def _options(*names: str) -> list[dict[str, Any]]:
    options = []
    for index, name in enumerate(names, start=1):
        key = name.lower().replace(" ", "_").replace("-", "_")
        options.append({"id": str(index), "name": name, "option_key": key, "active": True})
    return options


def default_fields() -> list[Record]:
    """The custom fields of a new company: one of every type Vibes shows."""
    return [
        {"name": "first_name", "type": STRING},
        {"name": "last_name", "type": STRING},
        {"name": "email", "type": STRING},
        {"name": "zip_code", "type": STRING},
        {"name": "birthdate", "type": DATE},
        {"name": "gender", "type": SINGLE, "options": _options("Male", "Female", "Non-binary")},
        {
            "name": "loyalty_tier",
            "type": SINGLE,
            "options": _options("Bronze", "Silver", "Gold", "Platinum"),
        },
        {
            "name": "interests",
            "type": MULTI,
            "options": _options("Sports", "Music", "Travel", "Food", "Fashion", "Technology"),
        },
    ]


def _find_option(definition: Record, raw: Any) -> str | None:
    """The option_key that ``raw`` names (by option_key, name or id), or None."""
    if isinstance(raw, dict):
        raw = raw.get("option_key") or raw.get("name") or raw.get("id")
    if not isinstance(raw, str):
        return None
    for option in definition["options"]:
        if raw in (option["option_key"], option["id"]) or raw.lower() == option["name"].lower():
            return str(option["option_key"])
    return None


def _normalize(definition: Record, raw: Any) -> Any:
    """The stored form of one value; raises ValueError with a message when it is invalid."""
    name = definition["name"]
    if raw is None:
        return None
    kind = definition["type"]
    if kind == STRING:
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise ValueError(f"Custom field {name} must be a string")
        return str(raw)
    if kind == DATE:
        instant = parse_iso(raw)
        if instant is None:
            raise ValueError(f"Custom field {name} must be an ISO-8601 date")
        return instant
    if kind == SINGLE:
        option = _find_option(definition, raw)
        if option is None:
            raise ValueError(f"Custom field {name} has no option {raw!r}")
        return option
    if not isinstance(raw, list):
        raise ValueError(f"Custom field {name} must be an array of options")
    keys = []
    for item in raw:
        option = _find_option(definition, item)
        if option is None:
            raise ValueError(f"Custom field {name} has no option {item!r}")
        if option not in keys:
            keys.append(option)
    return keys


def normalize_values(definitions: Mapping[str, Record], values: Any) -> dict[str, Any]:
    """Validate a request's ``custom_fields`` object; 422 listing every problem at once."""
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise unprocessable("custom_fields must be an object")
    problems: list[str] = []
    stored: dict[str, Any] = {}
    for name, raw in values.items():
        definition = definitions.get(name)
        if definition is None:
            problems.append(f"Custom field {name} does not exist")
            continue
        try:
            stored[name] = _normalize(definition, raw)
        except ValueError as error:
            problems.append(str(error))
    if problems:
        raise ApiError(422, *problems)
    return stored


def _render_option(definition: Record, key: str) -> dict[str, Any]:
    for option in definition["options"]:
        if option["option_key"] == key:
            return dict(option)
    return {"id": None, "name": key, "option_key": key, "active": False}


def render_values(definitions: Mapping[str, Record], stored: dict[str, Any]) -> dict[str, Any]:
    """Custom field values as Vibes prints them."""
    out: dict[str, Any] = {}
    for name, value in stored.items():
        definition = definitions.get(name)
        if definition is None or value is None:
            out[name] = value
        elif definition["type"] == DATE:
            out[name] = fmt_seconds(value)
        elif definition["type"] == SINGLE:
            out[name] = _render_option(definition, value)
        elif definition["type"] == MULTI:
            out[name] = [_render_option(definition, key) for key in value]
        else:
            out[name] = value
    return out
