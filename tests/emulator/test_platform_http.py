"""Auth, API version, rate limiting and error rendering, over loopback."""

from __future__ import annotations

import asyncio
import math
import time

import aiohttp
import pytest

from vibes_emulator.testing import RunningEmulator

DEMO = ("demo", "demo")
LISTS = "/companies/demo/mobiledb/subscription_lists"


def assert_envelope(body: object) -> list[str]:
    assert isinstance(body, dict) and set(body) == {"errors"}
    errors = body["errors"]
    assert isinstance(errors, list) and errors
    for error in errors:
        assert isinstance(error["message"], str) and error["message"]
        assert isinstance(error["code"], int)
    return [error["message"] for error in errors]


def basic(auth: tuple[str, str]) -> dict[str, str]:
    return {"Authorization": aiohttp.encode_basic_auth(*auth)}


async def get(
    url: str, auth: tuple[str, str] | None = DEMO, headers: dict[str, str] | None = None
) -> tuple[int, object, object]:
    all_headers = {**(basic(auth) if auth else {}), **(headers or {})}
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, headers=all_headers) as response,
    ):
        return response.status, await response.json(content_type=None), response.headers


async def test_valid_credentials_reach_the_api(emulator: RunningEmulator) -> None:
    status, body, _ = await get(emulator.url + LISTS)
    assert status == 200
    assert isinstance(body, list)


@pytest.mark.parametrize(
    "auth",
    [None, ("demo", "wrong"), ("nobody", "demo")],
    ids=["missing", "wrong-password", "unknown-user"],
)
async def test_bad_credentials_are_401_in_the_vibes_envelope(
    emulator: RunningEmulator, auth: tuple[str, str] | None
) -> None:
    status, body, _ = await get(emulator.url + LISTS, auth=auth)
    assert status == 401
    assert_envelope(body)


async def test_garbled_authorization_header_is_401(emulator: RunningEmulator) -> None:
    headers = {"Authorization": "Basic !!!not-base64"}
    status, body, _ = await get(emulator.url + LISTS, auth=None, headers=headers)
    assert status == 401
    assert_envelope(body)


async def test_credentials_of_one_company_do_not_open_another() -> None:
    with RunningEmulator(extra_companies=[("warehouse", "loader", "s3cret")]) as emulator:
        other = ("loader", "s3cret")
        assert (await get(emulator.url + LISTS, auth=other))[0] == 401
        assert (await get(emulator.url + LISTS))[0] == 200
        warehouse_lists = "/companies/warehouse/mobiledb/subscription_lists"
        assert (await get(emulator.url + warehouse_lists, auth=other))[0] == 200
        assert (await get(emulator.url + warehouse_lists))[0] == 401
        assert (await get(emulator.url + "/companies/nosuch/mobiledb/subscription_lists"))[0] == 401


async def test_unknown_route_is_404_in_the_vibes_envelope(emulator: RunningEmulator) -> None:
    status, body, _ = await get(emulator.url + "/companies/demo/no/such/thing")
    assert status == 404
    assert_envelope(body)


@pytest.mark.parametrize("version", ["3", "two", ""])
async def test_unsupported_api_version_is_400(emulator: RunningEmulator, version: str) -> None:
    status, body, _ = await get(emulator.url + LISTS, headers={"X-API-Version": version})
    assert status == 400
    assert "X-API-Version" in assert_envelope(body)[0]


@pytest.mark.parametrize("name", ["X-API-Version", "x-api-version", "X-API-VERSION"])
@pytest.mark.parametrize(("version", "shown"), [("1", "3125550100"), (" 2 ", "+13125550100")])
async def test_api_version_header_reaches_the_handlers_in_any_case(
    emulator: RunningEmulator, name: str, version: str, shown: str
) -> None:
    person_url = emulator.url + "/companies/demo/mobiledb/persons/external/crm-7"
    async with aiohttp.ClientSession() as session:
        body = {"mobile_phone": {"mdn": "+13125550100"}}
        headers = {**basic(DEMO), "X-API-Version": "2"}
        async with session.put(person_url, json=body, headers=headers) as response:
            assert response.status == 201, await response.text()
        async with session.get(person_url, headers={**basic(DEMO), name: version}) as response:
            assert response.status == 200
            assert (await response.json())["mobile_phone"]["mdn"] == shown


async def test_absent_version_header_means_version_1(emulator: RunningEmulator) -> None:
    # Version 1 refuses E.164 numbers; version 2 requires them (FACTS 1.4).
    query = "/companies/demo/mobiledb/persons?mdn=%2B13125550100"
    status, body, _ = await get(emulator.url + query)
    assert status == 400
    assert_envelope(body)
    status, _, _ = await get(emulator.url + query, headers={"X-API-Version": "2"})
    assert status == 404  # well-formed for v2, and nobody has that number yet


