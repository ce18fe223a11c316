"""The callback receiver: an aiohttp app that journals each Vibes callback before its 2xx.

Answers, by Vibes' contract (FACTS §3.2: 2xx accepted, 4xx dropped for good, 3xx/5xx retried):
- 200 once the event is committed (or was already: a duplicate ``event_id`` is stored once);
- 400 for a body that is not a JSON object, 413 over the size limit, 415 for a content type
  other than JSON, 404 off the callback path, 403 from an address outside the allow-list;
- 503 when the journal cannot be written, so Vibes delivers the event again later.
It never calls out. Its access log shows ``/callbacks/***``: the secret path is a credential.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.typedefs import Handler, Middleware

from vibes_api.addresses import parse_ip
from vibes_api.masking import mask_text
from vibes_callbacks.committer import Committer
from vibes_callbacks.events import MalformedCallback, parse_callback
from vibes_callbacks.journal import Journal, JournalError, Synchronous

logger = logging.getLogger("vibes_callbacks")

CALLBACK_PATH = "/callbacks"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
JSON_CONTENT_TYPES = frozenset({"application/json", "text/json"})
# Vibes' published callback source addresses, all /32 (FACTS §3.2).
VIBES_SOURCE_IPS = {
    "us": (
        "35.155.139.143",
        "52.32.61.199",
        "35.161.244.84",
        "18.205.120.48",
        "52.22.43.57",
        "18.232.9.131",
    ),
    "eu": (
        "34.243.232.57",
        "52.48.241.82",
        "34.249.188.130",
        "54.247.36.51",
        "34.253.250.65",
        "54.217.181.160",
    ),
}
_NAMED_SOURCES = {
    "vibes": VIBES_SOURCE_IPS["us"] + VIBES_SOURCE_IPS["eu"],
    "vibes-us": VIBES_SOURCE_IPS["us"],
    "vibes-eu": VIBES_SOURCE_IPS["eu"],
}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class ReceiverOptions:
    """How one receiver runs; ``secret`` never appears in ``repr``."""

    journal_path: Path
    secret: str | None = field(default=None, repr=False)
    allow_ips: tuple[Network, ...] = ()
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    synchronous: Synchronous = "FULL"

    def __post_init__(self) -> None:
        if self.secret is not None and (not self.secret or "/" in self.secret):
            raise ValueError("the secret must be non-empty and contain no '/'")
        if self.max_body_bytes <= 0:
            raise ValueError("max_body_bytes must be greater than 0")

    @property
    def callback_path(self) -> str:
        """The path to register with Vibes (with the secret, when there is one)."""
        return CALLBACK_PATH if self.secret is None else f"{CALLBACK_PATH}/{self.secret}"


def parse_allow_list(values: Iterable[str]) -> tuple[Network, ...]:
    """Addresses or CIDR networks, and the names ``vibes``, ``vibes-us``, ``vibes-eu``."""
    networks: list[Network] = []
    for value in values:
        for part in value.split(","):
            text = part.strip()
            if not text:
                continue
            named = _NAMED_SOURCES.get(text.lower())
            try:
                if named is not None:
                    networks += [ipaddress.ip_network(ip) for ip in named]
                else:
                    networks.append(ipaddress.ip_network(text, strict=False))
            except ValueError:
                raise ValueError(
                    f"--allow-ip {text!r} is neither an address, a network (CIDR), "
                    f"nor one of {', '.join(_NAMED_SOURCES)}"
                ) from None
    return tuple(networks)


OPTIONS_KEY = web.AppKey("options", ReceiverOptions)
COMMITTER_KEY = web.AppKey("committer", Committer)


def create_app(options: ReceiverOptions, *, journal: Journal | None = None) -> web.Application:
    """The receiver app; opens ``options.journal_path`` unless a journal is given.

    The committer closes the journal on cleanup either way.
    """
    app = web.Application(
        client_max_size=options.max_body_bytes,
        middlewares=[_source_filter(options.allow_ips)] if options.allow_ips else [],
    )
    app[OPTIONS_KEY] = options

    async def journal_context(app: web.Application) -> AsyncIterator[None]:
        opened = journal or Journal(options.journal_path, synchronous=options.synchronous)
        committer = Committer(opened)
        app[COMMITTER_KEY] = committer
        logger.info("journaling callbacks to %s", opened.path)
        try:
            yield
        finally:
            committer.close()

    app.cleanup_ctx.append(journal_context)
    path = CALLBACK_PATH if options.secret is None else CALLBACK_PATH + "/{secret}"
    for method in ("POST", "PUT"):
        app.router.add_route(method, path, receive_callback)
    app.router.add_get("/healthz", health)
    return app


def _error(status: int, message: str) -> web.Response:
    """Every refusal, rendered one way."""
    return web.json_response({"status": "error", "message": message}, status=status)


async def receive_callback(request: web.Request) -> web.Response:
    options = request.app[OPTIONS_KEY]
    if options.secret is not None:
        given = request.match_info.get("secret", "")
        if not hmac.compare_digest(given.encode(), options.secret.encode()):
            return _error(404, "Not Found")
    content_type = request.headers.get("Content-Type")
    if content_type is not None and request.content_type not in JSON_CONTENT_TYPES:
        return _error(415, "callbacks must be sent as application/json or text/json")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _error(413, f"callback bodies are limited to {options.max_body_bytes} bytes")
    try:
        event = parse_callback(raw)
    except MalformedCallback as exc:
        logger.warning("refused a malformed callback (%d bytes): %s", len(raw), exc)
        return _error(400, str(exc))
    try:
        stored = await request.app[COMMITTER_KEY].append(event)
    except JournalError as exc:
        logger.error("could not journal event %s: %s", mask_text(event.event_id), exc)
        return _error(503, "the journal cannot be written now; please retry")
    if event.derived_id:
        logger.warning(
            "a %s event came without event_id; journaled as %s",
            mask_text(event.callback_type),
            event.event_id,
        )
    return web.json_response(
        {"status": "stored" if stored else "duplicate", "event_id": event.event_id}
    )


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", **request.app[COMMITTER_KEY].stats.as_dict()})


def _source_filter(allowed: tuple[Network, ...]) -> Middleware:
    @web.middleware
    async def source_filter(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not _is_allowed(request.remote, allowed):
            logger.warning("refused a request from %s (not in the allow-list)", request.remote)
            return _error(403, "this address may not send callbacks")
        return await handler(request)

    return source_filter


def _is_allowed(remote: str | None, allowed: tuple[Network, ...]) -> bool:
    address = parse_ip(remote) if remote else None
    return address is not None and any(address in network for network in allowed)


def redact_path(path: str) -> str:
    """A request path fit for logs: whatever follows /callbacks/ may be the secret."""
    if path.startswith(CALLBACK_PATH + "/"):
        return CALLBACK_PATH + "/***"
    return path


class RedactingAccessLogger(AbstractAccessLogger):
    """aiohttp's access log, minus the secret path segment and any phone number or email
    a stray request's path carries."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %d %.1fms",
            request.remote,
            request.method,
            mask_text(redact_path(request.path)),
            response.status,
            time * 1000,
        )
