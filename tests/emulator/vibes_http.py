"""A tiny Vibes HTTP caller for the emulator's API tests (plain aiohttp, no project client)."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson
from yarl import URL

from vibes_emulator.testing import RunningEmulator


def unthrottled(emulator: RunningEmulator) -> RunningEmulator:
    """Turn the documented 100 req/s limit off: these tests check behaviour, not throttling
    (which tests/emulator/test_platform_ratelimit.py covers), and a fast machine would
    otherwise meet 429s in a burst of lookups."""
    emulator.control.set_faults(rate_limit=0)
    return emulator


class Api:
    """Calls ``/companies/{company_key}{path}`` (or a ``/mobile_apps`` path) with Basic auth
    and an optional X-API-Version."""

    def __init__(
        self, session: aiohttp.ClientSession, emulator: RunningEmulator, version: int | None = 2
    ) -> None:
        self.session = session
        self.root = emulator.url
        self.base = f"{emulator.url}/companies/{emulator.company_key}"
        self.auth = aiohttp.encode_basic_auth(emulator.username, emulator.password)
        self.version = version

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: bytes | None = None,
        version: int | str | None = "default",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any, Any]:
        """(status, parsed JSON body or None, headers). ``path`` may carry a raw query string,
        sent exactly as written (so a literal ``+`` stays a ``+`` on the wire)."""
        sent = {
            "Authorization": self.auth,
            "Content-Type": "application/json",
            **(headers or {}),
        }
        chosen = self.version if version == "default" else version
        if chosen is not None:
            sent["X-API-Version"] = str(chosen)
        body = orjson.dumps(json) if json is not None else data
        # Push device routes live outside /companies (FACTS §7).
        base = self.root if path.startswith("/mobile_apps/") else self.base
        url = URL(base + path, encoded=True)
        async with self.session.request(method, url, data=body, headers=sent) as response:
            raw = await response.read()
            parsed = orjson.loads(raw) if raw else None
            return response.status, parsed, response.headers

    async def get(self, path: str, **kwargs: Any) -> tuple[int, Any, Any]:
        return await self.call("GET", path, **kwargs)


def error_messages(body: Any) -> list[str]:
    """Messages of a Vibes error envelope (asserting its shape)."""
    assert isinstance(body, dict) and isinstance(body.get("errors"), list), body
    return [error["message"] for error in body["errors"]]


def event_campaign_body(**overrides: Any) -> dict[str, Any]:
    """A valid SMS event-triggered campaign (FACTS §2.11), started long ago."""
    body: dict[str, Any] = {
        "name": "Shipped",
        "event_type": "parcel_shipped",
        "start_date": "2020-01-01",
        "targeting": {
            "message_template": "Your parcel is on its way",
            "channel": "sms",
            "sms": {"sourcecode": "12345", "country_code": "US", "sourcecode_type": "SC"},
        },
    }
    return body | overrides
