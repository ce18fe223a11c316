"""Persons and their subscriptions (by person_key, deprecated person_id, or external id)."""

from __future__ import annotations

from aiohttp import web

from vibes_emulator.errors import bad_request

from .common import company_of, json_response, no_content, read_json, store_of, version_of


async def get_person(request: web.Request) -> web.Response:
    store = store_of(request)
    person = store.persons.get(
        company_of(request), request.match_info["person_key"], version_of(request)
    )
    return json_response(person)


async def get_person_external(request: web.Request) -> web.Response:
    store = store_of(request)
    external_id = request.match_info["external_person_id"]
    return json_response(
        store.persons.get_external(company_of(request), external_id, version_of(request))
    )


async def find_person(request: web.Request) -> web.Response:
    mdn = request.query.get("mdn")
    person = store_of(request).persons.find_by_mdn(company_of(request), mdn, version_of(request))
    return json_response(person)


async def create_person(request: web.Request) -> web.Response:
    body = await read_json(request)
    status, person = store_of(request).persons.create(
        company_of(request), body, version_of(request)
    )
    return json_response(person, status=status)


async def update_person(request: web.Request) -> web.Response:
    body = await read_json(request)
    store = store_of(request)
    key = request.match_info["person_key"]
    status, person = store.persons.update(company_of(request), key, body, version_of(request))
    return json_response(person, status=status)


async def upsert_person_external(request: web.Request) -> web.Response:
    body = await read_json(request)
    store = store_of(request)
    external_id = request.match_info["external_person_id"]
    status, person = store.persons.upsert_external(
        company_of(request), external_id, body, version_of(request)
    )
    return json_response(person, status=status)


def _ident(request: web.Request) -> tuple[str, bool]:
    if "external_person_id" in request.match_info:
        return request.match_info["external_person_id"], True
    return request.match_info["person_key"], False


def _active_only(request: web.Request) -> bool:
    # Default: active subscriptions only; active_only=false adds the opted-out ones. The spec
    # types it boolean, so anything but true/false is refused rather than read as true.
    raw = request.query.get("active_only", "true").strip().lower()
    if raw not in ("true", "false"):
        raise bad_request(f"active_only must be true or false, not {raw[:40]!r}")
    return raw == "true"


async def person_subscriptions(request: web.Request) -> web.Response:
    ident, external = _ident(request)
    subs = store_of(request).subscriptions.of_person(
        company_of(request),
        ident,
        external=external,
        active_only=_active_only(request),
        version=version_of(request),
    )
    return json_response(subs)


async def person_subscription(request: web.Request) -> web.Response:
    ident, external = _ident(request)
    subs = store_of(request).subscriptions.of_person_list(
        company_of(request),
        ident,
        request.match_info["subscription_list_id"],
        external=external,
        active_only=_active_only(request),
        version=version_of(request),
    )
    return json_response(subs)


async def unsubscribe(request: web.Request) -> web.Response:
    ident, external = _ident(request)
    store_of(request).subscriptions.unsubscribe(
        company_of(request),
        ident,
        request.match_info["subscription_list_id"],
        external=external,
        version=version_of(request),
    )
    return no_content()
