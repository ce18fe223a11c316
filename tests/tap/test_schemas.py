"""Every stream's schema accepts what Vibes really sends, through the SDK's own record path.

Records shaped like Vibes' examples go through the stream's ``post_process`` and the SDK's
type conformance, and must then validate against the stream schema with a *strict* RFC 3339
``date-time`` check (what a target with a full format checker applies): minute precision and
``+0000`` offsets must come out valid, nothing may be dropped, custom fields stay as sent.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from singer_sdk.helpers._typing import conform_record_data_types
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_vibes.streams.broadcasts import hoist_targeting_fields
from tap_vibes.tap import TapVibes
from tests.tap.examples import EXAMPLES, PERSON

STRICT = FormatChecker()
_RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)\Z")


@STRICT.checks("date-time")
def _is_rfc3339(value: object) -> bool:
    return not isinstance(value, str) or bool(_RFC3339.match(value))


@pytest.fixture(scope="module")
def tap() -> Iterator[TapVibes]:
    tap = TapVibes(config={"company_key": "ck", "username": "u", "password": "p"})
    yield tap
    tap.close_session()


def through_the_sdk(tap: TapVibes, stream_name: str, raw: dict[str, Any]) -> dict[str, Any]:
    stream = tap.streams[stream_name]
    record = copy.deepcopy(raw)
    if stream_name == "broadcasts":
        record = hoist_targeting_fields(record)
    processed = stream.post_process(record, None)
    assert processed is not None
    return conform_record_data_types(
        stream_name, processed, stream.schema, TypeConformanceLevel.RECURSIVE, logging.getLogger()
    )


CASES = [(name, i) for name, records in EXAMPLES.items() for i in range(len(records))]


@pytest.mark.parametrize(("stream_name", "index"), CASES)
def test_vibes_examples_validate_strictly_after_the_sdk(
    tap: TapVibes, stream_name: str, index: int
) -> None:
    raw = EXAMPLES[stream_name][index]
    record = through_the_sdk(tap, stream_name, raw)
    errors = list(
        Draft202012Validator(tap.streams[stream_name].schema, format_checker=STRICT).iter_errors(
            record
        )
    )
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    assert set(raw) <= set(record), "the SDK dropped fields the schema does not declare"


def test_timestamps_become_rfc3339_and_custom_fields_stay_as_sent(tap: TapVibes) -> None:
    record = through_the_sdk(tap, "persons", PERSON)
    assert record["custom_fields"] == PERSON["custom_fields"]  # incl. "...T00:00:00z" text
    assert record["updated_at"] == "2017-04-24T14:33:21Z"  # already RFC 3339: unchanged
    acquisition = through_the_sdk(
        tap, "acquisition_campaigns", EXAMPLES["acquisition_campaigns"][0]
    )
    assert acquisition["updated_date"] == "2017-01-16T09:00:00+00:00"
    subscriber = through_the_sdk(tap, "subscribers", EXAMPLES["subscribers"][0])
    assert subscriber["opt_out_date"] == "2018-07-09T23:55:00+00:00"


def test_oas_nested_broadcast_fields_are_also_at_the_top(tap: TapVibes) -> None:
    record = through_the_sdk(tap, "broadcasts", EXAMPLES["broadcasts"][1])
    assert record["updated_at"] == "2017-02-01T10:05:00+00:00"
    assert record["targeting"]["updated_at"] == "2017-02-01T10:05:00+00:00"
    assert record["delivery"] == {"send_start_date": None, "recipient_count": 0}
    assert record["targeting"]["source_short_code"]["short_code"] == "12345"
