"""Push devices (FACTS §2.12): per person, per app, and assigning one to a person."""

from __future__ import annotations

from aiohttp import web

from vibes_emulator.app_keys import APP_COMPANY_KEY

from .common import company_of, json_response, read_json, store_of, version_of


async def person_push_devices(request: web.Request) -> web.Response:
    external = "external_person_id" in request.match_info
    ident = request.match_info["external_person_id" if external else "person_key"]
    devices = store_of(request).push_devices.of_person(
        company_of(request), ident, external=external, version=version_of(request)
    )
    return json_response(devices)


async def get_device(request: web.Request) -> web.Response:
    device = store_of(request).push_devices.get(
        request[APP_COMPANY_KEY],
        request.match_info["app_id"],
        request.match_info["vibes_device_id"],
    )
    return json_response(device)


async def assign_device(request: web.Request) -> web.Response:
    body = await read_json(request)
    device = store_of(request).push_devices.assign(
        request[APP_COMPANY_KEY],
        request.match_info["app_id"],
        request.match_info["vibes_device_id"],
        body,
        version_of(request),
    )
    return json_response(device)
