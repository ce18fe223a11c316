"""Pure tests of Vibes timestamp handling: parsing, RFC 3339 rewriting, bookmark text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tap_vibes.timestamps import (
    bookmark_text,
    datetime_paths,
    normalize_record,
    parse_timestamp,
    to_rfc3339,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-01-15T14:30Z", "2017-01-15T14:30:00+00:00"),
        ("2017-01-15T14:30:00+0000", "2017-01-15T14:30:00+00:00"),
        ("2017-01-15T08:30:00-0600", "2017-01-15T08:30:00-06:00"),
        ("1990-12-01T00:00:00z", "1990-12-01T00:00:00+00:00"),
        ("2017-04-24T14:33:21", "2017-04-24T14:33:21+00:00"),
    ],
)
def test_non_rfc3339_forms_are_rewritten_keeping_the_instant(text: str, expected: str) -> None:
    assert to_rfc3339(text) == expected
    assert parse_timestamp(text) == parse_timestamp(expected)


@pytest.mark.parametrize(
    "text",
    ["2017-04-24T14:33:21Z", "2018-05-07T15:27:33.664Z", "2018-07-09T23:55:00.000-05:00"],
)
def test_rfc3339_values_pass_through_byte_identical(text: str) -> None:
    assert to_rfc3339(text) is text


@pytest.mark.parametrize("value", ["not a date", "", None, 17, "2017-13-45T99:99Z"])
def test_values_that_are_not_timestamps_are_kept(value: object) -> None:
    assert to_rfc3339(value) == value
    assert parse_timestamp(value) is None


def test_bookmark_text_orders_like_instants_across_precisions_and_offsets() -> None:
    values = [
        "2017-01-15T14:30:05Z",
        "2017-01-15T14:30Z",
        "2017-01-15T08:30:01-0600",
        "2017-01-15T14:30:00.500Z",
    ]
    # As raw text "14:30Z" sorts after "14:30:05Z"; as bookmark text it must not.
    by_text = sorted(values, key=lambda v: bookmark_text(v) or "")
    by_instant = sorted(
        values, key=lambda v: parse_timestamp(v) or datetime.min.replace(tzinfo=UTC)
    )
    assert by_text == by_instant
    assert sorted(values) != by_instant
    assert bookmark_text("2017-01-15T14:30Z") == "2017-01-15T14:30:00.000000+00:00"
    # The SDK writes its run-start signpost in the same layout.
    signpost = datetime(2017, 1, 15, 14, 30, tzinfo=UTC).isoformat(timespec="microseconds")
    assert bookmark_text("2017-01-15T14:30Z") == signpost


def test_datetime_paths_reach_nested_objects_and_arrays() -> None:
    schema = {
        "properties": {
            "updated_at": {"type": ["string", "null"], "format": "date-time"},
            "delivery": {
                "type": "object",
                "properties": {"send_start_date": {"format": "date-time"}},
            },
            "events": {"type": "array", "items": {"properties": {"at": {"format": "date-time"}}}},
            "name": {"type": "string"},
        }
    }
    paths = datetime_paths(schema)
    assert sorted(paths) == [
        ("delivery", "send_start_date"),
        ("events", "*", "at"),
        ("updated_at",),
    ]
    record = {
        "updated_at": "2017-01-15T14:30Z",
        "delivery": {"send_start_date": "2017-04-04T16:06:16+0000"},
        "events": [{"at": "2017-01-15T14:30Z"}, {"other": 1}],
        "name": "2017-01-15T14:30Z",
    }
    normalize_record(record, paths)
    assert record == {
        "updated_at": "2017-01-15T14:30:00+00:00",
        "delivery": {"send_start_date": "2017-04-04T16:06:16+00:00"},
        "events": [{"at": "2017-01-15T14:30:00+00:00"}, {"other": 1}],
        "name": "2017-01-15T14:30Z",  # not a date-time field: untouched
    }
