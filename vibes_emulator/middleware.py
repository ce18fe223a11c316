"""The platform pipeline every Vibes request goes through, in one aiohttp middleware.

Order of concerns: stats (counts every answer, 429s and faults included), control-plane
bypass, latency, fault injection, HTTP Basic auth, rate limiting, X-API-Version, then the
handler. Errors from any step are rendered here, once, in Vibes' envelope. It is a single
middleware rather than a chain because each aiohttp middleware layer costs a coroutine per
request, and the emulator must never be the bottleneck of what it serves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web

from vibes_emulator.app_keys import (
    API_VERSION_KEY,
    APP_COMPANY_KEY,
    AUTH_KEY,
    FAULT_KEY,
    FAULTS_KEY,
    STATS_KEY,
    STORE_KEY,
)
from vibes_emulator.auth import parse_basic_auth
from vibes_emulator.errors import ApiError, bad_request, too_many_requests, unauthorized
from vibes_emulator.faults import DROP, SERVER_ERROR, SLOW, TRUNCATE
from vibes_emulator.ratelimit import EVENTS, GENERAL, GOOGLE_WALLET

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CONTROL_PREFIX = "/_emulator/"
COMPANIES_PREFIX = "/companies/"
MOBILE_APPS_PREFIX = "/mobile_apps/"
SUPPORTED_VERSIONS = {"1": 1, "2": 2}
GENERAL_ONLY: tuple[str, ...] = (GENERAL,)
EVENTS_ONLY: tuple[str, ...] = (EVENTS,)
GOOGLE_WALLET_AND_GENERAL: tuple[str, ...] = (GOOGLE_WALLET, GENERAL)
DROPPED = "dropped"


def error_response(error: ApiError) -> web.Response:
    """The one place an :class:`ApiError` becomes an HTTP answer."""
    return web.Response(
        status=error.status,
        body=orjson.dumps(error.to_body()),
        content_type="application/json",
    )


def _http_exception_as_error(exc: web.HTTPException) -> ApiError:
    # aiohttp's own 404/405 for unknown routes get Vibes' envelope too.
    return ApiError(exc.status, exc.reason)


async def render_errors(
    request: web.Request, handler: Handler, admit: bool = False
) -> web.StreamResponse:
    """Run ``handler`` (after the admission checks if ``admit``), rendering any error."""
    try:
        if admit:
            _admit(request)
        return await handler(request)
    except ApiError as error:
        return error_response(error)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(_http_exception_as_error(exc))
    except ConnectionResetError:
        raise
    except Exception:
        log.exception("emulator bug while serving %s %s", request.method, request.path)
        return error_response(ApiError(500, "Internal Server Error"))


@web.middleware
async def platform_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    path = request.path
    if path.startswith(CONTROL_PREFIX):
        return await render_errors(request, handler)
    status = "500"
    try:
        response = await _serve_vibes(request, handler)
        status = DROPPED if request.get(FAULT_KEY) == DROP else str(response.status)
        return response
    finally:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        request.app[STATS_KEY].record(status, f"{request.method} {route}")


async def _serve_vibes(request: web.Request, handler: Handler) -> web.StreamResponse:
    faults = request.app[FAULTS_KEY]
    if faults.has_latency:
        await asyncio.sleep(faults.latency_seconds())
    fault = faults.draw_fault()
    if fault is not None:
        request[FAULT_KEY] = fault
        request.app[STATS_KEY].record_fault(fault)
        if fault == DROP:
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=204)
        if fault == SERVER_ERROR:
            return error_response(ApiError(faults.server_error_status()))
        if fault == SLOW:
            await asyncio.sleep(faults.slow_ms / 1000.0)
    response = await render_errors(request, handler, admit=True)
    if fault == TRUNCATE:
        return await _send_truncated(request, response)
    return response


def _admit(request: web.Request) -> None:
    """Auth, then rate limit, then API version; raises ApiError to refuse."""
    company_key = _company_key(request.path)
    if company_key is None and request.path.startswith(MOBILE_APPS_PREFIX):
        company_key = _login_company(request)
        request[APP_COMPANY_KEY] = company_key
    if company_key is not None:
        _authenticate(request, company_key)
        _throttle(request, company_key)
    version = _api_version(request)
    request[API_VERSION_KEY] = version


def _company_key(path: str) -> str | None:
    if not path.startswith(COMPANIES_PREFIX):
        return None
    end = path.find("/", len(COMPANIES_PREFIX))
    return path[len(COMPANIES_PREFIX) :] if end < 0 else path[len(COMPANIES_PREFIX) : end]


def _login_company(request: web.Request) -> str:
    """The company a request outside /companies logs into, by its Basic credentials."""
    credentials = parse_basic_auth(request.headers.get("Authorization"))
    company_key = None
    if credentials is not None:
        company_key = request.app[STORE_KEY].company_with_login(*credentials)
    if company_key is None:
        raise unauthorized("Unauthorized: invalid credentials for this company")
    return company_key


def _authenticate(request: web.Request, company_key: str) -> None:
    given = request.headers.get("Authorization")
    known = request.app[AUTH_KEY]
    if given is not None and known.get(company_key) == given:
        return
    # Slow path: companies restored from --db may carry credentials this process was
    # not started with; the store is the authority, and a success is remembered.
    credentials = parse_basic_auth(given)
    if (
        given is not None
        and credentials is not None
        and request.app[STORE_KEY].check_credentials(company_key, *credentials)
    ):
        known[company_key] = given
        return
    # A missing company and wrong credentials look the same, as they should to a caller.
    raise unauthorized("Unauthorized: invalid credentials for this company")


def _throttle(request: web.Request, company_key: str) -> None:
    limiter = request.app[FAULTS_KEY].limiter
    if not limiter.allow_all(company_key, _buckets(request)):
        raise too_many_requests()


def _buckets(request: web.Request) -> tuple[str, ...]:
    method = request.method
    if method == "POST":
        path = request.path.rstrip("/")
        if path.endswith("/events") and path.count("/") == 3:
            return EVENTS_ONLY
    elif method == "PUT" and "/campaigns/wallet/" in request.path:
        # /companies/{ck}/campaigns/wallet/{wallet_id}/items/{item_id}
        parts = request.path.rstrip("/").split("/")
        if (
            len(parts) == 8
            and parts[6] == "items"
            and request.app[STORE_KEY].wallet_rate_bucket(parts[2], parts[5], parts[7])
            == GOOGLE_WALLET
        ):
            return GOOGLE_WALLET_AND_GENERAL
    return GENERAL_ONLY


def _api_version(request: web.Request) -> int:
    raw = request.headers.get("X-API-Version")
    if raw is None:
        return 1
    version = SUPPORTED_VERSIONS.get(raw.strip())
    if version is None:
        raise bad_request(f"Unsupported X-API-Version {raw!r}; supported versions are 1 and 2")
    return version


async def _send_truncated(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    """Answer with a Content-Length larger than the body actually sent, then hang up."""
    body = response.body if isinstance(response, web.Response) else b""
    payload = bytes(body) if isinstance(body, bytes | bytearray) else b""
    truncated = web.StreamResponse(status=response.status, headers=response.headers)
    truncated.content_length = len(payload) + 64
    await truncated.prepare(request)
    await truncated.write(payload[: len(payload) // 2])
    if request.transport is not None:
        request.transport.close()
    return truncated
