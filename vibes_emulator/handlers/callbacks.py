"""Callback registrations, the test-event endpoint, and events."""

from __future__ import annotations

from aiohttp import web

from vibes_emulator.errors import ApiError
from vibes_emulator.store.events import MAX_EVENT_BYTES

from .common import company_of, json_response, read_json, store_of, version_of


async def list_callbacks(request: web.Request) -> web.Response:
    return json_response(store_of(request).callbacks.listing(company_of(request)))


async def get_callback(request: web.Request) -> web.Response:
    return json_response(
        store_of(request).callbacks.get(company_of(request), request.match_info["callback_id"])
    )


async def create_callback(request: web.Request) -> web.Response:
    body = await read_json(request)
    created = store_of(request).callbacks.create(company_of(request), body, version_of(request))
    return json_response(created, status=201)


async def update_callback(request: web.Request) -> web.Response:
    body = await read_json(request)
    callbacks = store_of(request).callbacks
    updated = callbacks.update(
        company_of(request), request.match_info["callback_id"], body, version_of(request)
    )
    return json_response(updated)


async def delete_callback(request: web.Request) -> web.Response:
    callbacks = store_of(request).callbacks
    return json_response(callbacks.delete(company_of(request), request.match_info["callback_id"]))


async def test_callback(request: web.Request) -> web.Response:
    body = await read_json(request)
    return json_response(store_of(request).callbacks.test(company_of(request), body), status=201)


async def post_event(request: web.Request) -> web.Response:
    if request.content_length is not None and request.content_length > MAX_EVENT_BYTES:
        raise ApiError(413, f"Event is larger than {MAX_EVENT_BYTES} bytes")
    raw_size = len(await request.read())
    body = await read_json(request)
    accepted = store_of(request).events.accept(
        company_of(request), body, raw_size, version_of(request)
    )
    return json_response(accepted, status=202)
