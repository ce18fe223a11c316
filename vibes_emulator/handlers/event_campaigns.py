"""Event-triggered campaigns (FACTS §2.11)."""

from __future__ import annotations

from aiohttp import web

from .common import company_of, creator_of, json_response, read_json, store_of

ID = "event_triggered_message_id"


async def list_event_campaigns(request: web.Request) -> web.Response:
    campaigns = store_of(request).event_triggered.listing(
        company_of(request), request.query.get("status"), request.query.get("event_type")
    )
    return json_response(campaigns)


async def get_event_campaign(request: web.Request) -> web.Response:
    campaigns = store_of(request).event_triggered
    return json_response(campaigns.get(company_of(request), request.match_info[ID]))


async def create_event_campaign(request: web.Request) -> web.Response:
    body = await read_json(request)
    campaigns = store_of(request).event_triggered
    created = campaigns.create(company_of(request), body, creator_of(request))
    # 202: Vibes accepts the campaign for processing (FACTS §2.11).
    return json_response(created, status=202)


async def update_event_campaign(request: web.Request) -> web.Response:
    body = await read_json(request)
    campaigns = store_of(request).event_triggered
    return json_response(campaigns.update(company_of(request), request.match_info[ID], body))


async def cancel_event_campaign(request: web.Request) -> web.Response:
    campaigns = store_of(request).event_triggered
    return json_response(campaigns.cancel(company_of(request), request.match_info[ID]))
