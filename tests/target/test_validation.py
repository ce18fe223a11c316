"""The fast validation pre-check agrees with jsonschema, as the SDK runs it, exactly."""

from __future__ import annotations

import decimal
from typing import Any

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from target_vibes.validation import compile_check

NAMES = st.sampled_from(["a", "b", "c", "d"])
TYPE_NAMES = st.sampled_from(["string", "integer", "number", "boolean", "null", "object", "array"])
TYPES = st.one_of(TYPE_NAMES, st.lists(TYPE_NAMES, min_size=1, max_size=3, unique=True))


def _object_schema(children: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"properties": st.dictionaries(NAMES, children, max_size=3)},
        optional={
            "type": st.sampled_from(["object", ["object", "null"]]),
            "required": st.lists(NAMES, max_size=2, unique=True),
            "additionalProperties": st.one_of(st.booleans(), children),
            "description": st.just("annotation"),
        },
    )


LEAVES = st.fixed_dictionaries(
    {"type": TYPES}, optional={"format": st.sampled_from(["date-time", "date", "email"])}
)
SCHEMAS = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        _object_schema(children),
        st.fixed_dictionaries({"type": st.just("array"), "items": children}),
    ),
    max_leaves=8,
)
INSTANCES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-5, 5),
        st.floats(allow_nan=False, allow_infinity=False, width=16),
        st.decimals(allow_nan=False, allow_infinity=False, places=1, min_value=-5, max_value=5),
        st.sampled_from(["", "x", "2026-01-01T00:00:00Z", "not a date"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(NAMES, children, max_size=4)
    ),
    max_leaves=10,
)


def sdk_verdict(schema: dict[str, Any], instance: Any) -> bool:
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.FormatChecker(formats=())
    )
    return bool(validator.is_valid(instance))


@settings(max_examples=200)
@given(SCHEMAS, INSTANCES)
def test_fast_check_matches_jsonschema(schema: dict[str, Any], instance: Any) -> None:
    check = compile_check(schema)
    assert check is not None
    assert check(instance) == sdk_verdict(schema, instance)


def test_schemas_outside_the_subset_are_left_to_jsonschema() -> None:
    assert compile_check({"type": "string", "maxLength": 3}) is None
    assert compile_check({"anyOf": [{"type": "string"}]}) is None
    assert compile_check({"properties": {"a": {"type": "string", "pattern": "x"}}}) is None
    assert compile_check({"type": "date"}) is None
    assert compile_check({"items": [{"type": "string"}]}) is None
    check = compile_check({"type": "object", "properties": {"n": {"type": "integer"}}})
    assert check is not None
    assert check({"n": 1.0}) and not check({"n": True})
    assert not check({"n": decimal.Decimal("1")})
