"""Pure record -> request mapping: shapes, read-only fields, MDNs, stable ids (no network)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from target_vibes.mapping import (
    MappingError,
    broadcast_write,
    event_write,
    json_safe,
    mdn_or_reject,
    nest,
    participant_write,
    person_write,
    subscriber_action,
    subscriber_write,
    wallet_item_write,
    wallet_message_write,
)
from target_vibes.mapping.campaigns import notifies, wallet_item_changes
from target_vibes.mapping.common import AlreadyInVibes
from target_vibes.routing import (
    Messaging,
    RoutingError,
    allow_messaging_help,
    parse_streams_setting,
    resolve_route,
    streams_setting_help,
)
from target_vibes.sinks import SINK_BY_RESOURCE
from target_vibes.sinks.events import is_duplicate_event
from target_vibes.sinks.persons import untouched
from vibes_api.errors import VibesUnprocessable

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
FIELD_NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True).filter(
    lambda name: "__" not in name
)
FIELD_VALUES = st.one_of(st.none(), st.text(max_size=20), st.integers(-1000, 1000))


def test_flat_warehouse_row_becomes_person_body() -> None:
    row = {
        "external_person_id": 1042,
        "mdn": "(299) 555-1234",
        "custom_fields__first_name": "Ada",
        "custom_fields__last_name": None,
        "loaded_at": "2026-01-01",
    }
    write = person_write(row)
    assert write.identity.kind == "external_person_id"
    assert write.identity.value == "1042"
    assert write.body == {
        "mobile_phone": {"mdn": "+12995551234"},
        "custom_fields": {"first_name": "Ada", "last_name": None},
    }
    assert write.ignored == ("loaded_at",)


def test_tap_vibes_person_drops_read_only_fields_and_select_objects() -> None:
    record = {
        "person_key": "abc",
        "person_id": "100001",
        "external_person_id": "x-1",
        "mobile_phone": {"mdn": "+447700900123", "carrier_code": "104"},
        "custom_fields": {
            "gender": {"id": "1", "name": "Male", "option_key": "male", "active": True},
            "interests": [{"id": "2", "name": "Music", "option_key": "music", "active": True}],
            "birthdate": dt.datetime(1990, 12, 1, tzinfo=dt.UTC),
        },
        "timezone": "Europe/London",
        "created_at": "2020-01-01T00:00:00Z",
        "updated_at": "2021-01-01T00:00:00Z",
        "url": "/companies/a/mobiledb/persons/abc",
    }
    write = person_write(record)
    assert write.identity.kind == "external_person_id"
    assert write.body == {
        "mobile_phone": {"mdn": "+447700900123", "carrier_code": "104"},
        "custom_fields": {
            "gender": "male",
            "interests": ["music"],
            "birthdate": "1990-12-01T00:00:00Z",
        },
    }
    assert write.ignored == ()


def test_match_on_person_key_and_mdn() -> None:
    record = {"person_key": "k1", "mdn": "+12995550000", "external_person_id": "e1"}
    by_key = person_write(record, "person_key")
    assert by_key.identity.kind == "person_key"
    assert by_key.body["external_person_id"] == "e1"
    by_mdn = person_write({"mobile_phone.mdn": "12995550000"}, "auto")
    assert (by_mdn.identity.kind, by_mdn.identity.value) == ("mdn", "+12995550000")
    with pytest.raises(MappingError, match="match_on is person_key"):
        person_write({"external_person_id": "e1"}, "person_key")
    with pytest.raises(MappingError, match="neither external_person_id nor mdn"):
        person_write({"person_key": "k1"})


@pytest.mark.parametrize("bad", ["555-1234", "abc", "+0123456789", "12345", "", "0299555123"])
def test_invalid_numbers_are_mapping_errors(bad: str) -> None:
    with pytest.raises(MappingError, match="not a phone number"):
        mdn_or_reject(bad)


@given(st.from_regex(r"[2-9][0-9]{9}", fullmatch=True), st.sampled_from(["", "-", " ", "."]))
def test_us_numbers_normalize_to_e164(digits: str, sep: str) -> None:
    formatted = sep.join([digits[:3], digits[3:6], digits[6:]])
    assert mdn_or_reject(formatted) == "+1" + digits
    assert mdn_or_reject("1" + digits) == "+1" + digits


@given(st.text(max_size=20))
def test_normalize_mdn_returns_e164_or_refuses(raw: str) -> None:
    try:
        result = mdn_or_reject(raw)
    except MappingError:
        return
    assert E164.match(result)


@given(st.dictionaries(FIELD_NAMES, FIELD_VALUES, max_size=6))
def test_flat_and_nested_custom_fields_give_the_same_body(fields: dict[str, object]) -> None:
    nested = {"external_person_id": "p1", "custom_fields": fields}
    flat = {"external_person_id": "p1", **{f"custom_fields__{k}": v for k, v in fields.items()}}
    assert person_write(nested).body == person_write(flat).body


@given(st.dictionaries(st.text(max_size=8), FIELD_VALUES, max_size=8))
def test_person_body_never_carries_read_only_fields(extra: dict[str, object]) -> None:
    record = {**extra, "external_person_id": "p1", "person_key": "k", "created_at": "x"}
    try:
        body = person_write(record).body
    except MappingError:
        return  # e.g. an "mdn" column that is not a number: rejected, not sent
    assert set(body) <= {"mobile_phone", "custom_fields", "external_person_id"}


def test_nest_merges_columns_into_objects() -> None:
    assert nest({"tokens": {"a": 1}, "tokens__b": 2, "passbook__notification": "hi"}) == {
        "tokens": {"a": 1, "b": 2},
        "passbook": {"notification": "hi"},
    }


@pytest.mark.parametrize(
    ("row", "action"),
    [
        ({"subscribed": False}, "unsubscribe"),
        ({"subscribed": "no"}, "unsubscribe"),
        ({"action": "Opt_Out"}, "unsubscribe"),
        ({"opt_out_date": "2020-01-01T00:00:00Z"}, "unsubscribe"),
        ({"status": "unsubscribed"}, "unsubscribe"),
        ({"subscribed": True, "opt_out_date": "x"}, "subscribe"),
        ({"action": "subscribe"}, "subscribe"),
        ({}, "subscribe"),
    ],
)
def test_subscriber_actions(row: dict[str, object], action: str) -> None:
    assert subscriber_action(row) == action


def test_subscriber_write_needs_list_or_campaign() -> None:
    row = {"mdn": "+12995550001", "subscribed": False}
    with pytest.raises(MappingError, match="subscription_list_id"):
        subscriber_write(row)
    write = subscriber_write(row, subscription_list_id="7")
    assert (write.action, write.subscription_list_id, write.identity.kind) == (
        "unsubscribe",
        "7",
        "mdn",
    )
    tap_row = {
        "person": {"id": "pk"},
        "subscription_list": {"id": "9"},
        "opt_in_date": "2020-01-01T00:00Z",
        "opt_out_date": "2021-02-03T04:05:06Z",
    }
    old = subscriber_write(tap_row)
    assert (old.subscription_list_id, old.action) == ("9", "unsubscribe")
    assert old.as_of is not None and old.as_of.isoformat() == "2021-02-03T04:05:06+00:00"
    with pytest.raises(MappingError, match="opt_out_date"):
        subscriber_write({**tap_row, "opt_out_date": "last tuesday"})
    with pytest.raises(MappingError, match="acquisition"):
        subscriber_write({"mdn": "+12995550001"})
    # A subscribe row with its list waits for Vibes' answer before it needs a campaign.
    assert (
        subscriber_write({"mdn": "+12995550001"}, subscription_list_id="7").acquisition_id is None
    )


def test_participant_body_has_one_identifier() -> None:
    write = participant_write(
        {"mdn": "2995550002", "person_key": "k", "custom_fields__first_name": "A"},
        acquisition_id="acq",
    )
    assert write.body == {
        "mobile_phone": {"mdn": "+12995550002"},
        "custom_fields": {"first_name": "A"},
    }


def test_wallet_item_sends_only_given_fields_and_flags_notifications() -> None:
    write = wallet_item_write(
        {
            "wallet_item_id": "i1",
            "campaign_ref": {"id": "w1", "type": "wallet", "url": "/x"},
            "tokens__balance": "10",
            "tokens__tier": None,
            "provider": "google_wallet",
            "updated_at": "x",
        }
    )
    assert (write.wallet_id, write.item_id, write.google, notifies(write.body)) == (
        "w1",
        "i1",
        True,
        False,
    )
    assert write.body == {"tokens": {"balance": "10", "tier": None}}
    noisy = wallet_item_write(
        {"wallet_item_id": "i", "passbook__notification": "Hi"}, wallet_id="w"
    )
    assert notifies(noisy.body)


def test_wallet_item_changes_leave_out_what_vibes_already_has() -> None:
    current = {
        "tokens": {"balance": "10", "tier": "gold"},
        "passbook": {"notification": "Your balance is 10"},
        "locations": [],
    }
    same = {"tokens": {"balance": 10, "tier": "gold"}, "passbook": current["passbook"]}
    assert wallet_item_changes(same, current) == {}
    changed = {"tokens": {"balance": "11", "tier": "gold"}, "passbook": current["passbook"]}
    # The unchanged pass text is state: sending it again would notify the holder again.
    assert wallet_item_changes(changed, current) == {"tokens": {"balance": "11"}}
    assert not notifies(wallet_item_changes(changed, current))
    noted = {"passbook": {"notification": "Your balance is 11"}}
    assert notifies(wallet_item_changes(noted, current))
    assert wallet_item_changes({"tokens": {"tier": None}}, current) == {"tokens": {"tier": None}}


def test_wallet_message_and_broadcast_bodies() -> None:
    post = wallet_message_write(
        {"wallet_id": "w 1", "message__template": "Hi", "filters": [{"name": "provider"}]}
    )
    assert post.wallet_id == "w 1"
    assert post.body == {"message": {"template": "Hi"}, "filters": [{"name": "provider"}]}
    with pytest.raises(AlreadyInVibes, match="broadcast 1"):
        broadcast_write({"broadcast_id": "1", "status": "scheduled"})
    broadcast = broadcast_write(
        {
            "status": "scheduled",
            "name": "Alert",
            "send_scheduled_date": "2030-01-01T00:00:00Z",
            "targeting": {"message_template": "Hi", "source_lists": ["1"], "delivery": {}},
            "delivery": {"recipient_count": 3},
        }
    )
    assert broadcast.body == {
        "name": "Alert",
        "send_scheduled_date": "2030-01-01T00:00:00Z",
        "targeting": {"message_template": "Hi", "source_lists": ["1"]},
    }
    with pytest.raises(MappingError, match="send_scheduled_date"):
        broadcast_write(
            {"name": "x", "targeting": {"message_template": "a", "source_lists": ["1"]}}
        )
    # Nulls are "not given" on a create: Vibes' schema refuses a null short_url_base.
    with_nulls = broadcast_write(
        {
            "name": "Alert",
            "send_scheduled_date": "2030-01-01T00:00:00Z",
            "send_schedule": None,
            "targeting__message_template": "Hi",
            "targeting__source_lists": ["1"],
            "targeting__short_url_base": None,
            "targeting__source_short_code": None,
        }
    )
    assert with_nulls.body == broadcast.body
    # A column a broadcast has no place for is named, not sent.
    extra = broadcast_write({**with_nulls.body, "campaign_owner": "ann"})
    assert extra.ignored == ("campaign_owner",) and "campaign_owner" not in extra.body


@given(st.dictionaries(FIELD_NAMES, st.text(max_size=10), max_size=5))
def test_event_ids_are_stable_and_content_bound(extra: dict[str, str]) -> None:
    record = {"event_type": "order_shipped", "external_person_id": "p1", **extra}
    first = event_write("orders", record)
    assert first == event_write("orders", dict(record))
    assert first["event_id"] != event_write("other_stream", record)["event_id"]
    changed = {**record, "external_person_id": "p2"}
    assert event_write("orders", changed)["event_id"] != first["event_id"]
    assert first["event_data"]["external_person_id"] == "p1"


def test_event_refusals() -> None:
    with pytest.raises(MappingError, match="no recipient"):
        event_write("s", {"event_type": "x"})
    with pytest.raises(MappingError, match="event_type"):
        event_write("s", {"event_type": "bad type", "mdn": "+12995550000"})
    with pytest.raises(MappingError, match="16384"):
        event_write("s", {"event_type": "x", "mdn": "+12995550000", "blob": "a" * 17000})
    assert (
        event_write("s", {"event_id": 5, "event_type": "x", "mdn": "+12995550000"})["event_id"]
        == "5"
    )


def test_routing_setting() -> None:
    routes = parse_streams_setting(
        {"crm_contacts": {"resource": "persons", "match_on": "external_person_id"}},
        SINK_BY_RESOURCE,
    )
    assert routes["crm_contacts"].options == {"match_on": "external_person_id", "mode": "upsert"}
    by_name = resolve_route("persons", routes, SINK_BY_RESOURCE)
    assert by_name is not None and by_name.options == {"match_on": "auto", "mode": "upsert"}
    assert resolve_route("whatever", routes, SINK_BY_RESOURCE) is None
    with pytest.raises(RoutingError, match="resource"):
        parse_streams_setting({"x": {"resource": "people"}}, SINK_BY_RESOURCE)
    with pytest.raises(RoutingError, match="unknown option"):
        parse_streams_setting({"x": {"resource": "persons", "wallet_id": "w"}}, SINK_BY_RESOURCE)
    with pytest.raises(RoutingError, match="match_on"):
        parse_streams_setting({"x": {"resource": "persons", "match_on": "email"}}, SINK_BY_RESOURCE)


def test_routing_reads_what_each_sink_declares() -> None:
    """Options, messaging and the settings' help come from the sinks themselves."""
    events = resolve_route("events", {}, SINK_BY_RESOURCE)
    broadcasts = resolve_route("broadcasts", {}, SINK_BY_RESOURCE)
    assert events is not None and events.always_messages
    assert broadcasts is not None and not broadcasts.always_messages
    streams_help = streams_setting_help(SINK_BY_RESOURCE)
    messaging_help = allow_messaging_help(SINK_BY_RESOURCE)
    for resource, sink in SINK_BY_RESOURCE.items():
        assert resource in streams_help
        free = [name for name, option in sink.route_options.items() if not option.choices]
        routes = parse_streams_setting(
            {"s": {"resource": resource, **dict.fromkeys(free, "v1")}}, SINK_BY_RESOURCE
        )
        assert all(routes["s"].option(name) == "v1" for name in free)
        if sink.messages_people is not Messaging.NEVER:
            assert sink.messaging_note and sink.messaging_note in messaging_help
    assert "a stream of events fails before any write" in messaging_help


