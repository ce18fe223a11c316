"""Values both plugins read and write the same way: timestamps, MDNs, person identity.

Timestamps: Vibes prints ISO-8601 at minute (``2017-01-15T14:30Z``), second and millisecond
precision, and old payloads use ``+0000`` offsets (FACTS §1.8); strings of mixed precision do
not sort as instants, so every comparison goes through :func:`parse_timestamp`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from vibes_api.masking import mask_mdn

# What Python's fromisoformat misses: a lowercase "z" designator.
_LOWER_Z = re.compile(r"z\Z")


def parse_timestamp(value: Any) -> datetime | None:
    """An aware datetime for a Vibes timestamp string, or None when it is not one.

    Naive values are taken as UTC, which is how Vibes documents its timestamps.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(_LOWER_Z.sub("Z", value.strip()))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# ---- MDNs ---------------------------------------------------------------------------------
_NON_DIGITS = re.compile(r"[\s\-().]")


class InvalidMdn(ValueError):
    """A value that is not a phone number Vibes accepts; the message masks it."""


def parse_mdn(value: Any) -> str | None:
    """An MDN in E.164 (``+12995551234``), or None when ``value`` is not one.

    Accepted: E.164 with ``+`` (8-15 digits, not starting with 0); 10-digit US/CA numbers
    (``2995551234``) and 11-digit ones with the leading 1, which Vibes itself assumes to be
    +1 (API version 1, the extracts' ``mdn`` column). Spaces, dashes, dots and parentheses
    are ignored.
    """
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    raw = _NON_DIGITS.sub("", str(value))
    # ASCII only: str.isdigit() also says yes to other scripts' digits, which Vibes refuses.
    if not raw.isascii():
        return None
    if raw.startswith("+"):
        digits = raw[1:]
        if digits.isdigit() and 8 <= len(digits) <= 15 and digits[0] != "0":
            return raw
    elif raw.isdigit():
        if len(raw) == 10 and raw[0] not in "01":
            return "+1" + raw
        if len(raw) == 11 and raw[0] == "1" and raw[1] not in "01":
            return "+" + raw
    return None


def normalize_mdn(value: Any) -> str:
    """:func:`parse_mdn`, or InvalidMdn saying why not (what Vibes' API version 2 takes)."""
    mdn = parse_mdn(value)
    if mdn is None:
        raise InvalidMdn(
            f"mdn {mask_mdn(value)!r} is not a phone number (expected E.164 such as "
            "+12995551234 or a 10-digit US/CA number)"
        )
    return mdn


def e164_or_as_is(value: Any) -> Any:
    """What Vibes sent, in E.164 when it is a number (callbacks and extracts of API
    version 1 print 10 digits); anything else is passed on for the schema to judge."""
    mdn = parse_mdn(value) if isinstance(value, str) else None
    return value if mdn is None else mdn


# ---- person identity ----------------------------------------------------------------------
PersonIdKind = Literal["person_key", "external_person_id", "mdn"]
PERSON_ID_KINDS: tuple[PersonIdKind, ...] = ("person_key", "external_person_id", "mdn")
"""The ways Vibes names a person, in the order a row that fills several is read."""


@dataclass(frozen=True)
class Identity:
    """How a request names a person: by person key, external id or MDN."""

    kind: str  # one of PERSON_ID_KINDS
    value: str

    def body(self) -> dict[str, Any]:
        """The identity as a request body names it (participants, events)."""
        if self.kind == "mdn":
            return {"mobile_phone": {"mdn": self.value}}
        return {self.kind: self.value}


def _url_key(url: Any) -> str | None:
    """The last segment of a person ``url``, unless it is a documentation placeholder."""
    if not isinstance(url, str):
        return None
    tail = url.rstrip("/").rsplit("/", 1)[-1]
    return tail if tail and not tail.startswith(":") and tail != "persons" else None


def person_keys(person: Mapping[str, Any]) -> dict[str, Any]:
    """``person_key`` and ``external_person_id`` of a person object in any of the shapes
    Vibes' payloads use (FACTS §8.9: ``person_key``, ``id``, the deprecated ``person_id``,
    a ``url``; ``external_person_id`` or ``external_id``)."""
    key = person.get("person_key") or person.get("id") or _url_key(person.get("url"))
    if key is None and person.get("person_id") is not None:
        key = person["person_id"]  # deprecated id; Vibes accepts it wherever a key goes
    external = person.get("external_person_id")
    if external is None:
        external = person.get("external_id")
    return {
        "person_key": None if key is None else str(key),
        "external_person_id": external,
    }
