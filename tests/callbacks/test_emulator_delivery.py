"""The emulator's callback delivery: Vibes' status contract, payload shapes, MDN format by
registration version, duplicates and simulated activity (FACTS §3, §1.4)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from vibes_api.client import VibesClient
from vibes_api.settings import VibesSettings
from vibes_emulator.testing import RunningEmulator


class Destination:
    """A callback destination answering a scripted sequence of statuses (then 200)."""

    def __init__(self) -> None:
        self.script: list[int] = []
        self.seen: list[tuple[str, dict[str, Any]]] = []
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.server = TestServer(app)

    async def handle(self, request: web.Request) -> web.Response:
        self.seen.append((request.path, await request.json()))
        status = self.script.pop(0) if self.script else 200
        headers = {"Location": "/moved"} if 300 <= status < 400 else None
        return web.Response(status=status, headers=headers)

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))


@pytest.fixture
async def destination() -> AsyncIterator[Destination]:
    target = Destination()
    await target.server.start_server()
    yield target
    await target.server.close()


async def _control(emulator: RunningEmulator, method: str, path: str, body: Any = None) -> Any:
    # The control client is synchronous; keep this loop free to answer deliveries.
    return await asyncio.to_thread(emulator.control.call, method, path, body)


async def _register(
    emulator: RunningEmulator, kind: str, url: str, version: int = 2, selector: Any = None
) -> None:
    auth = base64.b64encode(f"{emulator.username}:{emulator.password}".encode()).decode()
    body: dict[str, Any] = {"callback_type": kind, "destination": {"url": url}}
    if selector is not None:
        body[kind] = selector
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{emulator.url}/companies/{emulator.company_key}/config/callbacks/",
            json=body,
            headers={"Authorization": f"Basic {auth}", "X-API-Version": str(version)},
        ) as response,
    ):
        assert response.status in (200, 201), await response.text()


def _client(emulator: RunningEmulator) -> VibesClient:
    return VibesClient(VibesSettings.from_config(emulator.config()))


async def test_retries_3xx_and_5xx_drops_4xx(destination: Destination) -> None:
    with RunningEmulator() as emulator:
        await _register(emulator, "person_added", destination.url("/hook"))
        destination.script = [503, 302, 200, 404]
        async with _client(emulator) as client:
            await client.post("/mobiledb/persons/", json={"mobile_phone": {"mdn": "+15550100001"}})
            await client.post("/mobiledb/persons/", json={"mobile_phone": {"mdn": "+15550100002"}})
        stats = await _control(emulator, "POST", "callbacks/drain", {"timeout": 30})
    ids = [body["event_id"] for _, body in destination.seen]
    assert len(ids) == 4 and ids[0] == ids[1] == ids[2] != ids[3]  # same event, retried
    assert stats["retries"] == 2 and stats["acknowledged"] == [ids[0]]
    assert stats["dropped"] == [ids[3]] and not stats["failed"]


async def test_payloads_carry_event_type_and_mdns_by_registration_version(
    destination: Destination,
) -> None:
    with RunningEmulator() as emulator:
        await _register(emulator, "person_added", destination.url("/v1"), version=1)
        await _register(emulator, "person_added", destination.url("/v2"), version=2)
        async with _client(emulator) as client:
            await client.post(
                "/mobiledb/persons/",
                json={"external_person_id": "x", "mobile_phone": {"mdn": "+15550100003"}},
            )
        await _control(emulator, "POST", "callbacks/drain", {"timeout": 30})
    by_path = dict(destination.seen)
    assert by_path["/v1"]["person"]["mobile_phone"]["mdn"] == "5550100003"
    assert by_path["/v2"]["person"]["mobile_phone"]["mdn"] == "+15550100003"
    for body in by_path.values():
        assert body["callback_type"] == body["event_type"] == "person_added"
        assert body["person"]["external_person_id"] == "x" and body["person"]["person_key"]
    assert by_path["/v1"]["event_id"] == by_path["/v2"]["event_id"]


async def test_activity_fires_subscription_and_wallet_callbacks(destination: Destination) -> None:
    with RunningEmulator(seed=20, seed_value=2) as emulator:
        lists = [item["id"] for item in await _get(emulator, "/mobiledb/subscription_lists/")]
        wallets = [w["wallet_id"] for w in await _get(emulator, "/campaigns/wallet")]
        for list_id in lists:
            selector = {"list_id": list_id}
            await _register(emulator, "subscription_removed", destination.url("/subs"), 2, selector)
        for wallet_id in wallets:
            selector = {"campaign_token": wallet_id}
            await _register(emulator, "wallet_item_remove", destination.url("/wallet"), 2, selector)
        await _control(emulator, "POST", "faults", {"callback_duplicate_rate": 1.0})
        started = await _control(
            emulator,
            "POST",
            "activity",
            {
                "rate": 500,
                "count": 10,
                "kinds": ["opt_out", "pass_remove"],
                "seed": 3,
                "wait": True,
            },
        )
        assert started["done"] == 10 and not started["running"]
        stats = await _control(emulator, "POST", "callbacks/drain", {"timeout": 30})
    subs = [body for path, body in destination.seen if path == "/subs"]
    wallet = [body for path, body in destination.seen if path == "/wallet"]
    assert subs and wallet
    assert all(b["subscription"]["opt_out_reason"] == "user_opt_out" for b in subs)
    assert all(b["subscription"]["opt_out_date"] for b in subs)
    assert all("callback_type" not in b and b["event_type"] == "wallet_item_remove" for b in wallet)
    assert all(b["wallet_campaign"]["token"] in wallets for b in wallet)
    assert len(destination.seen) == 2 * len(stats["acknowledged"])  # every one sent twice
    assert stats["duplicates_sent"] == len(stats["acknowledged"])


async def _get(emulator: RunningEmulator, path: str) -> list[dict[str, Any]]:
    async with _client(emulator) as client:
        return await client.get_list(path)


def test_control_plane_refuses_bad_settings() -> None:
    with RunningEmulator() as emulator:
        for path, body in [
            ("faults", {"callback_duplicate_rate": 1.5}),
            ("activity", {"kinds": ["dance"]}),
            ("activity", {"rate": 0}),
            ("activity", {"count": 0}),
        ]:
            with pytest.raises(RuntimeError, match="400"):
                emulator.control.call("POST", path, body)
        assert (
            emulator.control.call("POST", "faults", {"callback_duplicate_rate": 0.25})[
                "callback_duplicate_rate"
            ]
            == 0.25
        )
