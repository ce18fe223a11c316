"""MDN parsing and rendering per API version (property-based)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vibes_emulator.errors import ApiError
from vibes_emulator.store.mdn import (
    COUNTRY_NOT_SUPPORTED,
    INVALID_MDN,
    parse_mdn,
    render_mdn,
    visible,
)

US_NATIONAL = st.from_regex(r"\A[2-9][0-9]{9}\Z")
E164 = st.from_regex(r"\A\+[1-9][0-9]{7,14}\Z")
# No per-example deadline: make test runs on a loaded 2-core machine.
RELAXED = settings(deadline=None, max_examples=60)


@RELAXED
@given(US_NATIONAL)
def test_version_1_ten_digits_round_trip(national: str) -> None:
    e164 = parse_mdn(national, 1)
    assert e164 == "+1" + national
    assert render_mdn(e164, 1) == national
    assert render_mdn(e164, 2) == e164


@RELAXED
@given(E164)
def test_version_2_e164_round_trips_and_version_1_refuses_it(number: str) -> None:
    assert parse_mdn(number, 2) == number
    with pytest.raises(ApiError) as error:
        parse_mdn(number, 1)
    assert error.value.messages == [INVALID_MDN]
    assert visible(number, 1) is number.startswith("+1")


@RELAXED
@given(st.text(max_size=20))
def test_anything_else_is_refused_with_a_vibes_error(raw: str) -> None:
    for version in (1, 2):
        try:
            parsed = parse_mdn(raw, version)
        except ApiError as error:
            assert error.status in (400, 404)
            assert error.messages[0] in (INVALID_MDN, COUNTRY_NOT_SUPPORTED)
        else:
            assert parsed.startswith("+") and parsed[1:].isdigit()


def test_non_ascii_digits_are_invalid() -> None:
    with pytest.raises(ApiError):
        parse_mdn("\u0663" * 10, 1)


def test_literal_plus_decoded_as_space_is_invalid_in_both_versions() -> None:
    for version in (1, 2):
        with pytest.raises(ApiError) as error:
            parse_mdn(" 13125550100", version)
        assert (error.value.status, error.value.messages) == (400, [INVALID_MDN])
