"""Issue 6's done-when: the emulator calls the receiver back, the tap reads the journal.

Changes made through the API (persons created and updated, participants added, lists
joined and left) with every callback delivered twice come out of the tap once per change,
newest last, and a second run from STATE emits nothing. A receiver killed with SIGKILL while
callbacks arrive loses nothing it acknowledged, and gets the rest again once restarted.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tap_vibes.sources.callback_journal import SOURCES
from tests.tap.harness import run_tap
from vibes_api.client import VibesClient
from vibes_api.errors import VibesConflict
from vibes_api.settings import VibesSettings
from vibes_callbacks.journal import Journal
from vibes_callbacks.register import register_callbacks
from vibes_callbacks.testing import ReceiverProcess
from vibes_emulator.testing import RunningEmulator

CHANGE_STREAMS = tuple(SOURCES)  # the streams the journal serves


@pytest.fixture
def emulator_with_receiver(tmp_path: Path) -> Iterator[tuple[RunningEmulator, ReceiverProcess]]:
    with RunningEmulator(seed=20, seed_value=5) as emulator:
        receiver = ReceiverProcess(tmp_path / "journal.db", "--port", str(_free_port()))
        with receiver:
            report = _api(emulator, lambda c: register_callbacks(c, receiver.url))
            assert report.ok
            yield emulator, receiver


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _api(emulator: RunningEmulator, action: Any) -> Any:
    async def go() -> Any:
        async with VibesClient(VibesSettings.from_config(emulator.config())) as client:
            return await action(client)

    return asyncio.run(go())


def _drain(emulator: RunningEmulator, timeout: float = 60) -> dict[str, Any]:
    stats: dict[str, Any] = emulator.control.call("POST", "callbacks/drain", {"timeout": timeout})
    return stats


async def _make_changes(client: VibesClient) -> dict[str, Any]:
    """Persons created and updated, participants added, lists joined and left."""
    keys = []
    for number in range(3):
        created = await client.post(
            "/mobiledb/persons/",
            json={
                "external_person_id": f"e2e-{number}",
                "mobile_phone": {"mdn": f"+1555010{number:04d}"},
                "custom_fields": {"first_name": "v1"},
            },
        )
        key = created.data["person_key"]
        keys.append(key)
        for version in ("v2", "v3"):
            await client.put(
                f"/mobiledb/persons/{key}", json={"custom_fields": {"first_name": version}}
            )
    statuses: dict[str, str] = {}
    for campaign in await client.get_list("/campaigns/acquisition", empty_on_404=True):
        acquisition = campaign["acquisition_id"]
        for key in keys:
            try:
                added = await client.post(
                    f"/campaigns/acquisition/{acquisition}/participants", json={"person_key": key}
                )
            except VibesConflict:
                continue  # already on that campaign's list
            statuses[f"{acquisition}|{key}"] = added.data["status"]
    # Single opt-in campaigns subscribe at once (SUBSCRIBED): the first person joined a list.
    subscriptions = await client.get_list(f"/mobiledb/persons/{keys[0]}/subscriptions")
    assert subscriptions, f"no single opt-in campaign in the seed: {statuses}"
    left = subscriptions[0]["subscription_list"]["id"]
    await client.delete(f"/mobiledb/persons/{keys[0]}/subscriptions/{left}")
    return {"keys": keys, "participants": statuses, "left": (keys[0], str(left))}


def test_changes_come_out_of_the_tap_once_newest_last_and_not_again(
    emulator_with_receiver: tuple[RunningEmulator, ReceiverProcess], tmp_path: Path
) -> None:
    emulator, receiver = emulator_with_receiver
    emulator.control.call("POST", "faults", {"callback_duplicate_rate": 1.0})
    made = _api(emulator, _make_changes)
    stats = _drain(emulator)
    assert stats["duplicates_sent"] >= len(stats["acknowledged"]) > 0
    assert not stats["failed"] and not stats["dropped"]

    config = {**emulator.config(), "callback_journal": str(receiver.journal)}
    run = run_tap(config, streams=CHANGE_STREAMS, workdir=tmp_path)
    records, state = run.records, run.final_state

    emitted = [r["event_id"] for stream in CHANGE_STREAMS for r in records[stream]]
    assert len(emitted) == len(set(emitted))  # each change once, despite every event twice
    assert set(emitted) == set(stats["acknowledged"])
    for key in made["keys"]:
        names = [
            r["custom_fields"]["first_name"] for r in records["persons"] if r["person_key"] == key
        ]
        assert names == ["v1", "v2", "v3"]  # newest data last
    assert {f"{r['acquisition_id']}|{r['person_key']}" for r in records["participants"]} == set(
        made["participants"]
    )
    person, left = made["left"]
    on_left_list = [
        r
        for r in records["subscribers"]
        if (r["person_key"], r["subscription_list_id"]) == (person, left)
    ]
    assert (
        on_left_list[-1]["active"] is False and on_left_list[-1]["opt_out_reason"] == "api_opt_out"
    )
    positions = [r["journal_position"] for r in records["persons"]]
    assert positions == sorted(positions)

    again = run_tap(config, state=state, streams=CHANGE_STREAMS, workdir=tmp_path)
    assert all(not again.records[stream] for stream in CHANGE_STREAMS)

    # One more change: the next run from STATE emits exactly it.
    _api(
        emulator,
        lambda c: c.put(
            f"/mobiledb/persons/{made['keys'][1]}", json={"custom_fields": {"first_name": "v4"}}
        ),
    )
    _drain(emulator)
    later = run_tap(config, state=state, streams=CHANGE_STREAMS, workdir=tmp_path)
    assert [r["custom_fields"]["first_name"] for r in later.records["persons"]] == ["v4"]
    assert all(not later.records[s] for s in CHANGE_STREAMS if s != "persons")


def test_a_killed_receiver_loses_nothing_it_acknowledged_and_gets_the_rest_after_restart(
    emulator_with_receiver: tuple[RunningEmulator, ReceiverProcess],
) -> None:
    emulator, receiver = emulator_with_receiver
    emulator.control.call("POST", "activity", {"rate": 250, "count": 600, "seed": 11})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with Journal.open_existing(receiver.journal) as journal:
            if journal.count() >= 60:
                break
        time.sleep(0.05)
    receiver.kill()
    at_kill = emulator.control.call("GET", "callbacks")
    with Journal.open_existing(receiver.journal) as journal:
        stored = journal.event_ids()
    assert set(at_kill["acknowledged"]) <= stored  # acknowledged means committed
    assert at_kill["pending"] > 0 or at_kill["queued"] > len(at_kill["acknowledged"])

    while emulator.control.call("GET", "activity")["running"]:
        time.sleep(0.1)
    with ReceiverProcess(receiver.journal, *receiver.cli_args):  # same port: same URL
        final = _drain(emulator, timeout=120)
        assert not final["failed"] and not final["dropped"]
        with Journal.open_existing(receiver.journal) as journal:
            assert journal.event_ids() == set(final["acknowledged"])
            assert journal.count() == len(final["acknowledged"])
