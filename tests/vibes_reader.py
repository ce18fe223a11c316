"""The one synchronous reader of the emulated Vibes API that plugin tests share.

It reads what Vibes holds without going through tap-vibes or target-vibes (urllib, Basic
auth, X-API-Version 2), waits out the emulator's 429s, and returns Vibes' answer as it
came. The emulator's own API tests use tests/emulator/vibes_http.py instead: they need
raw, unthrottled, version-by-version requests.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class VibesReader:
    """Calls ``/companies/{company_key}{path}`` of one company."""

    def __init__(self, url: str, company_key: str, username: str, password: str) -> None:
        self.base = f"{url}/companies/{company_key}"
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.headers = {
            "Authorization": f"Basic {token}",
            "X-API-Version": "2",
            "Content-Type": "application/json",
        }

    @classmethod
    def of(
        cls, emulator: Any, company_key: str | None = None, auth: tuple[str, str] | None = None
    ) -> VibesReader:
        """A reader of the emulator's default company, or of ``company_key`` with ``auth``."""
        user, password = auth or (emulator.username, emulator.password)
        return cls(emulator.url, company_key or emulator.company_key, user, password)

    def request(
        self, method: str, path: str, params: dict[str, Any] | None = None, body: Any = None
    ) -> tuple[int, dict[str, str], Any]:
        """(status, headers, parsed body); ``params`` are encoded with '+' as %2B."""
        query = "?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote) if params else ""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback emulator
            self.base + path + query, data=data, method=method, headers=self.headers
        )
        for _ in range(100):  # the emulator enforces Vibes' 100/s: wait out a 429
            try:
                with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                    raw = response.read()
                    return response.status, dict(response.headers), _parsed(raw)
            except urllib.error.HTTPError as error:
                raw = error.read()
                if error.code != 429:
                    return error.code, dict(error.headers), _parsed(raw)
            time.sleep(0.05)
        raise AssertionError(f"{method} {path}: still 429 after 100 tries")

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """(status, parsed body) of a call whose ``path`` may carry its own query."""
        status, _, data = self.request(method, path, body=body)
        return status, data

    def get_list(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """A bare-array list; Vibes' 404 for "none" is an empty list."""
        status, _, data = self.request("GET", path, params)
        if status == 404:
            return []
        assert status == 200, (path, status, data)
        assert isinstance(data, list)
        return data

    def wallet_items(self, wallet_id: str, page_size: int = 50) -> list[dict[str, Any]]:
        """Every item of a wallet campaign, following X-Next-Page-Token."""
        items: list[dict[str, Any]] = []
        params: dict[str, Any] = {"page_size": page_size}
        while True:
            status, headers, data = self.request(
                "GET", f"/campaigns/wallet/{wallet_id}/items", params
            )
            if status == 404 and not items:
                return []
            assert status == 200, (status, data)
            items.extend(data)
            token = headers.get("X-Next-Page-Token") or ""
            if not token:
                return items
            params["page_token"] = token

    def person_by_external(self, external_id: str) -> dict[str, Any] | None:
        status, data = self.call(
            "GET", "/mobiledb/persons/external/" + urllib.parse.quote(external_id, safe="")
        )
        return data if status == 200 else None


def _parsed(raw: bytes) -> Any:
    return json.loads(raw) if raw else None
