"""Subscription lists: all, one, membership check, the list's acquisition campaigns."""

from __future__ import annotations

from aiohttp import web

from .common import company_of, json_response, query_of, store_of, version_of


async def list_subscription_lists(request: web.Request) -> web.Response:
    return json_response(store_of(request).subscriptions.lists(company_of(request)))


async def get_subscription_list(request: web.Request) -> web.Response:
    lists = store_of(request).subscriptions
    return json_response(
        lists.get_list(company_of(request), request.match_info["subscription_list_id"])
    )


async def list_subscriber(request: web.Request) -> web.Response:
    person = store_of(request).subscriptions.subscriber(
        company_of(request),
        request.match_info["subscription_list_id"],
        query_of(request),
        version_of(request),
    )
    return json_response(person)


async def list_acquisition_campaigns(request: web.Request) -> web.Response:
    campaigns = store_of(request).acquisitions.for_list(
        company_of(request), request.match_info["subscription_list_id"]
    )
    return json_response(campaigns)
