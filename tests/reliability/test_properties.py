"""Property-based tests of the parsers where the tap, the target and Vibes must agree.

tests/target/test_mapping.py already drives the target's record mapping, its own MDN
normalisation and its datetime rendering; tests/tap/test_timestamps.py checks the tap's
timestamp forms by example. Added here: the tap's timestamp normalisation and bookmark
order over generated instants and spellings, the emulator's MDN parsing, and the
agreements between pieces (what the target sends, the emulator accepts; custom field
values the tap reads back load again unchanged).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tap_vibes.timestamps import bookmark_text, normalize_record, parse_timestamp, to_rfc3339
from target_vibes.mapping.common import MappingError, mdn_or_reject
from target_vibes.mapping.people import custom_field_value
from vibes_emulator.errors import ApiError
from vibes_emulator.store.custom_fields import default_fields, normalize_values, render_values
from vibes_emulator.store.mdn import parse_mdn, render_mdn

RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)\Z")
OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
INSTANTS = st.datetimes(
    min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2099, 12, 31), timezones=OFFSETS
)
PRECISIONS = ("minutes", "seconds", "milliseconds", "microseconds")


def spell(instant: dt.datetime, precision: str, style: str) -> tuple[str, dt.datetime]:
    """One way Vibes may print ``instant`` (FACTS §1.8), and the instant that text means."""
    text = instant.isoformat(timespec=precision)
    meant = instant.replace(
        second=0 if precision == "minutes" else instant.second,
        microsecond={
            "minutes": 0,
            "seconds": 0,
            "milliseconds": instant.microsecond // 1000 * 1000,
        }.get(precision, instant.microsecond),
    )
    if style == "colonless":  # +0000, as old payloads have it
        text = text[:-3] + text[-2:]
    elif style == "z" and instant.utcoffset() == dt.timedelta(0):
        text = text[:-6] + "Z"
    elif style == "lower-z" and instant.utcoffset() == dt.timedelta(0):
        text = text[:-6] + "z"
    return text, meant


SPELLINGS = st.tuples(
    INSTANTS, st.sampled_from(PRECISIONS), st.sampled_from(("colon", "colonless", "z", "lower-z"))
)


@given(SPELLINGS)
def test_tap_normalisation_keeps_the_instant_and_emits_rfc3339(spelling: Any) -> None:
    text, meant = spell(*spelling)
    normal = to_rfc3339(text)
    assert RFC3339.match(normal), (text, normal)
    assert parse_timestamp(normal) == meant
    # Nested paths get the same treatment, and a second pass changes nothing.
    record = {"a": text, "b": {"c": [text]}}
    normalize_record(record, [("a",), ("b", "c", "*")])
    assert record == {"a": normal, "b": {"c": [normal]}}
    assert to_rfc3339(normal) == normal


@given(SPELLINGS, SPELLINGS)
def test_bookmark_text_orders_like_the_instants(one: Any, other: Any) -> None:
    (text_a, a), (text_b, b) = spell(*one), spell(*other)
    mark_a, mark_b = bookmark_text(text_a), bookmark_text(text_b)
    assert mark_a is not None and mark_b is not None
    assert (mark_a < mark_b) == (a < b)
    assert (mark_a == mark_b) == (a == b)


@given(st.one_of(st.text(max_size=30), st.integers(), st.none(), st.booleans()))
def test_tap_normalisation_never_loses_what_is_not_a_timestamp(value: Any) -> None:
    normal = to_rfc3339(value)
    if parse_timestamp(value) is None:
        assert normal == value


E164 = st.builds(
    lambda first, rest: f"+{first}{rest}",
    st.integers(1, 9),
    st.from_regex(r"[0-9]{7,14}", fullmatch=True),
)
NANP = st.from_regex(r"[2-9][0-9]{9}", fullmatch=True)


@given(E164)
def test_emulator_keeps_every_e164_number_in_version_2(mdn: str) -> None:
    assert parse_mdn(mdn, 2) == mdn
    assert render_mdn(mdn, 2) == mdn


@given(NANP, st.booleans())
def test_emulator_reads_us_numbers_in_version_1_and_prints_them_back(
    digits: str, one: bool
) -> None:
    e164 = parse_mdn(("1" if one else "") + digits, 1)
    assert e164 == "+1" + digits
    assert render_mdn(e164, 1) == digits
    with pytest.raises(ApiError):
        parse_mdn(e164, 1)  # version 1 refuses E.164 input


@given(st.text(alphabet="0123456789+-() .x", max_size=20))
def test_emulator_refuses_what_is_not_e164_in_version_2(raw: str) -> None:
    try:
        parsed = parse_mdn(raw, 2)
    except ApiError as error:
        assert error.status == 400
        assert error.messages == ["Invalid MDN format"]
    else:
        assert re.fullmatch(r"\+[1-9][0-9]{7,14}", parsed)


# Digits of any script: str.isdigit() says yes to Arabic-Indic and full-width digits too.
ANY_DIGITS = st.characters(categories=["Nd"])
MDN_LIKE = st.one_of(
    st.text(max_size=24),
    st.text(alphabet="0123456789+-() .", max_size=20),
    st.builds(lambda digits: "+" + digits, st.text(ANY_DIGITS, min_size=8, max_size=15)),
    st.text(ANY_DIGITS, min_size=10, max_size=11),
)


@given(MDN_LIKE)
def test_what_the_target_sends_as_an_mdn_vibes_accepts(raw: str) -> None:
    # The target rejects bad numbers itself, before any request; whatever it lets through
    # must then be a number the API accepts, or the "reason" would come from Vibes instead.
    try:
        mdn = mdn_or_reject(raw)
    except MappingError as refusal:
        assert "not a phone number" in str(refusal)
        return
    assert parse_mdn(mdn, 2) == mdn


@given(NANP, st.sampled_from(["{}", "({}) {}-{}", "{}-{}-{}", "{}.{}.{}", "1 {} {} {}"]))
def test_target_and_emulator_read_us_numbers_alike(digits: str, layout: str) -> None:
    parts = [digits] if layout == "{}" else [digits[:3], digits[3:6], digits[6:]]
    assert mdn_or_reject(layout.format(*parts)) == parse_mdn(digits, 1)


DEFINITIONS = {definition["name"]: definition for definition in default_fields()}


def _valid_value(definition: dict[str, Any]) -> st.SearchStrategy[Any]:
    kind = definition["type"]
    if kind == "string":
        return st.one_of(st.none(), st.text(max_size=20))
    if kind == "date":
        return INSTANTS.map(lambda d: d.isoformat(timespec="seconds"))
    options = definition["options"]
    names = st.sampled_from([o["option_key"] for o in options] + [o["name"] for o in options])
    if kind == "single_select":
        return names
    return st.lists(names, max_size=4)


CUSTOM_FIELDS = st.fixed_dictionaries(
    {}, optional={name: _valid_value(d) for name, d in DEFINITIONS.items()}
)


@given(CUSTOM_FIELDS)
def test_custom_fields_read_by_the_tap_load_back_unchanged(values: dict[str, Any]) -> None:
    stored = normalize_values(DEFINITIONS, values)
    # What Vibes prints (and tap-vibes emits), then what target-vibes sends back.
    printed = render_values(DEFINITIONS, stored)
    sent = {name: custom_field_value(value) for name, value in printed.items()}
    assert normalize_values(DEFINITIONS, sent) == stored
