"""VibesClient against the real emulator over loopback."""

from __future__ import annotations

import asyncio
import base64
import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest

from vibes_api import (
    AsyncRunner,
    ClientMetrics,
    VibesClient,
    VibesConflict,
    VibesNotFound,
    VibesServerError,
    VibesSettings,
    VibesTransportError,
    VibesUnauthorized,
    VibesUnprocessable,
    quote_id,
)
from vibes_emulator.testing import RunningEmulator

FAST_RETRIES = {"backoff_base_seconds": 0.005, "backoff_cap_seconds": 0.02}


def settings_for(emulator: RunningEmulator, **overrides: Any) -> VibesSettings:
    return VibesSettings.from_config({**emulator.config(), **FAST_RETRIES, **overrides})


@pytest.fixture
async def client(emulator: RunningEmulator) -> AsyncIterator[VibesClient]:
    async with VibesClient(settings_for(emulator, max_retries=2)) as opened:
        yield opened


def with_mdn(emulator: RunningEmulator) -> list[dict[str, Any]]:
    return [person for person in emulator.control.persons() if person["mdn"]]


def one_person(found: Any) -> dict[str, Any]:
    """Find-by-MDN answers one person (OAS) or an array of them (Vibes' gem); FACTS §8.4."""
    if isinstance(found, list):
        assert len(found) == 1
        return dict(found[0])
    return dict(found)


async def test_version_2_auth_and_plus_encoding(
    emulator: RunningEmulator, client: VibesClient
) -> None:
    emulator.control.seed(10, seed=11)
    expected = with_mdn(emulator)[0]
    assert expected["mdn"].startswith("+")
    # The emulator answers E.164 MDNs only under X-API-Version 2 with the '+' sent as %2B,
    # and only with the right Basic credentials: finding the person proves all three.
    found = one_person(await client.get("/mobiledb/persons", {"mdn": expected["mdn"]}))
    assert found["person_key"] == expected["person_key"]
    assert found["mobile_phone"]["mdn"] == expected["mdn"]
    by_key = await client.get(f"/mobiledb/persons/{quote_id(expected['person_key'])}")
    assert by_key["person_key"] == expected["person_key"]
    # Vibes' url fields are absolute paths; the client follows them as they are.
    assert (await client.get(by_key["url"]))["person_key"] == expected["person_key"]


async def test_wrong_password_is_401_without_retry(emulator: RunningEmulator) -> None:
    emulator.control.reset_stats()
    async with VibesClient(settings_for(emulator, password="wrong-one")) as bad:
        with pytest.raises(VibesUnauthorized) as info:
            await bad.get("/mobiledb/persons/anything")
    assert info.value.attempts == 1
    assert emulator.control.stats()["by_status"] == {"401": 1}


async def test_no_means_no_typed_errors_with_vibes_messages(
    emulator: RunningEmulator, client: VibesClient
) -> None:
    emulator.control.seed(10, seed=3)
    first, second = with_mdn(emulator)[:2]
    emulator.control.reset_stats()

    with pytest.raises(VibesNotFound) as missing:
        await client.get("/mobiledb/persons/no-such-person")
    assert missing.value.attempts == 1 and missing.value.messages
    assert str(missing.value).startswith(
        "GET /companies/demo/mobiledb/persons/no-such-person -> 404"
    )
    assert missing.value.messages[0] in str(missing.value)

    # Changing a person's MDN to another person's is a 409.
    path = f"/mobiledb/persons/{quote_id(first['person_key'])}"
    with pytest.raises(VibesConflict) as conflict:
        await client.put(path, {"mobile_phone": {"mdn": second["mdn"]}})
    assert conflict.value.status == 409 and conflict.value.messages

    # Unknown custom fields are a 422.
    with pytest.raises(VibesUnprocessable) as invalid:
        await client.put(path, {"custom_fields": {"no_such_field_xyz": "1"}})
    assert invalid.value.status == 422 and invalid.value.messages
    assert any("no_such_field_xyz" in message for message in invalid.value.messages)

    by_status = emulator.control.stats()["by_status"]
    assert by_status == {"404": 1, "409": 1, "422": 1}  # one attempt each, nothing retried
    assert client.metrics.retries == 0 and client.metrics.errors == 3


