"""tap-vibes with ``callback_journal``: change streams read from their bookmark (a journal
position), once per event, in journal order, without a single API request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tap_vibes.sources.callback_journal import SOURCES
from tests.callbacks.test_journal_source import (
    PARTICIPANT_CHANGED,
    PERSON_ADDED,
    SUBSCRIPTION_ADDED,
    SUBSCRIPTION_REMOVED,
    WALLET_INSTALL,
)
from tests.tap.harness import discover, run_tap
from vibes_callbacks.journal import Journal

# Nothing listens here: any API request would fail the run.
CONFIG = {"api_url": "http://127.0.0.1:9", "company_key": "c", "username": "u", "password": "p"}

CHANGE_STREAMS = tuple(SOURCES)  # the streams the journal serves


def _person_update(event_id: str, name: str) -> dict[str, Any]:
    person = {**PERSON_ADDED["person"], "person_key": "PK1", "custom_fields": {"first_name": name}}
    return {
        **PERSON_ADDED,
        "event_id": event_id,
        "callback_type": "person_updated",
        "person": person,
    }


def test_change_streams_resume_from_journal_positions(tmp_path: Path) -> None:
    journal_path = tmp_path / "journal.db"
    first_batch = [
        {**PERSON_ADDED, "person": {**PERSON_ADDED["person"], "person_key": "PK1"}},
        SUBSCRIPTION_ADDED,
        _person_update("u1", "Ann"),
        PARTICIPANT_CHANGED,
        SUBSCRIPTION_REMOVED,
        WALLET_INSTALL,
        _person_update("u2", "Bea"),
    ]
    with Journal(journal_path) as journal:
        journal.append_many(first_batch + first_batch[:3])  # redeliveries are stored once
    config = {**CONFIG, "callback_journal": str(journal_path)}

    run = run_tap(config, streams=CHANGE_STREAMS, workdir=tmp_path)
    records, state = run.records, run.final_state
    persons = records["persons"]
    assert [p["event_id"] for p in persons] == ["p-1", "u1", "u2"]
    assert persons[-1]["custom_fields"]["first_name"] == "Bea"  # newest last
    assert [s["active"] for s in records["subscribers"]] == [True, False]
    assert [p["status"] for p in records["participants"]] == ["CONFIRMED"]
    assert [w["wallet_item_id"] for w in records["wallet_item_events"]] == ["item-uuid"]
    assert run.bookmark("persons") == persons[-1]["journal_position"]
    assert run.bookmark("wallet_item_events") == 6

    again = run_tap(config, state=state, streams=CHANGE_STREAMS, workdir=tmp_path)
    assert not any(again.records.values())

    with Journal(journal_path) as journal:
        journal.append(_person_update("u3", "Cy"))
    later = run_tap(config, state=again.final_state, streams=CHANGE_STREAMS, workdir=tmp_path)
    assert [p["event_id"] for p in later.records["persons"]] == ["u3"]
    assert not later.records["subscribers"] and not later.records["participants"]

    # A bookmark left from the REST persons stream (a timestamp) re-reads, never skips.
    old_state = {
        "bookmarks": {
            "persons": {
                "replication_key": "updated_at",
                "replication_key_value": "2030-01-01T00:00:00Z",
            }
        }
    }
    restarted = run_tap(config, state=old_state, streams=CHANGE_STREAMS, workdir=tmp_path)
    assert [p["event_id"] for p in restarted.records["persons"]] == ["p-1", "u1", "u2", "u3"]


def test_without_a_journal_the_stream_list_is_unchanged(tmp_path: Path) -> None:
    plain = {s["tap_stream_id"] for s in discover(CONFIG, tmp_path)["streams"]}
    journal_config = {**CONFIG, "callback_journal": str(tmp_path / "j.db")}
    with_journal = discover(journal_config, tmp_path)
    journal_streams = {s["tap_stream_id"]: s for s in with_journal["streams"]}
    journal_only = {
        "participants",
        "wallet_item_events",
        "inbound_messages",
        "subscription_list_events",
        "message_events",
        "device_events",
    }
    assert not journal_only & plain
    assert set(journal_streams) == plain | journal_only
    persons = journal_streams["persons"]
    assert persons["replication_key"] == "journal_position"