@given(st.datetimes(timezones=st.just(dt.UTC)))
def test_datetimes_become_iso_text_of_the_same_instant(value: dt.datetime) -> None:
    text = json_safe(value)
    assert isinstance(text, str) and text.endswith("Z")
    assert dt.datetime.fromisoformat(text.replace("Z", "+00:00")) == value


@pytest.mark.parametrize(
    ("updated_at", "date_header", "unchanged"),
    [
        ("2026-01-01T10:00:00Z", "Thu, 01 Jan 2026 10:00:05 GMT", True),
        ("2026-01-01T10:00:04Z", "Thu, 01 Jan 2026 10:00:05 GMT", False),
        ("2026-01-01T10:00:09Z", "Thu, 01 Jan 2026 10:00:05 GMT", False),
        ("not a time", "Thu, 01 Jan 2026 10:00:05 GMT", False),
        ("2026-01-01T10:00:00Z", "", False),
    ],
)
def test_person_answer_tells_unchanged_by_the_servers_clock(
    updated_at: str, date_header: str, unchanged: bool
) -> None:
    assert untouched({"updated_at": updated_at}, {"Date": date_header}) is unchanged


def test_duplicate_event_answers() -> None:
    duplicate = VibesUnprocessable(
        422, "POST", "/x/events", [{"message": "event_id abc has already been used"}]
    )
    other = VibesUnprocessable(422, "POST", "/x/events", [{"message": "event_type is required"}])
    assert is_duplicate_event(duplicate)
    assert not is_duplicate_event(other)
    assert is_duplicate_event(VibesUnprocessable(409, "POST", "/x/events", []))
