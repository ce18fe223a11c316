"""Bookmarks: a second run emits only ties at the bookmark, wallet items stop paging at the
bookmark, an updated item alone comes out, and an interrupted run never bookmarks past an
item it did not emit. Each test seeds its own emulator (40 persons, seed 3, no rate limit)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tap_vibes.streams.wallet import WalletItemsStream
from tests.tap.conftest import reader_for
from tests.tap.harness import canon, run_tap, write_ids_file
from vibes_emulator.testing import RunningEmulator

ITEMS_ROUTE = "GET /companies/{company_key}/campaigns/wallet/{wallet_id}/items"
PAGE = 5


@pytest.fixture
def config(emulator: RunningEmulator, tmp_path: Path) -> dict[str, Any]:
    emulator.control.seed(persons=40, seed=3)
    emulator.control.set_faults(rate_limit=0)
    ids = write_ids_file(tmp_path / "ids.csv", emulator.control.persons())
    return {**emulator.config(), "person_ids_file": str(ids), "requests_per_second": 1000}


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> int:
    """Wallet item pages of 5, so a campaign of 7 to 24 items takes several pages."""
    monkeypatch.setattr(WalletItemsStream, "page_size", PAGE)
    return PAGE


def bookmarks(state: dict[str, Any], stream: str) -> dict[Any, Any]:
    """{partition wallet_id or None: bookmark instant}."""
    entry = state["bookmarks"].get(stream, {})
    if "partitions" in entry:
        return {
            p["context"]["wallet_id"]: canon(p.get("replication_key_value"))
            for p in entry["partitions"]
        }
    return {None: canon(entry.get("replication_key_value"))}


def item_pages(emulator: RunningEmulator) -> int:
    return int(emulator.control.stats()["by_route"].get(ITEMS_ROUTE, 0))


def put_item_tokens(emulator: RunningEmulator, wallet_id: str, item_id: str, n: int) -> None:
    status, _, _ = reader_for(emulator).request(
        "PUT", f"/campaigns/wallet/{wallet_id}/items/{item_id}", body={"tokens": {"visits": str(n)}}
    )
    assert status == 200


INCREMENTAL = {
    "persons": "updated_at",
    "broadcasts": "updated_at",
    "acquisition_campaigns": "updated_date",
    "wallet_items": "updated_at",
    "wallet_messages": "created_at",
    "subscribers": "changed_at",
    "event_triggered_messages": "updated_at",
}


def test_second_run_from_final_state_emits_only_ties_at_the_bookmark(
    config: dict[str, Any],
) -> None:
    first = run_tap(config)
    second = run_tap(config, state=first.final_state)
    for stream, key in INCREMENTAL.items():
        assert first.records[stream], stream
        marks = bookmarks(first.final_state, stream)
        for record in second.records[stream]:
            mark = marks[record.get("wallet_id")]
            assert canon(record[key]) == mark, (stream, record[key], mark)
        assert len(second.records[stream]) < len(first.records[stream]), stream
    for stream in INCREMENTAL:
        assert bookmarks(second.final_state, stream) == bookmarks(first.final_state, stream)
    # Full-table streams are whole again.
    for stream in ("subscription_lists", "wallet_campaigns", "push_devices"):
        assert second.records[stream] == first.records[stream]


def test_paging_stops_at_the_bookmark_and_only_the_updated_item_comes_out(
    config: dict[str, Any], emulator: RunningEmulator, small_pages: int
) -> None:
    direct = reader_for(emulator)
    campaigns = direct.get_list("/campaigns/wallet")
    items = {c["wallet_id"]: direct.wallet_items(c["wallet_id"], small_pages) for c in campaigns}
    assert max(len(v) for v in items.values()) > 3 * small_pages
    emulator.control.reset_stats()
    direct_pages = {w: len(direct.wallet_items(w, small_pages)) for w in items}
    pages_per_full_read = item_pages(emulator)
    assert pages_per_full_read > len(campaigns)

    emulator.control.reset_stats()
    first = run_tap(config, streams=("wallet_items",))
    assert item_pages(emulator) == pages_per_full_read  # every page of every campaign
    assert len(first.records["wallet_items"]) == sum(direct_pages.values())

    emulator.control.reset_stats()
    second = run_tap(config, state=first.final_state, streams=("wallet_items",))
    assert item_pages(emulator) == len(campaigns)  # one page each: it reached the bookmark
    assert len(second.records["wallet_items"]) == len(campaigns)  # the tie at each bookmark

    # An old item of the biggest campaign (on its last page) is updated through the API.
    wallet_id = max(items, key=lambda w: len(items[w]))
    oldest = items[wallet_id][-1]["wallet_item_id"]
    put_item_tokens(emulator, wallet_id, oldest, 1)
    third = run_tap(config, state=second.final_state, streams=("wallet_items",))
    marks = bookmarks(second.final_state, "wallet_items")
    newer = [
        r for r in third.records["wallet_items"] if canon(r["updated_at"]) > marks[r["wallet_id"]]
    ]
    assert [(r["wallet_id"], r["wallet_item_id"]) for r in newer] == [(wallet_id, oldest)]
    assert newer[0]["tokens"]["visits"] == "1"


def test_an_interrupted_run_never_bookmarks_past_an_unemitted_item(
    config: dict[str, Any], emulator: RunningEmulator, small_pages: int
) -> None:
    first = run_tap(config, streams=("wallet_items",))
    direct = reader_for(emulator)
    wallet_id = "nb4w27"  # the biggest campaign of seed 3, 4th of 5 in key order
    before = direct.wallet_items(wallet_id, 1000)
    updated = [item["wallet_item_id"] for item in before[-12:]]
    for n, item_id in enumerate(updated):
        put_item_tokens(emulator, wallet_id, item_id, n)

    # The run stops after 4 records of each campaign: items come newest first, so the
    # 4 emitted are the newest; 8 updated items were not emitted.
    interrupted = run_tap(
        config, state=first.final_state, streams=("wallet_items",), record_limit=4
    )
    emitted = {r["wallet_item_id"] for r in interrupted.records["wallet_items"]}
    assert len(emitted & set(updated)) == 4
    last = bookmarks(interrupted.final_state, "wallet_items")[wallet_id]
    assert last == bookmarks(first.final_state, "wallet_items")[wallet_id]
    unemitted = [
        i for i in direct.wallet_items(wallet_id, 1000) if i["wallet_item_id"] not in emitted
    ]
    assert all(
        last <= canon(i["updated_at"]) or i["wallet_item_id"] not in updated for i in unemitted
    )

    resumed = run_tap(config, state=interrupted.final_state, streams=("wallet_items",))
    again = {r["wallet_item_id"] for r in resumed.records["wallet_items"]}
    assert set(updated) <= again | emitted
    assert set(updated) <= again  # everything newer than the committed bookmark is re-read
    newest = max(canon(i["updated_at"]) for i in direct.wallet_items(wallet_id, 1000))
    assert bookmarks(resumed.final_state, "wallet_items")[wallet_id] == newest


def test_an_opt_out_after_the_bookmark_comes_out_of_the_next_subscribers_run(
    config: dict[str, Any], emulator: RunningEmulator
) -> None:
    first = run_tap(config, streams=("subscribers",))
    active = next(r for r in first.records["subscribers"] if r["active"])
    path = (
        f"/mobiledb/persons/{active['person_key']}/subscriptions/{active['subscription_list_id']}"
    )
    status, _, _ = reader_for(emulator).request("DELETE", path)
    assert status == 204

    second = run_tap(config, state=first.final_state, streams=("subscribers",))
    mark = bookmarks(first.final_state, "subscribers")[None]
    newer = [r for r in second.records["subscribers"] if canon(r["changed_at"]) > mark]
    assert [(r["person_key"], r["subscription_list_id"]) for r in newer] == [
        (active["person_key"], active["subscription_list_id"])
    ]
    assert newer[0]["active"] is False
    assert newer[0]["opt_out_date"] is not None
