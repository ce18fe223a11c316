"""The async Vibes client: one aiohttp session, auth, headers, JSON, limits, retries, paging.

Every call goes through ``VibesClient.request``, which owns each HTTP concern once: the URL
(company prefix, ``+`` sent as ``%2B``), the in-flight window, the rate limit, the attempt with
its timeout, the classification of failures into typed errors, and the retry loop.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from yarl import URL

from vibes_api.encoding import dumps_json, encode_path, encode_query, quote_id
from vibes_api.errors import (
    VibesError,
    VibesNotFound,
    VibesRequestError,
    VibesResponseError,
    VibesTransportError,
    error_for_status,
)
from vibes_api.masking import mask_text
from vibes_api.metrics import ClientMetrics
from vibes_api.rate_limit import LimitName, RateLimits
from vibes_api.retry import RetryPolicy, default_retry_unsafe
from vibes_api.settings import VibesSettings

logger = logging.getLogger("vibes_api")

API_VERSION = "2"
USER_AGENT = "vibes-connectors/0.1 (tap-vibes, target-vibes)"
NEXT_PAGE_HEADER = "X-Next-Page-Token"
MAX_PAGE_SIZE = 1000
CONNECT_TIMEOUT_SECONDS = 10.0
_ABSOLUTE_PREFIXES = ("/companies/", "/mobile_apps/")


@dataclass(frozen=True)
class VibesResponse:
    """A 2xx answer: status, headers and the parsed JSON body (None when empty)."""

    status: int
    headers: Mapping[str, str]
    data: Any
    attempts: int = 1


class VibesClient:
    """Async client of one Vibes company; use ``async with VibesClient(settings) as client``."""

    def __init__(
        self,
        settings: VibesSettings,
        *,
        metrics: ClientMetrics | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.metrics = metrics or ClientMetrics(clock=clock)
        self.limits = RateLimits(
            settings.requests_per_second,
            settings.events_per_second,
            settings.google_wallet_per_second,
            clock=clock,
        )
        self.retry_policy = RetryPolicy(
            max_retries=settings.max_retries,
            base_seconds=settings.backoff_base_seconds,
            cap_seconds=settings.backoff_cap_seconds,
        )
        self.in_flight = 0
        self.peak_in_flight = 0
        self._window = asyncio.Semaphore(settings.max_concurrency)
        self._rng = rng or random.Random()
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None
        self._closed = False
        self._company_prefix = "/companies/" + quote_id(settings.company_key)

    def __repr__(self) -> str:
        return (
            f"VibesClient(api_url={self.settings.api_url!r}, "
            f"company_key={self.settings.company_key!r})"
        )

    async def __aenter__(self) -> VibesClient:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def closed(self) -> bool:
        return self._closed

    async def open(self) -> None:
        """Create the session; must run on the event loop that will use the client."""
        if self._closed:
            raise VibesError("this VibesClient is closed; create a new one")
        if self._session is not None:
            return
        timeout = self.settings.timeout_seconds
        ssl_option: ssl.SSLContext | bool = self.settings.ssl_context() or True
        self._session = aiohttp.ClientSession(
            headers={
                "Authorization": aiohttp.encode_basic_auth(
                    self.settings.username, self.settings.password
                ),
                "X-API-Version": API_VERSION,
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
            connector=aiohttp.TCPConnector(limit=self.settings.max_concurrency, ssl=ssl_option),
            timeout=aiohttp.ClientTimeout(
                total=timeout, sock_connect=min(timeout, CONNECT_TIMEOUT_SECONDS)
            ),
            trust_env=False,
        )
        # aiohttp silently resends an idempotent request once when the connection drops; the
        # retry policy owns retries (counted, backed off, bounded), so turn that off. Private,
        # but it is how aiohttp's own test client does it; hasattr keeps future versions safe.
        if hasattr(self._session, "_retry_connection"):
            self._session._retry_connection = False

    async def close(self) -> None:
        self._closed = True
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    def url_for(self, path: str, params: Mapping[str, Any] | None = None) -> tuple[URL, str]:
        """The URL to call and the path to show in errors and logs (no host, no query; logs
        mask the phone numbers and emails an id in it may be)."""
        if "?" in path or "#" in path:
            # A hand-built query would carry a raw '+' that Vibes reads as a space.
            raise ValueError(f"pass query parameters as params=, not in the path: {path!r}")
        if path.startswith(_ABSOLUTE_PREFIXES):
            shown = encode_path(path)
        else:
            shown = self._company_prefix + encode_path(path if path.startswith("/") else "/" + path)
        query = encode_query(params)
        text = self.settings.api_url + shown + ("?" + query if query else "")
        return URL(text, encoded=True), shown

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        limit: LimitName = "default",
        retry_unsafe: bool | None = None,
        metrics: ClientMetrics | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> VibesResponse:
        """Call Vibes and return its 2xx answer, retrying what the retry policy allows.

        ``path`` is relative to the company ("/mobiledb/persons/abc"), or absolute when it starts
        with /companies/ (as Vibes' ``url`` fields do). ``retry_unsafe`` says whether an attempt
        that may already have been applied can be repeated; it defaults to True for GET, PUT and
        DELETE and False for POST (see vibes_api.retry). ``metrics`` also counts this call in a
        second ClientMetrics, e.g. a stream's own. ``headers`` are sent besides the session's
        (an operation's own, such as ``Idempotency-Key``). Raises a VibesRequestError subclass.
        """
        method = method.upper()
        repeatable = default_retry_unsafe(method) if retry_unsafe is None else retry_unsafe
        url, shown = self.url_for(path, params)
        body = None if json is None else dumps_json(json)
        sinks = (self.metrics,) if metrics is None else (self.metrics, metrics)
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._attempt(method, url, shown, body, limit, sinks, attempt, headers)
            except VibesRequestError as error:
                error.attempts = attempt
                if not self.retry_policy.should_retry(error, attempt, repeatable):
                    for sink in sinks:
                        sink.record_failure()
                    raise
                delay = self.retry_policy.backoff(attempt, self._rng)
                for sink in sinks:
                    sink.record_retry()
                logger.debug(
                    "retrying %s %s after %s in %.2f s (attempt %d of %d)",
                    method,
                    mask_text(shown),
                    _short(error),
                    delay,
                    attempt + 1,
                    self.retry_policy.max_retries + 1,
                )
                await asyncio.sleep(delay)

    async def _attempt(
        self,
        method: str,
        url: URL,
        shown: str,
        body: bytes | None,
        limit: LimitName,
        sinks: tuple[ClientMetrics, ...],
        attempt: int,
        headers: Mapping[str, str] | None = None,
    ) -> VibesResponse:
        session = await self._ensure_session()
        status: int | None = None
        async with self._window:
            await self.limits.acquire(limit)
            for sink in sinks:
                sink.record_request()
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            started = self._clock()
            try:
                async with session.request(
                    method, url, data=body, headers=headers, allow_redirects=False
                ) as response:
                    status = response.status
                    reason = response.reason
                    headers = response.headers
                    raw = await response.read()
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                kind = transport_kind(exc)
                for sink in sinks:
                    sink.record_transport_error(kind, self._clock() - started)
                raise VibesTransportError(
                    kind, method, shown, _describe(exc), status=status
                ) from None
            finally:
                self.in_flight -= 1
        latency = self._clock() - started
        for sink in sinks:
            sink.record_response(status, latency)
        if status == 429 and self.limits.on_throttled(limit):
            logger.info(
                "Vibes throttled %s %s (429); %s limit slowed to %.1f requests/s for a while",
                method,
                mask_text(shown),
                limit,
                self.limits.buckets[limit].current_rate,
            )
        if not 200 <= status < 300:
            raise error_for_status(status, method, shown, raw, reason=reason)
        if not raw.strip():
            return VibesResponse(status, headers, None, attempt)
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            # A 2xx whose body does not parse was cut short on the way (or is not JSON at all).
            raise VibesTransportError(
                "invalid_json",
                method,
                shown,
                f"{len(raw)}-byte body is not JSON",
                status=status,
            ) from None
        return VibesResponse(status, headers, data, attempt)

    async def _ensure_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            await self.open()
        assert self._session is not None
        return self._session

    # -- conveniences ------------------------------------------------------------------------
    async def get(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        metrics: ClientMetrics | None = None,
    ) -> Any:
        """GET and return the parsed body."""
        return (await self.request("GET", path, params=params, metrics=metrics)).data

    async def get_list(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        empty_on_404: bool = False,
        metrics: ClientMetrics | None = None,
    ) -> list[Any]:
        """GET a bare-array list; with ``empty_on_404`` a 404 means "nothing to list"."""
        try:
            response = await self.request("GET", path, params=params, metrics=metrics)
        except VibesNotFound:
            if empty_on_404:
                return []
            raise
        return _as_list(response, "GET", self.url_for(path)[1])

    async def iter_pages(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        page_size: int = 1000,
        empty_on_404: bool = True,
        metrics: ClientMetrics | None = None,
    ) -> AsyncIterator[tuple[list[Any], str | None]]:
        """Yield (items, next_token) per page of an X-Next-Page-Token list (wallet items).

        Stops after a page whose X-Next-Page-Token is empty or absent. A 404 on the first page
        means no items (Vibes answers 404 to empty lists) when ``empty_on_404`` is True.
        A ``page_token`` in ``params`` resumes from that page.
        """
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
        query = dict(params or {})
        query["page_size"] = page_size
        seen: set[str] = set()
        first = True
        shown = self.url_for(path)[1]
        while True:
            try:
                response = await self.request("GET", path, params=query, metrics=metrics)
            except VibesNotFound:
                if first and empty_on_404:
                    return
                raise
            items = _as_list(response, "GET", shown)
            token = (response.headers.get(NEXT_PAGE_HEADER) or "").strip() or None
            if token is not None and token in seen:
                raise VibesResponseError("GET", shown, f"page token {token!r} came back twice")
            yield items, token
            if token is None:
                return
            seen.add(token)
            query["page_token"] = token
            first = False

    async def post(self, path: str, json: Any = None, **options: Any) -> VibesResponse:
        return await self.request("POST", path, json=json, **options)

    async def put(self, path: str, json: Any = None, **options: Any) -> VibesResponse:
        return await self.request("PUT", path, json=json, **options)

    async def delete(self, path: str, **options: Any) -> VibesResponse:
        return await self.request("DELETE", path, **options)


def transport_kind(exc: BaseException) -> str:
    """Name a failure without a usable answer; see VibesTransportError."""
    if isinstance(exc, aiohttp.ClientSSLError | ssl.SSLError):
        return "tls"
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        return "connect"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "truncated"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, aiohttp.ServerDisconnectedError | OSError):
        return "disconnected"
    return "protocol"


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    name = type(exc).__name__
    described = f"{name}: {text[:200]}" if text else name
    if transport_kind(exc) == "tls":
        described += " (for a private CA, set ca_bundle to its certificate file)"
    return described


def _short(error: VibesRequestError) -> str:
    status = getattr(error, "status", None)
    kind = getattr(error, "kind", None)
    return str(status) if status is not None and kind is None else str(kind or "failure")


def _as_list(response: VibesResponse, method: str, shown: str) -> list[Any]:
    if response.data is None:
        return []
    if not isinstance(response.data, list):
        kind = type(response.data).__name__
        raise VibesResponseError(method, shown, f"expected a JSON array, got a JSON {kind}")
    return response.data
