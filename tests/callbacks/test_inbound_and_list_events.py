"""Texts that match no keyword and lists made or renamed in Vibes: the emulator calls the
receiver back, the receiver journals, tap-vibes' inbound_messages and
subscription_list_events read the journal once per event, from their bookmarks."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.tap.harness import run_tap
from vibes_api.client import VibesClient
from vibes_api.settings import VibesSettings
from vibes_callbacks.register import register_callbacks
from vibes_callbacks.testing import ReceiverProcess
from vibes_emulator.testing import RunningEmulator

STREAMS = ("inbound_messages", "subscription_list_events")
TYPES = ["unmatched_message_received", "subscription_list_added", "subscription_list_updated"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def wired(tmp_path: Path) -> Iterator[tuple[RunningEmulator, ReceiverProcess]]:
    with RunningEmulator(seed=10, seed_value=5) as emulator:
        receiver = ReceiverProcess(tmp_path / "journal.db", "--port", str(_free_port()))
        with receiver:

            async def register() -> Any:
                async with VibesClient(VibesSettings.from_config(emulator.config())) as client:
                    return await register_callbacks(client, receiver.url, TYPES)

            assert asyncio.run(register()).ok
            yield emulator, receiver


def _text(emulator: RunningEmulator, code: str, mdn: str, message: str) -> dict[str, Any]:
    body = {"source_code": code, "mdn": mdn, "message": message}
    answer: dict[str, Any] = emulator.control.call("POST", "inbound_messages", body)
    return answer


def test_unmatched_texts_and_list_changes_come_out_once_in_order(
    wired: tuple[RunningEmulator, ReceiverProcess],
) -> None:
    emulator, receiver = wired
    emulator.control.call("POST", "faults", {"callback_duplicate_rate": 1.0})
    first = _text(emulator, "65301", "+13125550111", "what time do you open?")
    second = _text(emulator, "77777", "+13125550112", "hello")
    made = emulator.control.call("POST", "subscription_lists", {"name": "Flash Deals"})
    emulator.control.call("PUT", f"subscription_lists/{made['id']}", {"name": "Flash Offers"})
    stats = emulator.control.call("POST", "callbacks/drain", {"timeout": 60})
    assert len(stats["acknowledged"]) == 4 and stats["duplicates_sent"] >= 4

    config = {**emulator.config(), "callback_journal": str(receiver.journal)}
    run = run_tap(config, streams=STREAMS)
    texts = run.records["inbound_messages"]
    assert [t["message_id"] for t in texts] == [first["message_id"], second["message_id"]]
    assert texts[0]["mdn"] == "+13125550111" and texts[0]["message"] == "what time do you open?"
    assert (texts[0]["source_code"], texts[0]["country_code"], texts[0]["code_type"]) == (
        "65301",
        "US",
        "SC",
    )
    assert texts[0]["response_sent"] is True and texts[1]["response_sent"] is False
    assert texts[0]["callback_type"] == "unmatched_message_received"
    lists = run.records["subscription_list_events"]
    assert [(e["callback_type"], e["name"]) for e in lists] == [
        ("subscription_list_added", "Flash Deals"),
        ("subscription_list_updated", "Flash Offers"),
    ]
    assert {e["subscription_list_id"] for e in lists} == {made["id"]}
    assert lists[1]["journal_position"] > lists[0]["journal_position"]

    again = run_tap(config, state=run.final_state, streams=STREAMS)
    assert not again.records["inbound_messages"] and not again.records["subscription_list_events"]
    later = _text(emulator, "65301", "+13125550113", "and on Sunday?")
    emulator.control.call("POST", "callbacks/drain", {"timeout": 60})
    third = run_tap(config, state=again.final_state, streams=STREAMS)
    assert [t["message_id"] for t in third.records["inbound_messages"]] == [later["message_id"]]
    assert not third.records["subscription_list_events"]

    # end_date before the events: nothing emitted, and the bookmark does not pass them.
    dated = run_tap({**config, "end_date": "2000-01-01T00:00:00Z"}, streams=STREAMS)
    assert not dated.records["inbound_messages"]
    bookmarks = dated.final_state.get("bookmarks", {})
    assert not bookmarks.get("inbound_messages", {}).get("replication_key_value")
