"""Record shapes shared by every resource: nesting flat columns, JSON-safe values, MDNs.

Everything here is pure: a record goes in, a value or a MappingError comes out.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import hashlib
from collections.abc import Collection, Mapping
from typing import Any

import orjson

from vibes_api.values import InvalidMdn, normalize_mdn

# Parents whose flattened children are names chosen by the customer (custom field names,
# wallet token names, event data keys): everything after the first separator is the name.
LEAF_PARENTS = frozenset({"custom_fields", "tokens", "event_data", "debug_data"})

# Parents whose flattened children are Vibes' own nested structure.
NESTED_PARENTS = frozenset(
    {
        "mobile_phone",
        "message",
        "targeting",
        "send_schedule",
        "source_short_code",
        "passbook",
        "google_wallet",
        "messages",
        "campaign_ref",
        "subscription_list",
        "person",
    }
)

_PLAIN = frozenset({str, int, float, bool})


class MappingError(ValueError):
    """A record that cannot become a Vibes request; the message is the reason."""


class AlreadyInVibes(MappingError):
    """A record that describes something Vibes already did (a sent message, a broadcast
    it holds): nothing to write, so it counts as unchanged; the message says why."""


def json_safe(value: Any) -> Any:
    """``value`` with datetimes, dates and decimals turned into what JSON carries.

    The Singer SDK parses date-time columns into ``datetime`` objects before a sink sees
    them; Vibes wants ISO-8601 text back.
    """
    if value is None or type(value) in _PLAIN:
        return value
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None and value.utcoffset() == dt.timedelta(0):
            return value.replace(tzinfo=None).isoformat() + "Z"
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


@functools.lru_cache(maxsize=8192)
def _split(key: str) -> tuple[str, str] | None:
    for separator in ("__", "."):
        parent, found, rest = key.partition(separator)
        if found and rest and (parent in LEAF_PARENTS or parent in NESTED_PARENTS):
            return parent, rest
    return None


def nest(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record with flat columns folded into objects, as tap-vibes would emit it.

    ``custom_fields__first_name`` and ``custom_fields.first_name`` become
    ``custom_fields: {first_name: ...}``; ``mobile_phone__mdn`` becomes
    ``mobile_phone: {mdn: ...}``. A flat column wins over the same key inside an object.
    Other columns stay as they are.
    """
    out: dict[str, Any] = {}
    flat: list[tuple[str, str, Any]] = []
    for key, value in record.items():
        split = _split(key)
        if split is None:
            out[key] = json_safe(value)
        else:
            flat.append((split[0], split[1], json_safe(value)))
    for parent, rest, value in flat:
        target = out.get(parent)
        if not isinstance(target, dict):
            target = {}
            out[parent] = target
        if parent in LEAF_PARENTS:
            target[rest] = value
        else:
            inner = nest({rest: value})
            _merge(target, inner)
    return out


def _merge(target: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def text(value: Any, field: str) -> str | None:
    """A present identifier as text (warehouses emit numeric ids), None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool | Mapping | list):
        raise MappingError(f"{field} must be text, got {type(value).__name__}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def mdn_or_reject(value: Any) -> str:
    """The MDN in E.164 (vibes_api.values.normalize_mdn); a value that is not a phone
    number rejects its record."""
    try:
        return normalize_mdn(value)
    except InvalidMdn as problem:
        raise MappingError(str(problem)) from None


# Columns that may hold the MDN as plain text, in the order they are read. CRMs name it
# mobile_phone or phone; Vibes nests it as mobile_phone.mdn.
MDN_COLUMNS = ("mdn", "mobile_phone", "phone")


def record_mdn(record: Mapping[str, Any]) -> str | None:
    """The record's MDN in E.164, None when absent; MappingError when it is not a number.

    Read from ``mdn``, ``mobile_phone.mdn``, or a plain ``mobile_phone`` or ``phone``
    column (the names CRMs use).
    """
    for column in MDN_COLUMNS:
        raw = record.get(column)
        if isinstance(raw, Mapping):
            raw = raw.get("mdn")
        if raw is not None and raw != "":
            return mdn_or_reject(raw)
    return None


def stable_id(stream: str, record: Mapping[str, Any]) -> str:
    """A hex id that depends only on the stream name and the record's content."""
    # orjson writes datetimes, dates and times as json_safe does (UTC as "Z"); only
    # decimals need the default. One C pass instead of a Python walk of the record.
    canonical = orjson.dumps(
        {"stream": stream, "record": record},
        default=_decimal_default,
        option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z,
    )
    return hashlib.sha256(canonical).hexdigest()[:40]


def _decimal_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def drop_metadata(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record without Singer ``_sdc_*`` bookkeeping columns."""
    return {key: value for key, value in record.items() if not key.startswith("_sdc_")}


def unmapped(nested: Mapping[str, Any], known: Collection[str]) -> tuple[str, ...]:
    """The record's columns a write of this resource has no place for, sorted."""
    return tuple(sorted(key for key in nested if key not in known and not key.startswith("_sdc_")))
