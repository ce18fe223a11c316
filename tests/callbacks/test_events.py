"""What the receiver takes from a body: the id, the type, the exact text, or a refusal."""

from __future__ import annotations

import orjson
import pytest

from vibes_callbacks.events import (
    DERIVED_ID_PREFIX,
    MalformedCallback,
    callback_type_of,
    parse_callback,
)


def test_keeps_the_exact_text_and_reads_id_and_type() -> None:
    raw = b'{"event_id": "AB234", "callback_type": "person_added", "n": 1.10}'
    event = parse_callback(raw)
    assert (event.event_id, event.callback_type, event.derived_id) == (
        "AB234",
        "person_added",
        False,
    )
    assert event.body == raw.decode()  # 1.10 stays 1.10


def test_wallet_events_have_only_the_deprecated_event_type() -> None:
    event = parse_callback(b'{"event_id": "w1", "event_type": "wallet_item_install"}')
    assert event.callback_type == "wallet_item_install"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("PENDING", "ack_participant_added"),
        ("CONFIRMED", "ack_participant_changed"),
        ("REJECTED", "ack_participant_changed"),
        (None, "ack_participant_added"),
    ],
)
def test_the_participant_status_settles_the_documented_type_disagreement(
    status: str | None, expected: str
) -> None:
    # FACTS §8.8: Vibes' "changed" example says callback_type added, event_type changed.
    event = {
        "callback_type": "ack_participant_added",
        "event_type": "ack_participant_changed",
        "participant": {"status": status},
    }
    assert callback_type_of(event) == expected


def test_other_disagreements_trust_callback_type() -> None:
    assert callback_type_of({"callback_type": "person_added", "event_type": "x"}) == "person_added"
    assert callback_type_of({}) == "unknown"


def test_an_event_without_id_gets_a_stable_derived_one() -> None:
    body = {"callback_type": "subscription_added", "subscription": {"person": {"id": "P1"}}}
    first = parse_callback(orjson.dumps({**body, "delivery_attempt": "1"}))
    again = parse_callback(orjson.dumps({"delivery_attempt": "2", **body}))
    other = parse_callback(orjson.dumps({**body, "subscription": {"person": {"id": "P2"}}}))
    assert first.derived_id and first.event_id.startswith(DERIVED_ID_PREFIX)
    assert first.event_id == again.event_id != other.event_id


def test_numeric_event_ids_are_text() -> None:
    assert parse_callback(b'{"event_id": 42}').event_id == "42"


@pytest.mark.parametrize(
    "raw",
    [b"", b"   ", b"not json", b'{"event_id": "x"', b"[1, 2]", b'"text"', b"\xff\xfe{}"],
)
def test_only_what_cannot_be_an_event_is_malformed(raw: bytes) -> None:
    with pytest.raises(MalformedCallback):
        parse_callback(raw)
