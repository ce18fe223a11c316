"""Wallet campaign templates, location selector and store locations (FACTS §2.9)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from .common import company_of, json_response, no_content, query_of, read_json, store_of

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
IDEMPOTENCY_HEADER = "Idempotency-Key"


def _wallet_id(request: web.Request) -> str:
    return request.match_info["wallet_id"]


def design_handlers(kind: str) -> dict[str, Handler]:
    """GET, POST, PUT and DELETE of one design ``kind`` (a template or the selector)."""

    async def get(request: web.Request) -> web.Response:
        designs = store_of(request).wallet_designs
        return json_response(designs.get(company_of(request), kind, _wallet_id(request)))

    async def create(request: web.Request) -> web.Response:
        body = await read_json(request)
        designs = store_of(request).wallet_designs
        created = designs.create(company_of(request), kind, _wallet_id(request), body)
        return json_response(created, status=201)

    async def update(request: web.Request) -> web.Response:
        body = await read_json(request)
        designs = store_of(request).wallet_designs
        return json_response(designs.update(company_of(request), kind, _wallet_id(request), body))

    async def delete(request: web.Request) -> web.Response:
        store_of(request).wallet_designs.delete(company_of(request), kind, _wallet_id(request))
        return no_content()

    return {"GET": get, "POST": create, "PUT": update, "DELETE": delete}


async def list_locations(request: web.Request) -> web.Response:
    locations = store_of(request).wallet_locations
    return json_response(
        locations.listing(company_of(request), _wallet_id(request), query_of(request))
    )


async def bulk_add_locations(request: web.Request) -> web.Response:
    body = await read_json(request)
    locations = store_of(request).wallet_locations
    locations.bulk_add(
        company_of(request), _wallet_id(request), body, request.headers.get(IDEMPOTENCY_HEADER)
    )
    # No body: the spec declares none for this 201 (nor for delete_all's 200).
    return web.Response(status=201)


async def delete_location(request: web.Request) -> web.Response:
    locations = store_of(request).wallet_locations
    locations.delete(company_of(request), _wallet_id(request), request.match_info["location_id"])
    return no_content()


async def delete_all_locations(request: web.Request) -> web.Response:
    locations = store_of(request).wallet_locations
    zip_code = query_of(request).get("zip") or None
    locations.delete_all(company_of(request), _wallet_id(request), zip_code)
    return web.Response(status=200)


async def list_source_codes(request: web.Request) -> web.Response:
    return json_response(store_of(request).source_codes.listing(company_of(request)))
