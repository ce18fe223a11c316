"""A fast pre-check for record validation, exact where it answers and silent where not.

The SDK validates every record with jsonschema, which costs more per record than the
whole mapping. Singer schemas almost always use a small subset of JSON Schema (type,
properties, items, required, additionalProperties, plus annotations); for a schema made
only of those, ``compile_check`` builds a plain-Python predicate that accepts exactly the
records jsonschema (Draft 2020-12, formats not asserted, as the SDK runs it) accepts.
The sink calls jsonschema only when the predicate says no (for its precise message) or
when the schema uses anything else (then ``compile_check`` returns None).

``RecordSchemaCheck`` is the validator the sinks hand the SDK: it records a record's
problem for the sink to dead-letter instead of stopping the run.
"""

from __future__ import annotations

import datetime as dt
import numbers
from collections.abc import Callable
from typing import Any

from singer_sdk.exceptions import InvalidRecord
from singer_sdk.sinks.core import BaseJSONSchemaValidator

Check = Callable[[Any], bool]

# Keywords that never make a record invalid (formats are not asserted, as in the SDK).
_ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "default",
        "examples",
        "format",
        "$comment",
        "readOnly",
        "writeOnly",
        "deprecated",
        "contentMediaType",
        "contentEncoding",
    }
)
_STRUCTURE = frozenset({"type", "properties", "items", "required", "additionalProperties"})


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Number)


_TYPE_CHECKS: dict[str, Check] = {
    "string": lambda value: isinstance(value, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
}


_OBJECT_KEYWORDS = frozenset({"properties", "required", "additionalProperties"})


def _accept(value: Any) -> bool:
    return True


def _type_check(declared: Any) -> Check | None:
    names = [declared] if isinstance(declared, str) else declared
    if not isinstance(names, list) or not names:
        return None
    checks = []
    for name in names:
        if name not in _TYPE_CHECKS:
            return None
        checks.append(_TYPE_CHECKS[name])
    return _any_of(checks)


def compile_check(schema: Any) -> Check | None:
    """A predicate equal to jsonschema's verdict for ``schema``, or None outside the subset."""
    if schema is True or schema == {}:
        return _accept
    if not isinstance(schema, dict) or set(schema) - _ANNOTATIONS - _STRUCTURE:
        return None
    parts: list[Check] = []
    if "type" in schema:
        type_check = _type_check(schema["type"])
        if type_check is None:
            return None
        parts.append(type_check)
    if _OBJECT_KEYWORDS & schema.keys():
        object_part = _object_check(schema)
        if object_part is None:
            return None
        parts.append(object_part)
    if "items" in schema:
        items = compile_check(schema["items"])
        if items is None:
            return None
        parts.append(lambda value: not isinstance(value, list) or all(items(v) for v in value))
    return _all_of(parts)


# Per record these run once per property, so they avoid generator expressions.
def _any_of(checks: list[Check]) -> Check:
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda value: first(value) or second(value)
    return lambda value: any(check(value) for check in checks)


def _all_of(checks: list[Check]) -> Check:
    if not checks:
        return _accept
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda value: first(value) and second(value)
    return lambda value: all(check(value) for check in checks)


def _object_check(schema: dict[str, Any]) -> Check | None:
    """The properties/required/additionalProperties part (applies to objects only)."""
    properties = schema.get("properties", {})
    required = schema.get("required", [])
    additional = schema.get("additionalProperties", True)
    if not isinstance(properties, dict) or not isinstance(required, list):
        return None
    if not all(isinstance(name, str) for name in required):
        return None
    compiled: dict[str, Check] = {}
    for name, sub in properties.items():
        sub_check = compile_check(sub)
        if sub_check is None:
            return None
        compiled[name] = sub_check
    extra: Check | None = None
    if additional is False:
        extra = _only(frozenset(compiled))
    elif not (additional is True or additional == {}):
        others = compile_check(additional)
        if others is None:
            return None
        extra = _others_match(frozenset(compiled), others)

    needed = tuple(required)
    items = tuple(compiled.items())

    def check_object(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        for name in needed:
            if name not in value:
                return False
        for name, sub in items:
            if name in value and not sub(value[name]):
                return False
        return extra is None or extra(value)

    return check_object


def _only(known: frozenset[str]) -> Check:
    return lambda value: set(value) <= known


def _others_match(known: frozenset[str], check: Check) -> Check:
    return lambda value: all(check(item) for key, item in value.items() if key not in known)


_TEMPORAL_PARSERS: dict[str, Callable[[str], object]] = {
    "date-time": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
}


class RecordSchemaCheck(BaseJSONSchemaValidator):
    """Validates like the SDK, but records the problem instead of stopping the run.

    The sink then rejects the record with the problem as the reason (a dead letter), so a
    malformed row from upstream is neither dropped silently nor fatal for the others. A
    date/time column that does not parse is blanked in the record the SDK goes on to
    parse (which would otherwise stop the run); the dead letter keeps the original.
    """

    def __init__(
        self, inner: BaseJSONSchemaValidator, problems: dict[int, tuple[str, dict | None]]
    ) -> None:
        super().__init__(inner.schema)
        self._inner = inner
        self._problems = problems
        self._fast = compile_check(inner.schema)
        self._temporal = [
            (key, spec["format"], _TEMPORAL_PARSERS[spec["format"]])
            for key, spec in inner.schema.get("properties", {}).items()
            if isinstance(spec, dict) and spec.get("format") in _TEMPORAL_PARSERS
        ]

    def validate(self, record: dict) -> None:
        problem: str | None = None
        original: dict | None = None
        if self._fast is None or not self._fast(record):
            try:
                self._inner.validate(record)
            except InvalidRecord as invalid:
                problem = invalid.error_message
        for key, kind, parse in self._temporal:
            value = record.get(key)
            if not isinstance(value, str):
                continue
            try:
                parse(value)
            except ValueError:
                problem = problem or f"{key} {value!r} is not a valid {kind}"
                original = original or dict(record)
                record[key] = None
        if problem is not None:
            reason = f"record does not match the stream's schema: {problem}"
            self._problems[id(record)] = (reason, original)
