"""The /_emulator/ control plane, round trip by round trip."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import pytest

from vibes_emulator.testing import RunningEmulator

DEMO = {"Authorization": aiohttp.encode_basic_auth("demo", "demo"), "X-API-Version": "2"}
LISTS = "/companies/demo/mobiledb/subscription_lists"


async def status_of(url: str, headers: dict[str, str] | None = DEMO) -> int:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        await response.read()
        return response.status


async def test_stats_count_every_answer_by_status_and_route(emulator: RunningEmulator) -> None:
    for _ in range(3):
        assert await status_of(emulator.url + LISTS) == 200
    assert await status_of(emulator.url + LISTS, headers=None) == 401
    assert await status_of(emulator.url + "/companies/demo/nothing/here") == 404
    stats = emulator.control.stats()
    assert stats["requests"] == 5
    assert stats["by_status"] == {"200": 3, "401": 1, "404": 1}
    assert stats["by_route"]["GET /companies/{company_key}/mobiledb/subscription_lists"] == 4
    assert stats["faults_injected"] == 0
    emulator.control.reset_stats()
    assert emulator.control.stats()["requests"] == 0


async def test_reset_empties_data_but_keeps_companies(emulator: RunningEmulator) -> None:
    emulator.control.seed(persons=10, seed=2)
    person = emulator.control.persons()[0]
    url = f"{emulator.url}/companies/demo/mobiledb/persons/{person['person_key']}"
    assert await status_of(url) == 200
    emulator.control.reset()
    assert emulator.control.persons() == []
    assert await status_of(url) == 404
    assert await status_of(emulator.url + LISTS) == 200  # credentials survived the reset


def test_seed_is_deterministic_and_lists_every_person(emulator: RunningEmulator) -> None:
    emulator.control.seed(persons=25, seed=11)
    first = emulator.control.persons()
    assert len(first) == 25
    assert all(set(p) == {"person_key", "external_person_id", "mdn"} for p in first)
    assert len({p["person_key"] for p in first}) == 25
    emulator.control.seed(persons=25, seed=11)
    assert emulator.control.persons() == first
    emulator.control.seed(persons=25, seed=12)
    assert emulator.control.persons() != first


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("seed", {"persons": -1}),
        ("seed", {"persons": "many"}),
        ("seed", {"seed": 3}),
        ("seed", {"persons": 5, "color": "blue"}),
        ("seed", [1, 2]),
        ("companies", {"company_key": "x", "username": "u"}),
        ("companies", {"company_key": "a:b", "username": "u", "password": "p"}),
    ],
)
def test_bad_control_bodies_are_400_with_a_message(
    emulator: RunningEmulator, path: str, body: object
) -> None:
    with pytest.raises(RuntimeError, match=r"400 .*errors"):
        emulator.control.call("POST", path, body)


def test_malformed_json_is_400(emulator: RunningEmulator) -> None:
    request = urllib.request.Request(  # noqa: S310 - loopback http
        f"{emulator.url}/_emulator/seed", data=b"{not json", method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310
    assert raised.value.code == 400
    assert b"not valid JSON" in raised.value.read()


async def test_companies_added_while_running(emulator: RunningEmulator) -> None:
    emulator.control.add_company("warehouse", "loader", "s3cret")
    assert "warehouse" in emulator.control.call("GET", "companies")
    url = emulator.url + "/companies/warehouse/mobiledb/subscription_lists"
    loader = {"Authorization": aiohttp.encode_basic_auth("loader", "s3cret")}
    assert await status_of(url, headers=loader) == 200
    assert await status_of(url) == 401
    # Re-crediting a company replaces its password.
    emulator.control.add_company("warehouse", "loader", "rotated")
    assert await status_of(url, headers=loader) == 401


def test_config_points_a_client_at_the_emulator(emulator: RunningEmulator) -> None:
    assert emulator.config() == {
        "api_url": emulator.url,
        "company_key": "demo",
        "username": "demo",
        "password": "demo",
    }
    assert emulator.url.startswith("http://127.0.0.1:") and not emulator.url.endswith("/")


def test_running_emulator_reports_why_it_did_not_start(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="emulator failed to start"):
        RunningEmulator(db_path=str(tmp_path / "missing" / "x.db")).start()


def test_running_emulator_accepts_the_documented_options() -> None:
    options = {"rate_limit": 7, "latency_ms": 1, "fault_rate": 0.0, "seed": 5, "seed_value": 2}
    with RunningEmulator(**options) as emulator:
        assert len(emulator.control.persons()) == 5
        assert emulator.control.faults()["effective_limits"]["general"] == 7
