"""wallet_locations, source_codes and callbacks against a seeded emulator: exactly what the
API lists, locations paged by number until a short page, and both timestamp spellings of
callback registrations."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tap_vibes.streams.configuration import callback_record
from tests.tap.harness import TapRun, canon, run_tap
from tests.vibes_reader import VibesReader
from vibes_api import endpoints
from vibes_api.client import VibesClient, VibesResponse
from vibes_api.errors import VibesResponseError
from vibes_api.settings import VibesSettings
from vibes_emulator.testing import RunningEmulator

STREAMS = ("wallet_campaigns", "wallet_locations", "source_codes", "callbacks")


@pytest.fixture(scope="module")
def extras_run(seeded_emulator: RunningEmulator) -> TapRun:
    seeded_emulator.control.reset_stats()
    run = run_tap(seeded_emulator.config(), streams=STREAMS)
    run.emulator_stats = seeded_emulator.control.stats()
    return run


def test_every_location_of_every_campaign_in_pages(extras_run: TapRun, direct: VibesReader) -> None:
    expected = []
    pages = 0
    for campaign in direct.get_list("/campaigns/wallet"):
        wallet_id = campaign["wallet_id"]
        listed = direct.get_list(f"/campaigns/wallet/{wallet_id}/locations", {"page_size": 1000})
        assert len(listed) > endpoints.LOCATION_PAGE_SIZE  # more than one tap page
        expected += [{**loc, "wallet_id": wallet_id} for loc in listed]
        pages += len(listed) // endpoints.LOCATION_PAGE_SIZE + 1
    ours = extras_run.records["wallet_locations"]
    key = ("wallet_id", "id")
    assert sorted(ours, key=lambda r: tuple(r[k] for k in key)) == sorted(
        expected, key=lambda r: tuple(r[k] for k in key)
    )
    requests = extras_run.emulator_stats["requests"]
    # one request per page (the last one short) plus the campaigns, codes and callbacks
    assert requests == pages + 3, extras_run.emulator_stats


def test_source_codes_and_callbacks_as_listed(extras_run: TapRun, direct: VibesReader) -> None:
    codes = direct.get_list("/sourcecodes")
    assert len(codes) >= 4
    ours = {(c["sourcecode"], c["country_code"]): c for c in extras_run.records["source_codes"]}
    assert ours == {(c["sourcecode"], c["country_code"]): c for c in codes}
    registrations = direct.get_list("/config/callbacks/")
    found = {r["callback_id"]: canon(r) for r in extras_run.records["callbacks"]}
    assert found == {r["callback_id"]: canon(callback_record(r)) for r in registrations}
    subscription = next(
        r for r in extras_run.records["callbacks"] if r["callback_type"] == "subscription_added"
    )
    assert subscription["selector"] == {"list_id": "1201"}
    assert "subscription_added" not in subscription and "event_type" not in subscription


def test_callback_record_takes_either_timestamp_spelling() -> None:
    oas = {
        "callback_id": "7",
        "event_type": "device_added",
        "device_added": {"app_id": "a"},
        "created_date": "2024-01-01T00:00:00Z",
        "updated_date": "2024-02-01T00:00:00Z",
    }
    record = callback_record(oas)
    assert record == {
        "callback_id": "7",
        "callback_type": "device_added",
        "selector": {"app_id": "a"},
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-02-01T00:00:00Z",
    }
    both = {**oas, "callback_type": "device_added", "updated_at": "2024-03-01T00:00:00Z"}
    assert callback_record(both)["updated_at"] == "2024-03-01T00:00:00Z"
    bare = callback_record({"callback_id": "8", "callback_type": "person_added"})
    assert bare["selector"] is None and bare["created_at"] is None


def test_second_run_reads_locations_whole_and_callbacks_from_the_bookmark(
    extras_run: TapRun, seeded_emulator: RunningEmulator
) -> None:
    again = run_tap(seeded_emulator.config(), state=extras_run.final_state, streams=STREAMS)
    assert again.records["wallet_locations"] == extras_run.records["wallet_locations"]
    newest = max(r["updated_at"] for r in extras_run.records["callbacks"])
    assert again.records["callbacks"]
    assert all(r["updated_at"] == newest for r in again.records["callbacks"])


def test_numbered_pages_stop_at_a_short_page_and_refuse_a_repeated_one(
    seeded_emulator: RunningEmulator,
) -> None:
    async def sizes(wallet_id: str, size: int) -> list[int]:
        async with VibesClient(VibesSettings.from_config(seeded_emulator.config())) as client:
            pages = endpoints.wallet_location_pages(client.request, wallet_id, size)
            return [len(page) async for page in pages]

    campaigns = VibesReader.of(seeded_emulator).get_list("/campaigns/wallet")
    wallet_id = sorted(c["wallet_id"] for c in campaigns)[0]
    found = asyncio.run(sizes(wallet_id, 40))
    assert found[:-1] == [40] * (len(found) - 1) and found[-1] < 40 and len(found) > 2

    async def ignores_page(method: str, path: str, **options: Any) -> VibesResponse:
        full_page = [{"id": n} for n in range(endpoints.LOCATION_PAGE_SIZE)]
        return VibesResponse(200, {}, full_page, 1)

    async def read_all() -> list[Any]:
        return await endpoints.wallet_locations(ignores_page, "w")

    with pytest.raises(VibesResponseError, match="repeats page 1"):
        asyncio.run(read_all())
