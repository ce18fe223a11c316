"""Incentive pools, codes, issuances and redemptions (FACTS §2.12, §7; the OAS schemas).

A pool holds codes loaded by an Incentive File Import (not served: FACTS §4.3), so a pool
created over the API has none until codes are added (``add_codes``, used by the seed and
tests). A ``unique`` pool issues each code once and lets it be redeemed once: it is finite,
and issuing from an exhausted pool is the published 422. A ``multi`` pool hands the same code
to any number of issuees and lets each issuance be redeemed. ``issuance_allowed`` and
``redemption_allowed`` switch the two operations off. The spec publishes no expiry or
validity date for pools or codes, so none is enforced (docs/emulator-choices.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from vibes_emulator.errors import ApiError, json_object, not_found, unprocessable

from . import ids
from .clock import SECOND, fmt_seconds
from .state import CompanyState, Core, Record

UNIQUE, MULTI = "unique", "multi"
_EVENT_STRINGS = (
    "external_issuee_id",
    "issuee_id",
    "referring_application",
    "referring_application_ref_id",
)
NO_CODES = "No codes are available from the code pool specified."


class Incentives:
    def __init__(self, core: Core) -> None:
        self.core = core

    # ---- rendering -----------------------------------------------------------------
    def _pool_url(self, state: CompanyState, pool_id: str) -> str:
        return f"/companies/{state.key}/incentives/pools/{pool_id}"

    def _code_url(self, state: CompanyState, code: str) -> str:
        return f"/companies/{state.key}/incentives/codes/{code}"

    def render_pool(self, state: CompanyState, pool: Record) -> dict[str, Any]:
        pool_id = str(pool["id"])
        codes = state.tables["incentive_code"].group("by_pool", pool_id)
        issued = len(state.tables["incentive_issuance"].group("by_pool", pool_id))
        unissued = sum(1 for code in codes if not self._issuances(state, code))
        return {
            "id": pool["id"],
            "name": pool["name"],
            "issuance_allowed": pool["issuance_allowed"],
            "redemption_allowed": pool["redemption_allowed"],
            "incentive_codes": {
                "total": len(codes),
                "issued": issued,
                "remaining": unissued if pool["method"] == UNIQUE else len(codes),
                "low_threshold": pool["low_threshold"],
                # Spelled as the published response schema spells it.
                "max_charachters": pool["max_characters"],
            },
            "distribution": {"method": pool["method"]},
            "notification_email_address": pool["notification_email_address"],
            "created_at": fmt_seconds(pool["created_at"]),
            "updated_at": fmt_seconds(pool["updated_at"]),
            "url": self._pool_url(state, pool_id),
        }

    def render_code(self, state: CompanyState, code: Record) -> dict[str, Any]:
        pool = state.tables["incentive_pool"][code["pool_id"]]
        issuances = self._issuances(state, code["code"])
        redemptions = state.tables["incentive_redemption"].group("by_code", code["code"])
        return {
            "code": code["code"],
            "active": bool(pool["issuance_allowed"]) and (pool["method"] == MULTI or not issuances),
            "issuances": _counts(issuances.values()),
            "redemptions": _counts(redemptions.values()),
            "created_at": fmt_seconds(code["created_at"]),
            "updated_at": fmt_seconds(code["updated_at"]),
            "url": self._code_url(state, code["code"]),
        }

    def render_event(self, state: CompanyState, event: Record) -> dict[str, Any]:
        """An issuance or a redemption (the spec gives both the issuance schema)."""
        out: dict[str, Any] = {"id": event["id"]}
        # Unset strings are left out rather than null: the schema types them as strings.
        for name in _EVENT_STRINGS:
            if event.get(name) is not None:
                out[name] = event[name]
        return out | {
            "incentive_code": {
                "code": event["code"],
                "url": self._code_url(state, event["code"]),
            },
            "incentive_pool": {
                "id": int(event["pool_id"]),
                "url": self._pool_url(state, event["pool_id"]),
            },
            "created_at": fmt_seconds(event["created_at"]),
            "updated_at": fmt_seconds(event["updated_at"]),
        }

    # ---- lookups -------------------------------------------------------------------
    def pool(self, state: CompanyState, pool_id: str) -> Record:
        pool = state.tables["incentive_pool"].get(pool_id)
        if pool is None:
            raise not_found("Incentive pool")
        return pool

    def code(self, state: CompanyState, code: str) -> Record:
        record = state.tables["incentive_code"].get(code)
        if record is None:
            raise not_found("Incentive code")
        return record

    def _issuances(self, state: CompanyState, code: str) -> Mapping[str, Record]:
        return state.tables["incentive_issuance"].group("by_code", code)

    # ---- pools ---------------------------------------------------------------------
    def pools(self, company_key: str) -> list[dict[str, Any]]:
        state = self.core.company(company_key)
        pools = sorted(state.tables["incentive_pool"].values(), key=lambda p: p["id"])
        return [self.render_pool(state, pool) for pool in pools]

    def get_pool(self, company_key: str, pool_id: str) -> dict[str, Any]:
        state = self.core.company(company_key)
        return self.render_pool(state, self.pool(state, pool_id))

    def create_pool(self, company_key: str, body: Any) -> dict[str, Any]:
        state = self.core.company(company_key)
        fields = _pool_fields(body)
        number = self.core.next_seq(state, "incentive_pool", start=301)
        now = self.core.clock.now_ms()
        pool: Record = {"id": number, **fields, "created_at": now, "updated_at": now}
        self.core.save(state, "incentive_pool", str(number), pool)
        return self.render_pool(state, pool)

    def update_pool(self, company_key: str, pool_id: str, body: Any) -> dict[str, Any]:
        state = self.core.company(company_key)
        pool = self.pool(state, pool_id)
        updated = {**pool, **_pool_fields(body)}
        if updated != pool:
            self._touch(state, "incentive_pool", pool_id, pool, updated)
        return self.render_pool(state, pool)

    def add_codes(self, company_key: str, pool_id: str, codes: Iterable[str]) -> int:
        """Load codes into a pool, as an Incentive File Import would (emulator-only)."""
        state = self.core.company(company_key)
        pool = self.pool(state, pool_id)
        table, now, codes = state.tables["incentive_code"], self.core.clock.now_ms(), list(codes)
        # All checked before any is stored, as a file import is accepted or refused whole.
        problems = [f"Incentive code {code} already exists" for code in codes if code in table]
        problems += [f"Incentive code {code} appears twice" for code in _repeated(codes)]
        problems += [
            f"Incentive code {code} is longer than the pool allows"
            for code in codes
            if len(code) > pool["max_characters"]
        ]
        if problems:
            raise unprocessable(*problems)
        for code in codes:
            self.core.save(
                state,
                "incentive_code",
                code,
                {"code": code, "pool_id": pool_id, "created_at": now, "updated_at": now},
            )
        return len(codes)

    # ---- codes, issuances, redemptions ------------------------------------------------
    def get_code(self, company_key: str, code: str) -> dict[str, Any]:
        state = self.core.company(company_key)
        return self.render_code(state, self.code(state, code))

    def issuances(self, company_key: str, code: str) -> list[dict[str, Any]]:
        state = self.core.company(company_key)
        self.code(state, code)
        return self._events(state, self._issuances(state, code).values())

    def redemptions(self, company_key: str, code: str) -> list[dict[str, Any]]:
        state = self.core.company(company_key)
        self.code(state, code)
        redeemed = state.tables["incentive_redemption"].group("by_code", code)
        return self._events(state, redeemed.values())

    def _events(self, state: CompanyState, events: Iterable[Record]) -> list[dict[str, Any]]:
        return [self.render_event(state, e) for e in sorted(events, key=lambda e: e["id"])]

    def issue(self, company_key: str, pool_id: str, body: Any) -> dict[str, Any]:
        state = self.core.company(company_key)
        pool = self.pool(state, pool_id)
        fields = body if isinstance(body, dict) else {}
        if not pool["issuance_allowed"]:
            raise unprocessable("Codes are not currently allowed to be issued from this pool")
        code = self._code_to_issue(state, pool, fields.get("code"))
        number = self.core.next_seq(state, "incentive_issuance", start=700_001)
        external = fields.get("external_issuee_id")
        issuee = issuee_id(state, external, number)
        issuance = self._event(state, number, code, fields, external, issuee)
        self.core.save(state, "incentive_issuance", str(number), issuance)
        self._changed(state, code, pool)
        return self.render_event(state, issuance)

    def _code_to_issue(self, state: CompanyState, pool: Record, wanted: Any) -> Record:
        codes = state.tables["incentive_code"].group("by_pool", str(pool["id"]))
        if wanted is not None:
            code = codes.get(str(wanted))
            if code is None:
                raise unprocessable(f"Incentive code {wanted} is not in this pool")
            if pool["method"] == UNIQUE and self._issuances(state, code["code"]):
                raise unprocessable(f"Incentive code {wanted} has already been issued")
            return code
        for code in sorted(codes.values(), key=lambda c: (c["created_at"], c["code"])):
            if pool["method"] == MULTI or not self._issuances(state, code["code"]):
                return code
        raise ApiError(422, NO_CODES)

    def redeem(self, company_key: str, code_text: str, body: Any) -> list[dict[str, Any]]:
        state = self.core.company(company_key)
        code = self.code(state, code_text)
        pool = state.tables["incentive_pool"][code["pool_id"]]
        fields = body if isinstance(body, dict) else {}
        if not pool["redemption_allowed"]:
            raise unprocessable("Codes from this pool are not currently allowed to be redeemed")
        issuance = self._issuance_redeemed(state, code_text, fields)
        number = self.core.next_seq(state, "incentive_redemption", start=900_001)
        redemption = self._event(
            state,
            number,
            code,
            fields,
            issuance["external_issuee_id"],
            issuance["issuee_id"],
        )
        redemption["issuance_id"] = issuance["id"]
        self.core.save(state, "incentive_redemption", str(number), redemption)
        self._changed(state, code, None)
        # The spec answers with the issuance array schema: the one redemption made.
        return [self.render_event(state, redemption)]

    def _issuance_redeemed(self, state: CompanyState, code: str, fields: dict[str, Any]) -> Record:
        """The issuance a redemption redeems: each issuance is redeemed at most once (a unique
        pool's code has one), so the issuee's (or else the first) not yet redeemed."""
        issuances = sorted(self._issuances(state, code).values(), key=lambda e: e["id"])
        if not issuances:
            raise unprocessable(f"Incentive code {code} has not been issued")
        for name in ("external_issuee_id", "issuee_id"):
            if fields.get(name) is not None:
                issuances = [e for e in issuances if e[name] == fields[name]]
                if not issuances:
                    raise unprocessable(f"Invalid {name} for incentive code {code}")
                break
        redeemed = state.tables["incentive_redemption"].group("by_code", code).values()
        done = {e.get("issuance_id") for e in redeemed}
        for issuance in issuances:
            if issuance["id"] not in done:
                return issuance
        raise unprocessable(f"Incentive code {code} has already been redeemed")

    def _event(
        self,
        state: CompanyState,
        number: int,
        code: Record,
        fields: dict[str, Any],
        external: str | None,
        issuee: str,
    ) -> Record:
        now = self.core.clock.now_ms()
        return {
            "id": number,
            "code": code["code"],
            "pool_id": code["pool_id"],
            "external_issuee_id": external,
            "issuee_id": issuee,
            "referring_application": fields.get("referring_application"),
            "referring_application_ref_id": fields.get("referring_application_ref_id"),
            "created_at": now,
            "updated_at": now,
        }

    def _changed(self, state: CompanyState, code: Record, pool: Record | None) -> None:
        # A code's counts changed; an issuance also changes its pool's counts, so both show a
        # new updated_at (clients find changes by it).
        self._touch(state, "incentive_code", code["code"], code, dict(code))
        if pool is not None:
            self._touch(state, "incentive_pool", str(pool["id"]), pool, dict(pool))

    def _touch(
        self, state: CompanyState, kind: str, record_id: str, record: Record, new: Record
    ) -> None:
        new["updated_at"] = self.core.clock.touch(record["updated_at"], SECOND)
        record.update(new)
        self.core.save(state, kind, record_id, record)


def issuee_id(state: CompanyState, external: str | None, issuance: int) -> str:
    """Vibes' issuee id: stable per external issuee, a fresh one for an anonymous issuance."""
    if external is None:
        return ids.uuid_for("anonymous issuee", state.key, issuance)
    return ids.uuid_for("issuee", state.key, external)


def _repeated(codes: list[str]) -> list[str]:
    return [code for code, count in Counter(codes).items() if count > 1]


def _counts(events: Iterable[Record]) -> dict[str, int]:
    events = list(events)
    return {"total": len(events), "unique": len({e["issuee_id"] for e in events})}


def _pool_fields(body: Any) -> dict[str, Any]:
    """The stored fields of a pool request (its shape is checked by the published schema)."""
    body = json_object(body)
    codes = body.get("incentive_codes") or {}
    problems = []
    if not str(body.get("name", "")).strip():
        problems.append("name must not be empty")
    if not isinstance(codes.get("max_characters"), int) or codes["max_characters"] < 1:
        problems.append("incentive_codes.max_characters must be a positive integer")
    if not isinstance(codes.get("low_threshold"), int) or codes["low_threshold"] < 0:
        problems.append("incentive_codes.low_threshold must be zero or more")
    if problems:
        raise unprocessable(*problems)
    return {
        "name": body["name"],
        "issuance_allowed": bool(body["issuance_allowed"]),
        "redemption_allowed": bool(body["redemption_allowed"]),
        "low_threshold": codes["low_threshold"],
        "max_characters": codes["max_characters"],
        "method": (body.get("distribution") or {}).get("method") or UNIQUE,
        "notification_email_address": body["notification_email_address"],
    }
