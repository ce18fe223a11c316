"""Events routed to event-triggered campaigns and devices assigned to persons, end to end:
the emulator calls the receiver back (event_processed, device_added/removed), the receiver
journals them, and the tap's message_events and device_events streams read the journal once,
bookmarked by position, honouring start_date and end_date."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tap_vibes.sources.callback_journal import SOURCES
from tests.callbacks.test_end_to_end import _api, _drain, _free_port
from tests.tap.harness import run_tap
from vibes_api import endpoints
from vibes_api.client import VibesClient
from vibes_callbacks.journal import Journal
from vibes_callbacks.register import SelectorValues, register_callbacks
from vibes_callbacks.testing import ReceiverProcess
from vibes_emulator.testing import RunningEmulator

CHANGE_STREAMS = tuple(SOURCES)  # the streams the journal serves
APPS = ("a1b2c3d4-shop-ios", "e5f6a7b8-shop-android")


@pytest.fixture
def wired(tmp_path: Path) -> Iterator[tuple[RunningEmulator, ReceiverProcess]]:
    with RunningEmulator(seed=40, seed_value=5) as emulator:
        receiver = ReceiverProcess(tmp_path / "journal.db", "--port", str(_free_port()))
        with receiver:

            async def register(client: VibesClient) -> None:
                types = ["event_processed", "device_added", "device_removed"]
                report = await register_callbacks(
                    client, receiver.url, types, values=SelectorValues(app_ids=tuple(APPS))
                )
                assert report.ok and report.count("created") == 5

            _api(emulator, register)
            yield emulator, receiver


async def _devices(client: VibesClient, keys: list[str]) -> dict[str, list[dict[str, Any]]]:
    found = {}
    for key in keys:
        devices = await endpoints.push_devices(
            client.request, endpoints.person_path("person_key", key)
        )
        found[key] = devices or []
    return found


def test_event_outcomes_and_device_moves_come_out_of_the_journal_streams(
    wired: tuple[RunningEmulator, ReceiverProcess], tmp_path: Path
) -> None:
    emulator, receiver = wired
    keys = [p["person_key"] for p in emulator.control.persons() if p["mdn"]]

    async def act(client: VibesClient) -> dict[str, Any]:
        devices = await _devices(client, keys)
        owner = next(k for k in keys if devices[k])
        device = devices[owner][0]
        app_id = device["url"].split("/")[2]
        other = next(k for k in keys if k != owner)
        await endpoints.assign_push_device(
            client.request, app_id, device["vibes_device_id"], "person_key", other
        )
        for number, (event_type, data) in enumerate(
            (
                ("order_shipped", {"person_key": keys[0]}),
                ("nobody_listens", {"person_key": keys[0]}),
                ("order_shipped", {"external_person_id": "no-such-person"}),
            )
        ):
            body = {"event_id": f"ev-{number}", "event_type": event_type, "event_data": data}
            await endpoints.post_event(client.request, body)
        return {"owner": owner, "other": other, "device": device["vibes_device_id"]}

    made = _api(emulator, act)
    stats = _drain(emulator)
    assert not stats["failed"] and not stats["dropped"]

    config = {**emulator.config(), "callback_journal": str(receiver.journal)}
    run = run_tap(config, streams=CHANGE_STREAMS, workdir=tmp_path)
    records, state = run.records, run.final_state
    steps = {
        (r["processed_event_id"], r["action_type"], r["status_reason"])
        for r in records["message_events"]
    }
    assert steps == {
        ("ev-0", "routing", "accepted_by_event_triggered_message"),
        ("ev-0", "processing", "sms_queued_to_carrier"),
        ("ev-0", "carrier_dlr", "delivered_to_carrier"),
        ("ev-0", "handset_dlr", "delivered_to_handset"),
        ("ev-1", "routing", "no_route_rules"),
        ("ev-2", "routing", "person_not_found"),
    }
    sent = [r for r in records["message_events"] if r["message_id"]]
    assert len({r["message_id"] for r in sent}) == 1
    assert all(r["event_triggered_message_id"] == 501 for r in sent)
    assert [
        r["failed"] for r in records["message_events"] if r["processed_event_id"] != "ev-0"
    ] == [
        True,
        True,
    ]
    moves = [(r["callback_type"], r["person_key"]) for r in records["device_events"]]
    assert moves == [("device_removed", made["owner"]), ("device_added", made["other"])]
    assert all(r["vibes_device_id"] == made["device"] for r in records["device_events"])
    assert records["device_events"][1]["assigned"] is True

    again = run_tap(config, state=state, streams=CHANGE_STREAMS, workdir=tmp_path)
    assert all(not again.records[stream] for stream in CHANGE_STREAMS)

    _api(
        emulator,
        lambda c: endpoints.post_event(
            c.request, {"event_type": "order_shipped", "event_data": {"person_key": "nobody"}}
        ),
    )
    _drain(emulator)
    later = run_tap(config, state=state, streams=CHANGE_STREAMS, workdir=tmp_path)
    assert [r["status_reason"] for r in later.records["message_events"]] == ["person_not_found"]
    assert not later.records["device_events"]


def _processed(number: int, day: str) -> dict[str, Any]:
    return {
        "event_id": f"cb-{number}",
        "callback_type": "event_processed",
        "event_date": f"{day}T12:00:00Z",
        "event_processed": {
            "event_id": f"ev-{number}",
            "event_type": "order_shipped",
            "event_data": {"person_key": "PK"},
            "action": {"type": "routing", "status": "failed", "status_reason": "no_route_rules"},
        },
    }


def _device(number: int, day: str, kind: str) -> dict[str, Any]:
    return {
        "event_id": f"d-{number}",
        "callback_type": kind,
        "event_type": kind,
        "event_date": f"{day}T12:00:00Z",
        "person": {
            "person_id": "7",
            "external_id": "ex7",
            "url": "/companies/c/mobiledb/persons/PK7",
        },
        "push_device": {"app_id": "app", "vibes_device_id": f"dev-{number}", "device_os": "IOS"},
    }


def test_journal_event_streams_honour_start_and_end_date(tmp_path: Path) -> None:
    journal_path = tmp_path / "journal.db"
    days = ("2024-02-10", "2024-03-05", "2024-03-20", "2024-04-02")
    events = [_processed(n, day) for n, day in enumerate(days)]
    events += [_device(n, day, "device_added") for n, day in enumerate(days)]
    with Journal(journal_path) as journal:
        journal.append_many(events)
    base = {"api_url": "http://127.0.0.1:9", "company_key": "c", "username": "u", "password": "p"}
    config = {
        **base,
        "callback_journal": str(journal_path),
        "start_date": "2024-03-01T00:00:00Z",
        "end_date": "2024-04-01T00:00:00Z",
    }
    first = run_tap(config, streams=CHANGE_STREAMS, workdir=tmp_path)
    window, state = first.records, first.final_state
    assert [r["event_id"] for r in window["message_events"]] == ["cb-1", "cb-2"]
    assert [r["event_id"] for r in window["device_events"]] == ["d-1", "d-2"]
    assert window["device_events"][0]["person_key"] == "PK7"
    assert window["device_events"][0]["external_person_id"] == "ex7"
    live = {k: v for k, v in config.items() if k != "end_date"}
    rest = run_tap(live, state=state, streams=CHANGE_STREAMS, workdir=tmp_path).records
    assert [r["event_id"] for r in rest["message_events"]] == ["cb-3"]
    assert [r["event_id"] for r in rest["device_events"]] == ["d-3"]


def test_event_and_device_payloads_without_their_object_are_passed_over(tmp_path: Path) -> None:
    """A delivery lacking ``event_processed`` or ``push_device`` makes no record (and is
    logged); the ones around it still come out, and the bookmark covers all of them."""
    journal_path = tmp_path / "journal.db"
    broken_processed = {**_processed(1, "2024-03-02"), "event_processed": "oops"}
    broken_device = _device(1, "2024-03-02", "device_removed")
    broken_device.pop("push_device")
    with Journal(journal_path) as journal:
        journal.append_many(
            [
                _processed(0, "2024-03-01"),
                broken_processed,
                _device(0, "2024-03-01", "device_updated"),
                broken_device,
                _processed(2, "2024-03-03"),
            ]
        )
    base = {"api_url": "http://127.0.0.1:9", "company_key": "c", "username": "u", "password": "p"}
    run = run_tap({**base, "callback_journal": str(journal_path)}, streams=CHANGE_STREAMS)
    assert [r["event_id"] for r in run.records["message_events"]] == ["cb-0", "cb-2"]
    assert [r["assigned"] for r in run.records["device_events"]] == [True]
    assert run.final_state["bookmarks"]["message_events"]["replication_key_value"] == 5
