"""The journal: durable, deduplicated by event_id, read in position order from a bookmark."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from vibes_callbacks.events import parse_callback
from vibes_callbacks.journal import Journal, JournalError


def _event(event_id: str, kind: str = "person_added") -> dict[str, str]:
    return {"event_id": event_id, "callback_type": kind}


def test_same_event_id_is_stored_once_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    with Journal(path) as journal:
        assert journal.append(_event("a")) is True
        assert journal.append(_event("a")) is False
        assert journal.append_many([_event("b"), _event("b"), _event("a")]) == [True, False, False]
    with Journal.open_existing(path) as journal:
        entries = list(journal.read())
    assert [e.event_id for e in entries] == ["a", "b"]
    assert entries[0].position < entries[1].position  # increasing; a duplicate may leave a gap
    assert entries[0].event() == _event("a")


def test_wal_and_full_sync_are_in_force(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.db") as journal:
        db = sqlite3.connect(journal.path)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        db.close()
        assert journal.synchronous == "FULL"


def test_reads_resume_after_a_position_filter_by_type_and_stop_at_a_bound(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.db") as journal:
        kinds = ["person_added", "subscription_added", "person_updated"] * 400
        journal.append_many([_event(f"e{i}", kind) for i, kind in enumerate(kinds)])
        assert journal.last_position() == 1200
        everything = [e.position for e in journal.read()]
        assert everything == list(range(1, 1201))  # more than one read chunk
        persons = list(journal.read(600, types={"person_added", "person_updated"}))
        assert persons[0].position == 601 and len(persons) == 400
        assert {e.callback_type for e in persons} == {"person_added", "person_updated"}
        assert [e.position for e in journal.read(10, limit=3)] == [11, 12, 13]
        assert [e.position for e in journal.read(1195, until_position=1198)] == [1196, 1197, 1198]
        assert list(journal.read(0, types=[])) == []


def test_a_reader_never_sees_a_gap_behind_its_bookmark(tmp_path: Path) -> None:
    # The receiver appends in one process while the tap reads in another: every read that
    # resumes from the last position it saw must find exactly the events appended since.
    path = tmp_path / "j.db"
    writer = Journal(path)
    done = threading.Event()

    def write() -> None:
        for batch in range(100):
            writer.append_many([_event(f"w{batch}-{i}") for i in range(10)])
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    seen: list[int] = []
    with Journal.open_existing(path) as reader:
        while True:
            finished = done.is_set()
            after = seen[-1] if seen else 0
            seen += [e.position for e in reader.read(after)]
            if finished:
                break
    thread.join()
    writer.close()
    assert seen == list(range(1, 1001))


def test_an_unwritable_journal_raises_and_keeps_nothing_half_done(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    journal = Journal(path, busy_timeout_ms=50)
    journal.append(_event("before"))
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    with pytest.raises(JournalError, match="cannot write"):
        journal.append_many([_event("x"), _event("y")])
    blocker.execute("ROLLBACK")
    blocker.close()
    assert journal.append_many([_event("x"), _event("y")]) == [True, True]
    journal.close()
    with pytest.raises(JournalError):
        journal.append(_event("after close"))


def test_open_existing_refuses_a_missing_or_foreign_file(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="no callback journal"):
        Journal.open_existing(tmp_path / "missing.db")
    foreign = tmp_path / "other.db"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(JournalError, match="not a vibes-callbacks journal"):
        Journal.open_existing(foreign)


def test_appending_a_parsed_event_keeps_the_body_text(tmp_path: Path) -> None:
    raw = b'{"event_id":"p","event_type":"wallet_item_install","amount":1.50}'
    with Journal(tmp_path / "j.db") as journal:
        journal.append(parse_callback(raw))
        (entry,) = journal.read()
    assert entry.body == raw.decode() and entry.callback_type == "wallet_item_install"
