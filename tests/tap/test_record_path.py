"""The streams' direct RECORD path (tap_vibes.streams.base, tap_vibes.writer) against the
SDK's own message path: the same lines, and the SDK's path still used whenever selection,
stream maps or flattening can change a record."""

from __future__ import annotations

import gc
import io
from contextlib import redirect_stdout
from typing import Any

import orjson
import pytest
from singer_sdk.singerlib.encoding.simple import StateMessage

from tap_vibes.streams.base import VibesStream
from tap_vibes.tap import TapVibes
from tap_vibes.writer import BATCH_BYTES, OrjsonSingerWriter
from tests.tap.harness import TapRun, run_tap, select_streams
from vibes_emulator.testing import RunningEmulator

STREAMS = ("wallet_campaigns", "wallet_items")


def without_clock(run: TapRun, *, signposts: bool = False) -> list[dict[str, Any]]:
    """Every message with ``time_extracted`` dropped (it is the clock at write time), and
    with ``signposts`` the STATE's ``replication_key_signpost`` too (the run's start)."""
    messages = [{k: v for k, v in m.items() if k != "time_extracted"} for m in run.messages]
    if signposts:
        for message in messages:
            for bookmark in message.get("value", {}).get("bookmarks", {}).values():
                for entry in [bookmark, *bookmark.get("partitions", [])]:
                    entry.pop("replication_key_signpost", None)
    return messages


def test_direct_path_writes_what_the_sdk_message_path_writes(
    seeded_emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    direct = run_tap(seeded_emulator.config(), streams=STREAMS)
    assert len(direct.records["wallet_items"]) > 50
    records = [m for m in direct.messages if m["type"] == "RECORD"]
    assert all(list(m) == ["type", "stream", "record", "time_extracted"] for m in records)
    assert all(m["time_extracted"].endswith("+00:00") for m in records)

    monkeypatch.setattr(VibesStream, "_direct_writer", lambda self: None)
    through_sdk = run_tap(seeded_emulator.config(), streams=STREAMS)
    assert without_clock(direct) == without_clock(through_sdk)
    assert [list(m) for m in direct.messages] == [list(m) for m in through_sdk.messages]


def test_direct_path_keeps_the_sdks_state_cadence(
    seeded_emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sorted stream with a STATE every 5 records: every message, STATE included, is the
    one the SDK's own path writes, so a killed run resumes from a recent checkpoint."""
    monkeypatch.setattr(VibesStream, "STATE_MSG_FREQUENCY", 5)
    direct = run_tap(seeded_emulator.config(), streams=("broadcasts",))
    records = len(direct.records["broadcasts"])
    assert records > 20
    # One STATE per 5 records, plus the final one (and none twice in a row).
    assert len(direct.states) >= records // 5
    bookmarks = [s["bookmarks"]["broadcasts"].get("replication_key_value") for s in direct.states]
    assert bookmarks == sorted(bookmarks) and len(set(bookmarks)) > records // 10

    monkeypatch.setattr(VibesStream, "_direct_writer", lambda self: None)
    through_sdk = run_tap(seeded_emulator.config(), streams=("broadcasts",))
    assert without_clock(direct, signposts=True) == without_clock(through_sdk, signposts=True)


def test_direct_path_keeps_the_sdks_state_cadence_on_unsorted_child_streams(
    seeded_emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """wallet_items (unsorted, per-campaign progress markers) with a STATE every 5 records:
    the same messages, STATE included, as the SDK's own path."""
    monkeypatch.setattr(VibesStream, "STATE_MSG_FREQUENCY", 5)
    direct = run_tap(seeded_emulator.config(), streams=STREAMS)
    assert len(direct.states) > len(direct.records["wallet_campaigns"]) + 1
    monkeypatch.setattr(VibesStream, "_direct_writer", lambda self: None)
    through_sdk = run_tap(seeded_emulator.config(), streams=STREAMS)
    assert without_clock(direct, signposts=True) == without_clock(through_sdk, signposts=True)


def test_a_deselected_property_is_still_removed(seeded_emulator: RunningEmulator) -> None:
    config = seeded_emulator.config()
    catalog = select_streams(config, STREAMS)
    for entry in catalog["streams"]:
        if entry["tap_stream_id"] == "wallet_items":
            for metadata in entry["metadata"]:
                if metadata["breadcrumb"] == ["properties", "url"]:
                    metadata["metadata"]["selected"] = False
    run = run_tap(config, catalog=catalog)
    items = run.records["wallet_items"]
    assert items
    assert all("url" not in item and "wallet_item_id" in item for item in items)
    assert all("url" in campaign for campaign in run.records["wallet_campaigns"])


def test_stream_maps_and_flattening_still_apply(seeded_emulator: RunningEmulator) -> None:
    config = {
        **seeded_emulator.config(),
        "stream_maps": {"wallet_items": {"provider": None, "__alias__": "items"}},
        "flattening_enabled": True,
        "flattening_max_depth": 1,
    }
    run = run_tap(config, streams=STREAMS)
    assert "wallet_items" not in run.records
    items = run.records["items"]
    assert items
    assert all("provider" not in item for item in items)
    assert all("campaign_ref__id" in item and "campaign_ref" not in item for item in items)


def test_records_wait_for_a_state_message_and_keep_their_stdout() -> None:
    writer = OrjsonSingerWriter()
    first = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    second = io.StringIO()
    with redirect_stdout(first):
        writer.write_record("s", {"id": 1}, None)
        first.flush()
        assert first.buffer.getvalue() == b""  # type: ignore[attr-defined]
    with redirect_stdout(second):
        writer.write_message(StateMessage(value={"bookmarks": {}}))
    first.flush()
    sent = orjson.loads(first.buffer.getvalue())  # type: ignore[attr-defined]
    assert sent["record"] == {"id": 1} and sent["stream"] == "s"
    assert orjson.loads(second.getvalue()) == {"type": "STATE", "value": {"bookmarks": {}}}


def test_large_batches_go_out_without_a_state_and_the_rest_at_collection() -> None:
    out = io.StringIO()
    writer = OrjsonSingerWriter()
    record = {"text": "x" * 1000}
    with redirect_stdout(out):
        for n in range(2 * BATCH_BYTES // 1000):
            writer.write_record("s", {**record, "n": n}, 7)
        written = out.getvalue().count("\n")
        assert 0 < written < 2 * BATCH_BYTES // 1000
        del writer
        gc.collect()
    lines = [orjson.loads(line) for line in out.getvalue().splitlines()]
    assert [m["record"]["n"] for m in lines] == list(range(2 * BATCH_BYTES // 1000))
    assert all(m["version"] == 7 for m in lines)


def test_the_tap_writes_through_the_direct_writer(seeded_emulator: RunningEmulator) -> None:
    tap = TapVibes(config=seeded_emulator.config())
    stream = tap.streams["wallet_items"]
    assert isinstance(stream, VibesStream)
    direct = stream._direct_writer()
    assert direct is not None and direct[1] == "wallet_items"


def both_paths(
    monkeypatch: pytest.MonkeyPatch, config: dict[str, Any], streams: tuple[str, ...]
) -> tuple[TapRun, TapRun]:
    """One run on the direct path, one on the SDK's, with a STATE every 3 records."""
    monkeypatch.setattr(VibesStream, "STATE_MSG_FREQUENCY", 3)
    direct = run_tap(config, streams=streams)
    with monkeypatch.context() as patched:
        patched.setattr(VibesStream, "_direct_writer", lambda self: None)
        through_sdk = run_tap(config, streams=streams)
    return direct, through_sdk