async def test_retries_recover_from_faults_and_data_stays_right(emulator: RunningEmulator) -> None:
    emulator.control.seed(40, seed=5)
    people = emulator.control.persons()
    settings = settings_for(emulator, max_retries=12, max_concurrency=8)
    async with VibesClient(settings) as clean:
        expected = await asyncio.gather(
            *(clean.get(f"/mobiledb/persons/{quote_id(p['person_key'])}") for p in people)
        )
    emulator.control.set_faults(fault_rate=0.3, fault_kinds=["server_error", "drop", "truncate"])
    async with VibesClient(settings) as flaky:
        got = await asyncio.gather(
            *(flaky.get(f"/mobiledb/persons/{quote_id(p['person_key'])}") for p in people)
        )
        kinds = flaky.metrics.snapshot()["transport_by_kind"]
    assert got == expected
    assert flaky.metrics.retries > 0
    injected = emulator.control.stats()["faults_by_kind"]
    assert injected.get("server_error", 0) + injected.get("drop", 0) > 0
    if injected.get("truncate"):
        assert kinds.get("truncated", 0) + kinds.get("invalid_json", 0) > 0


@pytest.mark.parametrize(
    ("kind", "error_type", "detail"),
    [
        ("server_error", VibesServerError, None),
        ("drop", VibesTransportError, "disconnected"),
        ("truncate", VibesTransportError, "truncated"),
    ],
)
async def test_retries_run_out_with_the_last_typed_error(
    emulator: RunningEmulator, kind: str, error_type: type[Exception], detail: str | None
) -> None:
    emulator.control.set_faults(fault_rate=1.0, fault_kinds=[kind])
    emulator.control.reset_stats()
    async with VibesClient(settings_for(emulator, max_retries=2)) as client:
        with pytest.raises(error_type) as info:
            await client.get("/mobiledb/subscription_lists")
    error = info.value
    assert getattr(error, "attempts", None) == 3
    assert "/companies/demo/mobiledb/subscription_lists" in str(error)
    assert "(after 3 attempts)" in str(error)
    if detail is not None:
        assert getattr(error, "kind", None) == detail
    assert emulator.control.stats()["requests"] == 3


async def test_unsafe_post_is_not_repeated_after_an_ambiguous_failure(
    emulator: RunningEmulator,
) -> None:
    emulator.control.set_faults(fault_rate=1.0, fault_kinds=["drop"])
    emulator.control.reset_stats()
    async with VibesClient(settings_for(emulator, max_retries=5)) as client:
        with pytest.raises(VibesTransportError) as info:
            await client.post(
                "/mobiledb/persons",
                {"mobile_phone": {"mdn": "+14155550100"}},
                retry_unsafe=False,
            )
    assert info.value.attempts == 1 and info.value.maybe_processed
    assert emulator.control.stats()["requests"] == 1


async def test_timeouts_are_retried_then_raised(emulator: RunningEmulator) -> None:
    emulator.control.set_faults(fault_rate=1.0, fault_kinds=["slow"], slow_ms=700)
    async with VibesClient(settings_for(emulator, max_retries=1, timeout_seconds=0.2)) as client:
        with pytest.raises(VibesTransportError) as info:
            await client.get("/mobiledb/subscription_lists")
    assert info.value.kind == "timeout" and info.value.attempts == 2


async def test_refused_connections_are_retried_even_for_unsafe_posts() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = VibesSettings(
        company_key="demo",
        username="demo",
        password="demo",
        api_url=f"http://127.0.0.1:{port}",
        max_retries=2,
        backoff_base_seconds=0.005,
        backoff_cap_seconds=0.02,
    )
    async with VibesClient(settings) as client:
        with pytest.raises(VibesTransportError) as info:
            await client.post("/mobiledb/broadcasts", {"name": "x"}, retry_unsafe=False)
    assert info.value.kind == "connect" and info.value.attempts == 3
    assert not info.value.maybe_processed


async def test_429s_slow_the_limiter_and_every_call_succeeds(emulator: RunningEmulator) -> None:
    emulator.control.seed(5, seed=2)
    key = quote_id(emulator.control.persons()[0]["person_key"])
    emulator.control.set_faults(rate_limit=20)
    emulator.control.reset_stats()
    settings = settings_for(emulator, requests_per_second=40, max_retries=20)
    async with VibesClient(settings) as client:
        results = await asyncio.gather(*(client.get(f"/mobiledb/persons/{key}") for _ in range(80)))
        bucket = client.limits.snapshot()["default"]
    assert all(result["person_key"] for result in results)
    server_429s = emulator.control.stats()["by_status"].get("429", 0)
    assert client.metrics.throttled == server_429s > 0
    assert client.metrics.retries >= server_429s
    assert bucket["slowdowns"] >= 1 and bucket["lowest_rate"] < 40


