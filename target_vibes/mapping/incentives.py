"""Incentive issuances and redemptions: a record -> the request that issues or redeems a code.

A record that carries Vibes' ``id`` describes an issuance or redemption Vibes already made
(tap-vibes output): nothing to write. Column names follow tap-vibes' records (``code``,
``incentive_pool_id``, ``external_issuee_id``) and Vibes' nested objects (``incentive_code``,
``incentive_pool``); a CRM's ``external_person_id`` names the issuee too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from target_vibes.mapping.common import AlreadyInVibes, MappingError, nest, text, unmapped

# What an issuance/redemption request carries besides the code (the OAS request schema).
REQUEST_FIELDS = ("external_issuee_id", "referring_application", "referring_application_ref_id")
# Columns read to find the code, the pool and the issuee (and tap-vibes' read-only ones).
_KNOWN = frozenset(
    {
        *REQUEST_FIELDS,
        "id",
        "code",
        "incentive_code",
        "incentive_pool",
        "incentive_pool_id",
        "pool_id",
        "issuee_id",
        "external_person_id",
        "created_at",
        "updated_at",
    }
)


@dataclass(frozen=True)
class IncentiveWrite:
    """Issue a code from ``pool_id`` (``code`` None: any), or redeem ``code`` (pool_id None)."""

    pool_id: str | None
    code: str | None
    body: dict[str, Any]
    ignored: tuple[str, ...] = ()

    @property
    def issuee(self) -> str | None:
        return self.body.get("external_issuee_id") or self.body.get("issuee_id")


def _already(nested: Mapping[str, Any], what: str) -> None:
    if nested.get("id") is not None:
        raise AlreadyInVibes(
            f"record describes {what} {nested['id']} that Vibes already holds; only records "
            "without an id are sent"
        )


def _code(nested: Mapping[str, Any]) -> str | None:
    value = nested.get("code")
    inner = nested.get("incentive_code")
    if value is None and isinstance(inner, Mapping):
        value = inner.get("code")
    elif value is None and inner is not None:
        value = inner
    return text(value, "code")


def _body(nested: Mapping[str, Any]) -> dict[str, Any]:
    body = {name: text(nested.get(name), name) for name in REQUEST_FIELDS}
    if body["external_issuee_id"] is None:
        body["external_issuee_id"] = text(nested.get("external_person_id"), "external_person_id")
    return {name: value for name, value in body.items() if value is not None}


def issuance_write(record: Mapping[str, Any], *, pool_id: str | None = None) -> IncentiveWrite:
    """Issue a code to the record's issuee from its pool (column, else the route's pool_id)."""
    nested = nest(record)
    _already(nested, "issuance")
    pool = nested.get("incentive_pool")
    found = nested.get("incentive_pool_id") or nested.get("pool_id")
    if found is None and isinstance(pool, Mapping):
        found = pool.get("id")
    pool_text = text(found, "incentive_pool_id") or pool_id
    if pool_text is None:
        raise MappingError(
            "record names no pool: give incentive_pool_id (or the route's pool_id option)"
        )
    body = _body(nested)
    if "external_issuee_id" not in body:
        raise MappingError(
            "record names no issuee: give external_issuee_id (or external_person_id)"
        )
    code = _code(nested)
    if code is not None:
        body["code"] = code
    return IncentiveWrite(pool_text, code, body, unmapped(nested, _KNOWN))


def redemption_write(record: Mapping[str, Any]) -> IncentiveWrite:
    """Redeem the record's code, for its issuee when it names one."""
    nested = nest(record)
    _already(nested, "redemption")
    code = _code(nested)
    if code is None:
        raise MappingError("record names no incentive code: give code")
    body = _body(nested)
    issuee = text(nested.get("issuee_id"), "issuee_id")
    if issuee is not None and "external_issuee_id" not in body:
        body["issuee_id"] = issuee
    return IncentiveWrite(None, code, body, unmapped(nested, _KNOWN))
