"""Each injected fault is observable by a plain aiohttp client."""

from __future__ import annotations

import aiohttp
import pytest

from vibes_emulator.testing import RunningEmulator

DEMO = {"Authorization": aiohttp.encode_basic_auth("demo", "demo")}
LISTS = "/companies/demo/mobiledb/subscription_lists"


def only(emulator: RunningEmulator, kind: str, **more: float) -> None:
    emulator.control.set_faults(fault_rate=1.0, fault_kinds=[kind], **more)


async def test_server_error_fault_answers_5xx_in_the_vibes_envelope(
    emulator: RunningEmulator,
) -> None:
    only(emulator, "server_error")
    async with aiohttp.ClientSession() as session:
        for _ in range(8):
            async with session.get(emulator.url + LISTS, headers=DEMO) as response:
                assert response.status in {500, 502, 503, 504}
                body = await response.json()
                assert isinstance(body["errors"][0]["message"], str)
    stats = emulator.control.stats()
    assert stats["faults_by_kind"] == {"server_error": 8}
    assert sum(n for status, n in stats["by_status"].items() if status.startswith("5")) == 8


async def test_drop_fault_closes_the_connection_without_an_answer(
    emulator: RunningEmulator,
) -> None:
    only(emulator, "drop")
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ServerDisconnectedError):
            async with session.get(emulator.url + LISTS, headers=DEMO) as response:
                await response.read()
    stats = emulator.control.stats()
    # aiohttp's client may retry an idempotent request once on a dropped connection.
    assert set(stats["by_status"]) == {"dropped"}
    assert stats["faults_injected"] == stats["requests"] >= 1


async def test_truncate_fault_sends_less_body_than_declared(emulator: RunningEmulator) -> None:
    only(emulator, "truncate")
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientPayloadError):
            async with session.get(emulator.url + LISTS, headers=DEMO) as response:
                await response.read()
    assert emulator.control.stats()["faults_by_kind"] == {"truncate": 1}


async def test_slow_fault_still_answers_correctly(emulator: RunningEmulator) -> None:
    only(emulator, "slow", slow_ms=50)
    async with (
        aiohttp.ClientSession() as session,
        session.get(emulator.url + LISTS, headers=DEMO) as response,
    ):
        assert response.status == 200
        assert isinstance(await response.json(), list)
    assert emulator.control.stats()["faults_by_kind"] == {"slow": 1}


async def test_latency_and_jitter_keep_answers_correct(emulator: RunningEmulator) -> None:
    settings = emulator.control.set_faults(latency_ms=5, latency_jitter_ms=5)
    assert (settings["latency_ms"], settings["latency_jitter_ms"]) == (5, 5)
    async with (
        aiohttp.ClientSession() as session,
        session.get(emulator.url + LISTS, headers=DEMO) as response,
    ):
        assert response.status == 200


async def test_mixed_fault_rate_injects_roughly_that_share(emulator: RunningEmulator) -> None:
    emulator.control.set_faults(fault_rate=0.5, fault_kinds=["server_error"])
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            async with session.get(emulator.url + LISTS, headers=DEMO) as response:
                await response.read()
    injected = emulator.control.stats()["faults_injected"]
    assert 50 < injected < 150  # binomial(200, 0.5): outside this is ~1e-12 likely


async def test_control_plane_is_immune_to_faults(emulator: RunningEmulator) -> None:
    emulator.control.set_faults(fault_rate=1.0, fault_kinds=["drop"])
    for _ in range(5):
        assert emulator.control.stats()["requests"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"fault_rate": 1.5},
        {"fault_rate": "often"},
        {"latency_ms": -1},
        {"rate_limit": True},
        {"fault_kinds": ["meteor"]},
        {"fault_kinds": []},
        {"bogus": 1},
    ],
)
def test_bad_fault_settings_are_400_and_change_nothing(
    emulator: RunningEmulator, body: dict[str, object]
) -> None:
    before = emulator.control.faults()
    with pytest.raises(RuntimeError, match="400"):
        emulator.control.call("POST", "faults", {"latency_ms": 7, **body})
    assert emulator.control.faults() == before


def test_reset_restores_startup_fault_settings() -> None:
    with RunningEmulator(latency_ms=1, rate_limit=50) as emulator:
        emulator.control.set_faults(rate_limit=0, latency_ms=9, fault_rate=0.5)
        emulator.control.reset()
        settings = emulator.control.faults()
        assert (settings["rate_limit"], settings["latency_ms"], settings["fault_rate"]) == (
            50,
            1,
            0,
        )
