"""``register``: every registration the tap needs, once, against the emulator's callback API."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vibes_api.client import VibesClient
from vibes_api.settings import VibesSettings
from vibes_callbacks.register import RegistrationReport, SelectorValues, register_callbacks
from vibes_emulator.testing import RunningEmulator

URL = "https://receiver.example.com/callbacks/s3cret"


@pytest.fixture(scope="module")
def small_emulator() -> Iterator[RunningEmulator]:
    """Seeded with lists and campaigns; each test resets the registrations it needs gone."""
    with RunningEmulator(seed=20, seed_value=3) as running:
        yield running


def _run(emulator: RunningEmulator, action: Any) -> Any:
    async def go() -> Any:
        async with VibesClient(VibesSettings.from_config(emulator.config())) as client:
            return await action(client)

    return asyncio.run(go())


def _registrations(emulator: RunningEmulator) -> list[dict[str, Any]]:
    return list(_run(emulator, lambda c: c.get_list("/config/callbacks/")))


def _clear(emulator: RunningEmulator) -> None:
    async def delete_all(client: VibesClient) -> None:
        for registration in await client.get_list("/config/callbacks/"):
            await client.delete(f"/config/callbacks/{registration['callback_id']}")

    _run(emulator, delete_all)


def _selectors(emulator: RunningEmulator) -> tuple[int, int, int, int]:
    async def count(client: VibesClient) -> tuple[int, int, int, int]:
        lists = await client.get_list("/mobiledb/subscription_lists/")
        acquisitions = await client.get_list("/campaigns/acquisition", empty_on_404=True)
        wallets = await client.get_list("/campaigns/wallet", empty_on_404=True)
        codes = await client.get_list("/sourcecodes")
        return len(lists), len(acquisitions), len(wallets), len(codes)

    return tuple(_run(emulator, count))  # type: ignore[return-value]


def _register(emulator: RunningEmulator, **options: Any) -> RegistrationReport:
    result: RegistrationReport = _run(
        emulator, lambda client: register_callbacks(client, URL, **options)
    )
    return result


def test_registers_each_type_per_list_and_campaign_once_and_is_idempotent(
    small_emulator: RunningEmulator,
) -> None:
    _clear(small_emulator)
    lists, acquisitions, wallets, codes = _selectors(small_emulator)
    assert lists and acquisitions and wallets and codes
    # persons, lists and event_processed once each, the rest per list, campaign, source code
    expected = 5 + 2 * (lists + acquisitions + wallets) + codes

    first = _register(small_emulator)
    assert first.ok and first.count("created") == expected
    second = _register(small_emulator)
    assert second.ok and second.count("kept") == expected and second.count("created") == 0

    registered = _registrations(small_emulator)
    assert len(registered) == expected
    keys = set()
    for registration in registered:
        kind = registration["callback_type"]
        assert registration["destination"]["url"] == URL
        keys.add((kind, json.dumps(registration.get(kind), sort_keys=True)))
    assert len(keys) == expected
    per_type = {kind: sum(1 for k, _ in keys if k == kind) for kind, _ in keys}
    assert per_type["person_added"] == per_type["person_updated"] == 1
    assert per_type["subscription_added"] == per_type["subscription_removed"] == lists
    assert per_type["ack_participant_changed"] == acquisitions
    assert per_type["wallet_item_remove"] == wallets
    assert per_type["unmatched_message_received"] == codes
    assert per_type["subscription_list_added"] == per_type["subscription_list_updated"] == 1
    assert per_type["event_processed"] == 1
    assert ("event_processed", '{"callbacks_to_send": "all"}') in keys


def test_other_destinations_are_left_alone_and_ended_ones_renewed(
    small_emulator: RunningEmulator,
) -> None:
    _clear(small_emulator)
    other = {
        "callback_type": "person_added",
        "destination": {"url": "https://other.example.com/hook", "method": "POST"},
    }
    ended = {
        "callback_type": "person_updated",
        "destination": {"url": URL, "method": "POST", "content_type": "application/json"},
        "end_date": "2020-01-01T00:00:00Z",
    }
    _run(small_emulator, lambda c: c.post("/config/callbacks/", json=other))
    _run(small_emulator, lambda c: c.post("/config/callbacks/", json=ended))

    report = _register(small_emulator, types=["person_added", "person_updated"])
    outcomes = {r.callback_type: r.outcome for r in report.registrations}
    assert outcomes == {"person_added": "created", "person_updated": "renewed"}
    by_url = {
        (r["callback_type"], r["destination"]["url"]): r for r in _registrations(small_emulator)
    }
    assert set(by_url) == {
        ("person_added", "https://other.example.com/hook"),
        ("person_added", URL),
        ("person_updated", URL),
    }
    assert by_url[("person_updated", URL)]["end_date"] in (None, "")


def test_dry_run_changes_nothing(small_emulator: RunningEmulator) -> None:
    _clear(small_emulator)
    report = _register(small_emulator, types=["person_added"], dry_run=True)
    assert [r.outcome for r in report.registrations] == ["planned"]
    assert _registrations(small_emulator) == []


def test_register_command(small_emulator: RunningEmulator, tmp_path: Path) -> None:
    _clear(small_emulator)
    config = tmp_path / "tap.json"
    config.write_text(json.dumps(small_emulator.config()))
    command = [sys.executable, "-m", "vibes_callbacks", "register", "--config", str(config)]
    command += ["--url", URL, "--types", "person_added", "subscription_added"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=120)
    again = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    lists = _selectors(small_emulator)[0]
    assert first.stdout.splitlines()[-1].endswith(f"{1 + lists} created")
    assert again.stdout.splitlines()[-1].endswith(f"{1 + lists} kept")


def test_refusals_are_reported_and_the_rest_still_registered(
    small_emulator: RunningEmulator,
) -> None:
    _clear(small_emulator)
    assert _register(small_emulator).ok
    # Vibes allows 50 destinations; a second receiver URL cannot get all of its registrations.
    second: RegistrationReport = _run(
        small_emulator,
        lambda c: register_callbacks(c, "https://second.example.com/callbacks"),
    )
    assert not second.ok
    assert second.count("created") > 0
    assert len(_registrations(small_emulator)) == 50
    failed = [r for r in second.registrations if r.outcome == "failed"]
    assert failed and "422" in failed[0].message
    with pytest.raises(ValueError, match="http"):
        _run(small_emulator, lambda c: register_callbacks(c, "ftp://x/callbacks"))


def test_push_device_types_are_registered_per_named_app(small_emulator: RunningEmulator) -> None:
    _clear(small_emulator)
    apps = ["app-one", "app-two"]
    first = _register(
        small_emulator,
        types=["device_added", "device_removed"],
        values=SelectorValues(app_ids=tuple(apps)),
    )
    assert first.ok and first.count("created") == 4
    again = _register(small_emulator, values=SelectorValues(app_ids=tuple(apps)))  # all kept
    assert again.ok and again.count("kept") == 4
    assert again.count("created") == len(again.registrations) - 4
    selectors = {
        (r["callback_type"], r[r["callback_type"]]["app_id"])
        for r in _registrations(small_emulator)
        if r["callback_type"].startswith("device_")
    }
    kinds = ("device_added", "device_removed", "device_updated")
    assert selectors == {(kind, app) for kind in kinds for app in apps}
    with pytest.raises(ValueError, match="per app"):
        _register(small_emulator, types=["device_added"])
