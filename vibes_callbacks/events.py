"""What the receiver takes from a callback body: its event id, its type, its exact text.

Pure functions, no I/O. A 4xx answer makes Vibes drop the event for good (FACTS §3.2), so
only bodies that cannot be an event at all are refused: not UTF-8 JSON, or not a JSON object.
Everything else is kept as it came, because Vibes may add fields at any time (§1.4).

Decisions where the sources leave room (documented in docs/callbacks.md):
- ``event_id`` is in every documented payload (§3.3), but nothing says it always will be.
  An event without one gets a derived id, ``sha256:<hex>`` of its canonical JSON without
  ``delivery_attempt``, so a redelivery of the same body is still stored once.
- The type is ``callback_type``, else the deprecated ``event_type`` (wallet examples carry
  only ``event_type``, §3.4). When both are present and disagree, ``callback_type`` wins,
  except for the documented doc bug of §8.8: an acquisition "changed" example says
  ``callback_type: ack_participant_added`` with ``event_type: ack_participant_changed``.
  There the participant's status decides: PENDING is an "added", CONFIRMED or REJECTED is
  a "changed" (§3.4 defines the two types by exactly those statuses).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson

UNKNOWN_TYPE = "unknown"
DERIVED_ID_PREFIX = "sha256:"
# Fields that may differ between deliveries of one event (§3.3) and so stay out of its hash.
_PER_DELIVERY_FIELDS = ("delivery_attempt",)
_ACK_PREFIX = "ack_participant_"
_CHANGED_STATUSES = frozenset({"CONFIRMED", "REJECTED"})


class MalformedCallback(ValueError):
    """The body is not a callback event at all; the receiver answers 400."""


@dataclass(frozen=True)
class CallbackEvent:
    """One received event: its id, its type, and the body text exactly as it came."""

    event_id: str
    callback_type: str
    body: str
    derived_id: bool = False


def parse_callback(raw: bytes) -> CallbackEvent:
    """Read one callback body; raises MalformedCallback when it is not a JSON object."""
    if not raw.strip():
        raise MalformedCallback("the body is empty; a Vibes callback is a JSON object")
    try:
        text = raw.decode("utf-8")
        event = orjson.loads(raw)
    except (UnicodeDecodeError, orjson.JSONDecodeError) as exc:
        raise MalformedCallback(f"the body is not UTF-8 JSON: {exc}") from None
    if not isinstance(event, dict):
        kind = type(event).__name__
        raise MalformedCallback(f"the body is a JSON {kind}; a Vibes callback is a JSON object")
    event_id = event_id_of(event)
    derived = event_id is None
    return CallbackEvent(
        event_id=derived_event_id(event) if event_id is None else event_id,
        callback_type=callback_type_of(event),
        body=text,
        derived_id=derived,
    )


def event_id_of(event: dict[str, Any]) -> str | None:
    """The event's own id as text, or None when it has no usable one."""
    value = event.get("event_id")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def derived_event_id(event: dict[str, Any]) -> str:
    """A stable id for an event that has none: the hash of its canonical JSON."""
    stable = {k: v for k, v in event.items() if k not in _PER_DELIVERY_FIELDS}
    canonical = orjson.dumps(stable, option=orjson.OPT_SORT_KEYS)
    return DERIVED_ID_PREFIX + hashlib.sha256(canonical).hexdigest()


def callback_type_of(event: dict[str, Any]) -> str:
    """``callback_type``, else ``event_type``; see the module notes for disagreements."""
    current = _text(event.get("callback_type"))
    deprecated = _text(event.get("event_type"))
    if current and deprecated and current != deprecated:
        if current.startswith(_ACK_PREFIX) and deprecated.startswith(_ACK_PREFIX):
            return _ack_type_by_status(event, current)
        return current
    return current or deprecated or UNKNOWN_TYPE


def _ack_type_by_status(event: dict[str, Any], fallback: str) -> str:
    participant = event.get("participant")
    status = participant.get("status") if isinstance(participant, dict) else None
    status = status.upper() if isinstance(status, str) else None
    if status == "PENDING":
        return _ACK_PREFIX + "added"
    if status in _CHANGED_STATUSES:
        return _ACK_PREFIX + "changed"
    return fallback


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
