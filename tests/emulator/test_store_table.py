"""The store's tables keep their indexes and their durable copy themselves (no HTTP)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vibes_emulator.store import ManualClock, Store
from vibes_emulator.store.persistence import Persistence
from vibes_emulator.store.state import CompanyState
from vibes_emulator.store.table import Group, Table, Unique

CK = "demo"


def _people() -> Table:
    return Table(
        "person",
        unique=(Unique("by_mdn", lambda p: p.get("mdn")),),
        groups=(Group("by_list", lambda p: p["list"], lambda p: p["name"]),),
    )


def test_a_record_changed_in_place_and_put_back_is_filed_under_its_new_values() -> None:
    table = _people()
    ann = {"name": "ann", "mdn": "+13125550100", "list": "a"}
    table.put("1", ann)
    ann["mdn"], ann["list"] = "+13125550101", "b"
    table.put("1", ann)
    assert table.find("by_mdn", "+13125550100") is None
    assert table.find("by_mdn", "+13125550101") is ann
    assert dict(table.groups("by_list")) == {"b": {"ann": ann}}


def test_removing_a_record_unfiles_it_and_a_null_key_is_never_filed() -> None:
    table = _people()
    table.put("1", {"name": "ann", "mdn": "+13125550100", "list": "a"})
    table.put("2", {"name": "bob", "mdn": None, "list": "a"})
    assert set(table.group("by_list", "a")) == {"ann", "bob"}
    table.remove("1")
    assert "1" not in table and len(table) == 1
    assert table.find("by_mdn", "+13125550100") is None
    assert set(table.group("by_list", "a")) == {"bob"}
    table.remove("2")
    assert table.groups("by_list") == {}


def test_tables_cannot_be_written_around_put() -> None:
    table = _people()
    with pytest.raises(TypeError):
        table["1"] = {"name": "ann", "mdn": None, "list": "a"}  # type: ignore[index]


def test_put_and_remove_write_through_and_detached_writes_do_not(tmp_path: Path) -> None:
    persistence = Persistence(str(tmp_path / "t.db"))
    state = CompanyState(CK, persistence)
    state.tables["list"].put("1201", {"id": "1201", "name": "Promos"})
    state.tables["list"].put("1202", {"id": "1202", "name": "Orders"})
    state.tables["list"].remove("1201")
    state.write_through(False)
    state.tables["list"].put("1203", {"id": "1203", "name": "Not saved"})
    state.write_through(True)
    rows = [(kind, record_id) for _, kind, record_id, _ in persistence.load()]
    assert rows == [("list", "1202")]
    persistence.close()


def test_reopening_restores_indexes_and_creation_order(tmp_path: Path) -> None:
    db = str(tmp_path / "vibes.db")
    store = Store.open(db, clock=ManualClock(start=1_750_000_000.0))
    store.seed(120, seed=3)
    state = store.core.company(CK)
    groups = {
        w: list(items) for w, items in state.tables["wallet_item"].groups("by_campaign").items()
    }
    subs = {p: list(s) for p, s in state.tables["subscription"].groups("by_person").items()}
    sub_ids = list(state.tables["subscription"])
    # Ids "1".."99" and beyond: SQLite hands rows back in text order ("10" before "9").
    assert len(sub_ids) > 100
    store.close()
    reopened = Store.open(db, clock=ManualClock(start=1_750_000_100.0)).core.company(CK)
    assert list(reopened.tables["subscription"]) == sub_ids == sorted(sub_ids, key=int)
    assert {
        p: list(s) for p, s in reopened.tables["subscription"].groups("by_person").items()
    } == subs
    reopened_groups = reopened.tables["wallet_item"].groups("by_campaign")
    assert {w: set(items) for w, items in reopened_groups.items()} == {
        w: set(items) for w, items in groups.items()
    }
    person = next(iter(reopened.tables["person"].values()))
    assert reopened.tables["person"].find("by_id", str(person["person_id"])) is person


def test_a_changed_wallet_item_drops_its_campaigns_paging_order() -> None:
    store = Store.open(None, clock=ManualClock(start=1_750_000_000.0))
    store.seed(60, seed=1)
    state = store.core.company(CK)
    item = next(iter(state.tables["wallet_item"].values()))
    wallet_id = item["wallet_id"]
    store.wallet_items.listing(CK, wallet_id, {})
    assert wallet_id in state.item_order
    store.wallet_items.update(CK, wallet_id, item["wallet_item_id"], {"group_code": "changed"})
    assert wallet_id not in state.item_order
