"""Acquisition campaigns with participants, and broadcasts."""

from __future__ import annotations

from aiohttp import web

from .common import company_of, creator_of, json_response, query_of, read_json, store_of, version_of


async def list_acquisitions(request: web.Request) -> web.Response:
    return json_response(store_of(request).acquisitions.listing(company_of(request)))


async def get_acquisition(request: web.Request) -> web.Response:
    campaign = store_of(request).acquisitions.get(
        company_of(request), request.match_info["acquisition_id"]
    )
    return json_response(campaign)


async def search_participants(request: web.Request) -> web.Response:
    found = store_of(request).acquisitions.search(
        company_of(request),
        request.match_info["acquisition_id"],
        query_of(request),
        version_of(request),
    )
    return json_response(found)


async def add_participant(request: web.Request) -> web.Response:
    body = await read_json(request)
    status, participant = store_of(request).acquisitions.add_participant(
        company_of(request), request.match_info["acquisition_id"], body, version_of(request)
    )
    return json_response(participant, status=status)


async def list_broadcasts(request: web.Request) -> web.Response:
    status = request.query.get("status")
    return json_response(store_of(request).broadcasts.listing(company_of(request), status))


async def get_broadcast(request: web.Request) -> web.Response:
    return json_response(
        store_of(request).broadcasts.get(company_of(request), request.match_info["broadcast_id"])
    )


async def create_broadcast(request: web.Request) -> web.Response:
    body = await read_json(request)
    broadcasts = store_of(request).broadcasts
    created = broadcasts.create(company_of(request), body, creator_of(request))
    return json_response(created, status=201)


async def update_broadcast(request: web.Request) -> web.Response:
    body = await read_json(request)
    broadcasts = store_of(request).broadcasts
    return json_response(
        broadcasts.update(company_of(request), request.match_info["broadcast_id"], body)
    )


async def cancel_broadcast(request: web.Request) -> web.Response:
    broadcasts = store_of(request).broadcasts
    return json_response(broadcasts.cancel(company_of(request), request.match_info["broadcast_id"]))
