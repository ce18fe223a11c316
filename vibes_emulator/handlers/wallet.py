"""Wallet campaigns, items and messages."""

from __future__ import annotations

from aiohttp import web

from .common import company_of, json_response, query_of, read_json, store_of

NEXT_PAGE_HEADER = "X-Next-Page-Token"


async def list_campaigns(request: web.Request) -> web.Response:
    return json_response(store_of(request).wallet_campaigns.listing(company_of(request)))


async def get_campaign(request: web.Request) -> web.Response:
    campaigns = store_of(request).wallet_campaigns
    return json_response(campaigns.get(company_of(request), request.match_info["wallet_id"]))


async def create_campaign(request: web.Request) -> web.Response:
    body = await read_json(request)
    return json_response(
        store_of(request).wallet_campaigns.create(company_of(request), body), status=201
    )


async def update_campaign(request: web.Request) -> web.Response:
    body = await read_json(request)
    campaigns = store_of(request).wallet_campaigns
    return json_response(
        campaigns.update(company_of(request), request.match_info["wallet_id"], body)
    )


async def list_items(request: web.Request) -> web.Response:
    items, next_token = store_of(request).wallet_items.listing(
        company_of(request), request.match_info["wallet_id"], query_of(request)
    )
    return json_response(items, headers={NEXT_PAGE_HEADER: next_token})


async def get_item(request: web.Request) -> web.Response:
    item = store_of(request).wallet_items.get(
        company_of(request), request.match_info["wallet_id"], request.match_info["wallet_item_id"]
    )
    return json_response(item)


async def update_item(request: web.Request) -> web.Response:
    body = await read_json(request)
    item = store_of(request).wallet_items.update(
        company_of(request),
        request.match_info["wallet_id"],
        request.match_info["wallet_item_id"],
        body,
    )
    return json_response(item)


async def list_messages(request: web.Request) -> web.Response:
    messages = store_of(request).wallet_messages
    return json_response(messages.listing(company_of(request), request.match_info["wallet_id"]))


async def get_message(request: web.Request) -> web.Response:
    message = store_of(request).wallet_messages.get(
        company_of(request),
        request.match_info["wallet_id"],
        request.match_info["wallet_message_id"],
    )
    return json_response(message)


async def create_message(request: web.Request) -> web.Response:
    body = await read_json(request)
    messages = store_of(request).wallet_messages
    created = messages.create(company_of(request), request.match_info["wallet_id"], body)
    # 200, as published: the spec lists no 201 for this operation (FACTS is silent).
    return json_response(created)
