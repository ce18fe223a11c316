"""What every handler shares: the store, the company, the API version, JSON in and out.

Handlers stay thin: parse the request, call the store, shape the HTTP answer. Errors are
raised as ApiError and rendered by the platform middleware.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from vibes_emulator.app_keys import API_VERSION_KEY, BODY_KEY, STORE_KEY
from vibes_emulator.errors import bad_request
from vibes_emulator.store import Store

JSON = "application/json"


def store_of(request: web.Request) -> Store:
    # request.app, not request.config_dict: the emulator has no sub-applications, and
    # config_dict builds a ChainMapProxy on every call.
    store: Store = request.app[STORE_KEY]
    return store


def company_of(request: web.Request) -> str:
    return request.match_info["company_key"]


def creator_of(request: web.Request) -> str:
    """Who a created campaign names as ``created_by``: the company's API login."""
    return store_of(request).username_of(company_of(request)) or "api"


def version_of(request: web.Request) -> int:
    return request.get(API_VERSION_KEY, 1)


def query_of(request: web.Request) -> dict[str, str]:
    """Query parameters, first value of each (``+`` already decoded to a space, as Vibes does)."""
    query: Mapping[str, str] = request.query
    return {name: query[name] for name in query}


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(data), content_type=JSON, headers=headers)


def no_content() -> web.Response:
    return web.Response(status=204)


async def read_json(request: web.Request) -> Any:
    """The request body as JSON; 400 when it is missing or malformed."""
    if BODY_KEY in request:  # already parsed and checked by request_validation
        return request[BODY_KEY]
    raw = await request.read()
    if not raw.strip():
        raise bad_request("Request body is required (JSON)")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise bad_request(f"Request body is not valid JSON: {error}") from error
