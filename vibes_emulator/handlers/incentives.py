"""Incentive pools, codes, issuances and redemptions (FACTS §7)."""

from __future__ import annotations

from aiohttp import web

from .common import company_of, json_response, read_json, store_of


async def list_pools(request: web.Request) -> web.Response:
    return json_response(store_of(request).incentives.pools(company_of(request)))


async def get_pool(request: web.Request) -> web.Response:
    incentives = store_of(request).incentives
    return json_response(
        incentives.get_pool(company_of(request), request.match_info["incentive_pool_id"])
    )


# Every incentive write answers 200: the spec lists no 201 for any of them.
async def create_pool(request: web.Request) -> web.Response:
    body = await read_json(request)
    return json_response(store_of(request).incentives.create_pool(company_of(request), body))


async def update_pool(request: web.Request) -> web.Response:
    body = await read_json(request)
    incentives = store_of(request).incentives
    return json_response(
        incentives.update_pool(company_of(request), request.match_info["incentive_pool_id"], body)
    )


async def issue_code(request: web.Request) -> web.Response:
    body = await read_json(request)
    incentives = store_of(request).incentives
    return json_response(
        incentives.issue(company_of(request), request.match_info["issuance_pool_id"], body)
    )


async def get_code(request: web.Request) -> web.Response:
    incentives = store_of(request).incentives
    return json_response(incentives.get_code(company_of(request), request.match_info["code"]))


async def list_issuances(request: web.Request) -> web.Response:
    incentives = store_of(request).incentives
    return json_response(incentives.issuances(company_of(request), request.match_info["code"]))


async def list_redemptions(request: web.Request) -> web.Response:
    incentives = store_of(request).incentives
    return json_response(incentives.redemptions(company_of(request), request.match_info["code"]))


async def redeem_code(request: web.Request) -> web.Response:
    body = await read_json(request)
    incentives = store_of(request).incentives
    return json_response(incentives.redeem(company_of(request), request.match_info["code"], body))
