"""The control plane under /_emulator/: reset, seed, faults, stats, companies, persons,
incentive codes.

Emulator-only conveniences for tests, the demo and benchmarks; no Vibes auth, no rate
limits, no faults (the middleware lets these paths straight through).
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from vibes_emulator.app_keys import AUTH_KEY, FAULTS_KEY, OPTIONS_KEY, STATS_KEY, STORE_KEY
from vibes_emulator.auth import basic_auth_header
from vibes_emulator.errors import bad_request
from vibes_emulator.handlers.common import json_response
from vibes_emulator.options import CompanyCredentials

MAX_SEED_PERSONS = 1_000_000


async def read_control_body(request: web.Request) -> dict[str, Any]:
    """A control-plane body: a JSON object, ``{}`` when empty; 400 otherwise."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise bad_request("request body must be a JSON object")
    return body


def reject_unknown(body: dict[str, Any], allowed: set[str], what: str) -> None:
    """400 naming every key of ``body`` outside ``allowed`` (a typo must not pass silently)."""
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise bad_request(f"unknown {what}: {', '.join(unknown)}")


def _int_field(body: dict[str, Any], name: str, default: int | None, low: int, high: int) -> int:
    value = body.get(name, default)
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"{name!r} must be an integer, got {value!r}")
    if not low <= value <= high:
        raise bad_request(f"{name!r} must be between {low} and {high}, got {value}")
    return value


async def reset(request: web.Request) -> web.Response:
    """Empty every company's data, zero the stats and restore the startup faults."""
    app = request.app
    app[STORE_KEY].reset()
    app[STATS_KEY].reset()
    app[FAULTS_KEY].restore(app[OPTIONS_KEY])
    return json_response({"reset": True})


async def seed(request: web.Request) -> web.Response:
    body = await read_control_body(request)
    reject_unknown(body, {"persons", "seed"}, "seed fields")
    persons = _int_field(body, "persons", None, 0, MAX_SEED_PERSONS)
    seed_value = _int_field(body, "seed", 1, -(2**63), 2**63 - 1)
    # Synchronous on purpose: the store is single-threaded (one SQLite connection).
    request.app[STORE_KEY].seed(persons=persons, seed=seed_value)
    return json_response({"seeded": True, "persons": persons, "seed": seed_value})


async def get_faults(request: web.Request) -> web.Response:
    return json_response(request.app[FAULTS_KEY].to_json())


async def set_faults(request: web.Request) -> web.Response:
    faults = request.app[FAULTS_KEY]
    faults.update(await read_control_body(request))
    return json_response(faults.to_json())


async def get_stats(request: web.Request) -> web.Response:
    return json_response(request.app[STATS_KEY].to_json())


async def reset_stats(request: web.Request) -> web.Response:
    request.app[STATS_KEY].reset()
    return json_response(request.app[STATS_KEY].to_json())


async def persons(request: web.Request) -> web.Response:
    return json_response(request.app[STORE_KEY].person_index())


async def incentive_codes(request: web.Request) -> web.Response:
    """Every incentive code of the default company with its pool: Vibes lists none (a company
    knows its codes from the files it imported), so tests and demos ask here."""
    return json_response(request.app[STORE_KEY].incentive_code_index())


async def add_incentive_codes(request: web.Request) -> web.Response:
    """Load codes into a pool, as an Incentive File Import would: {"pool_id", "codes"}."""
    body = await read_control_body(request)
    reject_unknown(body, {"pool_id", "codes"}, "incentive code fields")
    codes = body.get("codes")
    if not isinstance(codes, list) or not all(isinstance(c, str) and c for c in codes):
        raise bad_request("'codes' must be a list of non-empty strings")
    store = request.app[STORE_KEY]
    added = store.incentives.add_codes(store.default_company, str(body.get("pool_id")), codes)
    return json_response({"added": added}, status=201)


async def list_companies(request: web.Request) -> web.Response:
    companies: dict[str, str] = request.app[AUTH_KEY]
    return json_response(sorted(companies))


async def add_company(request: web.Request) -> web.Response:
    """Create (or re-credential) a company: {"company_key", "username", "password"}."""
    body = await read_control_body(request)
    fields = {}
    for name in ("company_key", "username", "password"):
        value = body.get(name)
        if not isinstance(value, str) or not value or (name != "password" and ":" in value):
            raise bad_request(f"{name!r} must be a non-empty string without ':'")
        fields[name] = value
    company = CompanyCredentials(**fields)
    request.app[STORE_KEY].add_company(company.company_key, company.username, company.password)
    request.app[AUTH_KEY][company.company_key] = basic_auth_header(
        company.username, company.password
    )
    return json_response({"company_key": company.company_key}, status=201)


def add_control_routes(app: web.Application) -> None:
    router = app.router
    router.add_post("/_emulator/reset", reset)
    router.add_post("/_emulator/seed", seed)
    router.add_get("/_emulator/faults", get_faults)
    router.add_post("/_emulator/faults", set_faults)
    router.add_get("/_emulator/stats", get_stats)
    router.add_post("/_emulator/stats/reset", reset_stats)
    router.add_get("/_emulator/persons", persons)
    router.add_get("/_emulator/incentive_codes", incentive_codes)
    router.add_post("/_emulator/incentive_codes", add_incentive_codes)
    router.add_get("/_emulator/companies", list_companies)
    router.add_post("/_emulator/companies", add_company)