async def test_over_the_limit_is_429_without_retry_after() -> None:
    with RunningEmulator(rate_limit=5) as emulator:
        async with aiohttp.ClientSession() as session:

            async def one() -> tuple[int, object, bool]:
                async with session.get(emulator.url + LISTS, headers=basic(DEMO)) as response:
                    body = await response.json(content_type=None)
                    return response.status, body, "Retry-After" in response.headers

            started = time.monotonic()
            results = await asyncio.gather(*(one() for _ in range(40)))
            elapsed = time.monotonic() - started
        statuses = [status for status, _, _ in results]
        # The bucket starts with one second of tokens (5) and refills at 5/s while the
        # burst is served: never fewer than 5 admitted, never more than the refill allows.
        assert 5 <= statuses.count(200) <= 5 + math.ceil(5 * elapsed)
        assert statuses.count(429) == 40 - statuses.count(200)
        for status, body, has_retry_after in results:
            if status == 429:
                assert_envelope(body)
                assert not has_retry_after
        stats = emulator.control.stats()
        assert stats["by_status"]["429"] == statuses.count(429)


async def test_control_plane_is_never_throttled_or_authenticated() -> None:
    with RunningEmulator(rate_limit=1) as emulator:
        for _ in range(20):
            assert emulator.control.stats()["requests"] == 0


async def test_rate_limit_changes_while_running(emulator: RunningEmulator) -> None:
    emulator.control.set_faults(rate_limit=2)
    statuses = await asyncio.gather(*(get(emulator.url + LISTS) for _ in range(20)))
    assert 429 in [status for status, _, _ in statuses]
    emulator.control.set_faults(rate_limit=0)
    statuses = await asyncio.gather(*(get(emulator.url + LISTS) for _ in range(50)))
    assert [status for status, _, _ in statuses] == [200] * 50


async def test_events_have_their_own_bucket(emulator: RunningEmulator) -> None:
    emulator.control.set_faults(rate_limit=2)  # general 2/s, events 6/s (scaled 3x)
    events_url = emulator.url + "/companies/demo/events"
    async with aiohttp.ClientSession() as session:

        async def post_event(n: int) -> int:
            body = {"event_type": "purchase", "event_id": f"e-{n}", "event_data": {"n": n}}
            async with session.post(events_url, json=body, headers=basic(DEMO)) as response:
                return response.status

        general = [(await get(emulator.url + LISTS))[0] for _ in range(6)]
        assert 429 in general  # the general bucket is spent...
        events = await asyncio.gather(*(post_event(n) for n in range(6)))
        assert events == [202] * 6  # ...and events still flow
        more = await asyncio.gather(*(post_event(n) for n in range(6, 60)))
        assert 429 in more


async def test_google_wallet_item_updates_have_a_tighter_bucket() -> None:
    with RunningEmulator(seed=60, seed_value=3) as emulator:
        items = await _items_by_provider(emulator)
        emulator.control.set_faults(rate_limit=10)  # general 10/s, Google Wallet 2/s
        async with aiohttp.ClientSession() as session:

            async def put(item_url: str) -> int:
                body = {"group_code": "vip"}
                async with session.put(item_url, json=body, headers=basic(DEMO)) as response:
                    return response.status

            started = time.monotonic()
            google = await asyncio.gather(*(put(items["google_wallet"]) for _ in range(8)))
            elapsed = time.monotonic() - started
            assert 2 <= google.count(200) <= 2 + math.ceil(2 * elapsed)
            assert google.count(429) == 8 - google.count(200)
            # Refused Google updates spent no general tokens: passbook updates still flow.
            passbook = await asyncio.gather(*(put(items["passbook"]) for _ in range(6)))
            assert passbook == [200] * 6


async def _items_by_provider(emulator: RunningEmulator) -> dict[str, str]:
    """The URL of one item per provider, found through the API."""
    found: dict[str, str] = {}
    wallet = emulator.url + "/companies/demo/campaigns/wallet"
    async with aiohttp.ClientSession() as session:
        async with session.get(wallet, headers=basic(DEMO)) as response:
            campaigns = await response.json()
        for campaign in campaigns:
            items_url = f"{wallet}/{campaign['wallet_id']}/items?page_size=1000"
            async with session.get(items_url, headers=basic(DEMO)) as response:
                for item in await response.json() if response.status == 200 else []:
                    found.setdefault(
                        item["provider"],
                        f"{wallet}/{campaign['wallet_id']}/items/{item['wallet_item_id']}",
                    )
    assert {"google_wallet", "passbook"} <= set(found), found
    return found


async def test_routing_keeps_both_slash_forms_and_answers_405(emulator: RunningEmulator) -> None:
    assert (await get(emulator.url + LISTS + "/"))[0] == 200
    async with (
        aiohttp.ClientSession() as session,
        session.delete(emulator.url + LISTS, headers=basic(DEMO)) as response,
    ):
        assert response.status == 405
        assert_envelope(await response.json())
