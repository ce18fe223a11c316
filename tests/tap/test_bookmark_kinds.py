"""Bookmark kinds (tap_vibes/streams/bookmarks.py): every stream declares one and none
skips the base's state logic; journal positions (POSITION) on the direct RECORD path and
on the SDK's."""

from __future__ import annotations

from pathlib import Path

import pytest

from tap_vibes.sources_table import SOURCES_TABLE
from tap_vibes.streams.bookmarks import BookmarkKind, KindBookmarks
from tap_vibes.streams.fast_path import FastRecordPath
from tests.callbacks.test_journal_source import PERSON_ADDED
from tests.tap.test_record_path import both_paths, without_clock
from vibes_callbacks.journal import Journal

PRIVATE = ("_increment_stream_state", "_write_record_message")
KINDS = {
    "journal_position": BookmarkKind.POSITION,
    "extract_date": BookmarkKind.DATE,
}


def test_only_the_two_mixins_override_private_sdk_methods() -> None:
    for row in SOURCES_TABLE.values():
        for _, stream_type in row:
            for cls in stream_type.__mro__:
                if cls in (FastRecordPath, KindBookmarks):
                    break
                overridden = [name for name in PRIVATE if name in vars(cls)]
                assert not overridden, (cls.__name__, overridden)


def test_each_stream_declares_the_kind_of_its_replication_key() -> None:
    for row in SOURCES_TABLE.values():
        for _, stream_type in row:
            key = stream_type.replication_key
            expected = KINDS.get(key or "", BookmarkKind.INSTANT)
            assert stream_type.bookmark_kind is expected, stream_type.__name__


def test_position_bookmarks_match_the_sdk_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Journal streams (bookmark kind POSITION): every message, STATE included, as on the
    SDK's path; the bookmark is the last emitted position, an integer."""
    journal_path = tmp_path / "journal.db"
    events = [
        {
            **PERSON_ADDED,
            "event_id": f"p-{n}",
            "person": {**PERSON_ADDED["person"], "person_key": f"PK{n}"},
        }
        for n in range(10)
    ]
    with Journal(journal_path) as journal:
        journal.append_many(events)
    config = {
        "api_url": "http://127.0.0.1:9",  # nothing listens: the journal needs no request
        "company_key": "c",
        "username": "u",
        "password": "p",
        "callback_journal": str(journal_path),
    }
    direct, through_sdk = both_paths(monkeypatch, config, ("persons",))
    assert len(direct.records["persons"]) == 10
    assert without_clock(direct, signposts=True) == without_clock(through_sdk, signposts=True)
    positions = [s["bookmarks"]["persons"]["replication_key_value"] for s in direct.states]
    assert positions == sorted(positions) and len(positions) >= 3
    assert positions[-1] == direct.records["persons"][-1]["journal_position"]