async def test_in_flight_window_is_respected(emulator: RunningEmulator) -> None:
    emulator.control.set_faults(latency_ms=40)
    settings = settings_for(emulator, max_concurrency=3, requests_per_second=1000)
    async with VibesClient(settings) as client:
        await asyncio.gather(*(client.get("/mobiledb/subscription_lists") for _ in range(15)))
        assert client.peak_in_flight == 3
    assert emulator.control.stats()["requests"] == 15


async def test_lists_and_404_on_empty(emulator: RunningEmulator, client: VibesClient) -> None:
    # A fresh company has no acquisition campaigns, and Vibes answers 404 to empty lists.
    assert await client.get_list("/campaigns/acquisition", empty_on_404=True) == []
    with pytest.raises(VibesNotFound):
        await client.get_list("/campaigns/acquisition")
    pages = [page async for page in client.iter_pages("/campaigns/wallet/nothing-here/items")]
    assert pages == []


async def test_wallet_items_paging_follows_the_token(seeded_emulator: RunningEmulator) -> None:
    async with VibesClient(settings_for(seeded_emulator)) as client:
        campaigns = await client.get_list("/campaigns/wallet", empty_on_404=True)
        sizes = []
        for campaign in campaigns:
            path = f"/campaigns/wallet/{quote_id(campaign['wallet_id'])}/items"
            everything = [
                item for items, _ in [p async for p in client.iter_pages(path)] for item in items
            ]
            paged: list[dict[str, Any]] = []
            tokens = []
            async for items, token in client.iter_pages(path, page_size=7):
                assert len(items) <= 7
                paged.extend(items)
                tokens.append(token)
            assert [i["wallet_item_id"] for i in paged] == [i["wallet_item_id"] for i in everything]
            assert tokens[-1] is None and all(tokens[:-1])
            sizes.append(len(paged))
    assert any(size > 7 for size in sizes), "seed data should need more than one page"


async def test_per_stream_metrics_count_alongside_the_client(
    emulator: RunningEmulator, client: VibesClient
) -> None:
    stream_metrics = ClientMetrics()
    await client.get("/mobiledb/subscription_lists", metrics=stream_metrics)
    await client.get("/mobiledb/subscription_lists")
    assert stream_metrics.requests == 1 and client.metrics.requests == 2


def test_runner_client_and_map_ordered_hydrate_in_input_order(
    seeded_emulator: RunningEmulator,
) -> None:
    keys = [p["person_key"] for p in seeded_emulator.control.persons()][:60]
    keys.reverse()
    with AsyncRunner() as runner:
        client = runner.client(settings_for(seeded_emulator, max_concurrency=16))
        assert runner.client(settings_for(seeded_emulator, max_concurrency=16)) is client

        async def hydrate(key: str) -> Any:
            return await client.get(f"/mobiledb/persons/{quote_id(key)}")

        persons = list(runner.map_ordered(hydrate, keys, window=16))
    assert [p["person_key"] for p in persons] == keys
    assert client.closed


async def test_secrets_never_reach_errors_reprs_or_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "Sup3r-S3cret-pw"
    token = base64.b64encode(f"demo:{secret}".encode()).decode()
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    with RunningEmulator(password=secret) as emulator:
        emulator.control.set_faults(
            fault_rate=0.5, fault_kinds=["server_error", "drop"], fault_seed=3
        )
        settings = settings_for(emulator, max_retries=1)
        texts.append(repr(settings))
        async with VibesClient(settings) as client:
            texts.append(repr(client))
            for _ in range(6):
                try:
                    await client.get("/mobiledb/persons/missing")
                except Exception as error:  # every kind of failure is checked
                    texts.extend([str(error), repr(error), repr(error.args)])
            texts.append(str(client.metrics.snapshot()))
            texts.append(str(client.limits.snapshot()))
    texts.append(caplog.text)
    assert any("retrying" in record.getMessage() for record in caplog.records)
    combined = "\n".join(texts)
    assert secret not in combined and token not in combined


async def test_near_the_limit_the_client_is_not_throttled(emulator: RunningEmulator) -> None:
    # Configured at 98/s against Vibes' 100/s: the bucket's burst plus its rate stays under
    # what the server admits, so (almost) nothing is answered 429.
    emulator.control.set_faults(rate_limit=100, latency_ms=20)
    emulator.control.reset_stats()
    settings = settings_for(emulator, requests_per_second=98, max_concurrency=32)
    async with VibesClient(settings) as client:
        await asyncio.gather(*(client.get("/mobiledb/subscription_lists") for _ in range(250)))
    stats = emulator.control.stats()
    assert stats["by_status"].get("200") == 250
    assert stats["by_status"].get("429", 0) <= 2  # under 1%
