"""TLS: certificates are verified by default, and ``ca_bundle`` trusts a private CA.

The emulator speaks plain HTTP, so this serves one Vibes-shaped route over HTTPS with a
certificate made for the test by the openssl command.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.certificates import HAS_OPENSSL, self_signed_certificate, server_context
from vibes_api import VibesClient, VibesSettings, VibesTransportError

pytestmark = pytest.mark.skipif(not HAS_OPENSSL, reason="needs openssl")


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path)


@pytest.fixture
async def https_url(certificate: tuple[Path, Path]) -> AsyncIterator[str]:
    async def lists(request: web.Request) -> web.Response:
        return web.json_response([{"id": "1", "name": "Deals"}])

    app = web.Application()
    app.router.add_get("/companies/demo/mobiledb/subscription_lists", lists)
    context = server_context(*certificate)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def settings(url: str, ca_bundle: Path | None = None) -> VibesSettings:
    return VibesSettings(
        company_key="demo",
        username="demo",
        password="demo",
        api_url=url,
        ca_bundle=None if ca_bundle is None else str(ca_bundle),
        max_retries=3,
        backoff_base_seconds=0.001,
        backoff_cap_seconds=0.01,
    )


async def test_untrusted_certificate_fails_at_once(https_url: str) -> None:
    async with VibesClient(settings(https_url)) as client:
        with pytest.raises(VibesTransportError) as info:
            await client.get("/mobiledb/subscription_lists")
    assert info.value.kind == "tls"
    assert info.value.attempts == 1  # a trust problem is not retried
    assert "ca_bundle" in str(info.value)


async def test_ca_bundle_trusts_a_private_ca(
    https_url: str, certificate: tuple[Path, Path]
) -> None:
    async with VibesClient(settings(https_url, ca_bundle=certificate[0])) as client:
        assert await client.get("/mobiledb/subscription_lists") == [{"id": "1", "name": "Deals"}]
