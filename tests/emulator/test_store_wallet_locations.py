"""Store locations, wallet templates, location selectors and source codes in the store."""

from __future__ import annotations

from pathlib import Path

import pytest

from vibes_emulator.errors import ApiError
from vibes_emulator.store import ManualClock, Store, seed_wallet_extras

CK = "demo"


@pytest.fixture
def store() -> Store:
    store = Store.open(None, clock=ManualClock(start=1_750_000_000.0))
    store.seed(60, seed=5)
    return store


def _wallet_ids(store: Store) -> list[str]:
    return sorted(store.core.company(CK).tables["wallet_campaign"])


def _all_locations(store: Store, wallet_id: str) -> list[dict[str, object]]:
    return store.wallet_locations.listing(CK, wallet_id, {"page_size": "1000"})


def test_seed_gives_every_campaign_pages_of_locations_deterministically(store: Store) -> None:
    again = Store.open(None, clock=ManualClock(start=1_750_000_000.0))
    again.seed(60, seed=5)
    for wallet_id in _wallet_ids(store):
        listed = _all_locations(store, wallet_id)
        assert len(listed) > 100  # several default pages of 50
        assert listed == _all_locations(again, wallet_id)
    other = Store.open(None, clock=ManualClock(start=1_750_000_000.0))
    other.seed(60, seed=6)
    first = _wallet_ids(store)[0]
    assert _all_locations(other, first) != _all_locations(store, first)
    assert [c["sourcecode"] for c in store.source_codes.listing(CK)] == sorted(
        c["sourcecode"] for c in store.source_codes.listing(CK)
    )


def test_the_seed_of_other_data_is_unchanged_by_the_new_entities(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The extras draw from their own generator: without them, every other table is the same.
    monkeypatch.setattr(seed_wallet_extras, "build", lambda *args: None)
    without = Store.open(None, clock=ManualClock(start=1_750_000_000.0))
    without.seed(60, seed=5)
    extras = {"wallet_location", "wallet_design", "source_code", "seq"}
    for kind, table in store.core.company(CK).tables.items():
        if kind not in extras:
            assert dict(table) == dict(without.core.company(CK).tables[kind]), kind
    assert len(without.core.company(CK).tables["wallet_location"]) == 0


def test_paging_and_exact_match_filters(store: Store) -> None:
    wallet_id = _wallet_ids(store)[0]
    everything = _all_locations(store, wallet_id)
    pages = []
    page = 1
    while True:
        chunk = store.wallet_locations.listing(
            CK, wallet_id, {"page": str(page), "page_size": "40"}
        )
        pages += chunk
        if len(chunk) < 40:
            break
        page += 1
    assert pages == everything
    assert store.wallet_locations.listing(CK, wallet_id, {})[:50] == everything[:50]
    zip_code = str(everything[0]["zip"])
    by_zip = store.wallet_locations.listing(CK, wallet_id, {"zip": zip_code, "page_size": "1000"})
    assert by_zip == [loc for loc in everything if loc["zip"] == zip_code]
    latitude = str(everything[3]["latitude"])
    assert [
        loc["id"] for loc in store.wallet_locations.listing(CK, wallet_id, {"latitude": latitude})
    ] == [everything[3]["id"]]
    with pytest.raises(ApiError) as bad:
        store.wallet_locations.listing(CK, wallet_id, {"page": "0"})
    assert bad.value.status == 400
    with pytest.raises(ApiError) as unknown:
        store.wallet_locations.listing(CK, "nosuch", {})
    assert unknown.value.status == 404


def test_bulk_add_is_idempotent_per_key_and_deletes(store: Store) -> None:
    wallet_id = _wallet_ids(store)[1]
    before = len(_all_locations(store, wallet_id))
    body = {
        "locations": [{"location_id": "new-1", "name": "New", "zip": "60699", "latitude": 41.5}]
    }
    assert store.wallet_locations.bulk_add(CK, wallet_id, body, "key-1")["created"] == 1
    again = store.wallet_locations.bulk_add(CK, wallet_id, body, "key-1")
    assert again == {"created": 1, "replayed": True}
    listed = _all_locations(store, wallet_id)
    assert len(listed) == before + 1
    added = [loc for loc in listed if loc["location_id"] == "new-1"]
    assert added[0]["latitude"] == "41.5"  # text, as Vibes lists it
    with pytest.raises(ApiError) as reused:
        store.wallet_locations.bulk_add(CK, wallet_id, {"locations": []}, "key-1")
    assert reused.value.status == 422
    with pytest.raises(ApiError) as missing:
        store.wallet_locations.bulk_add(CK, wallet_id, body, None)
    assert missing.value.status == 400
    store.wallet_locations.delete(CK, wallet_id, str(added[0]["id"]))
    assert len(_all_locations(store, wallet_id)) == before
    with pytest.raises(ApiError) as gone:
        store.wallet_locations.delete(CK, wallet_id, str(added[0]["id"]))
    assert gone.value.status == 404
    zip_code = str(listed[0]["zip"])
    in_zip = sum(1 for loc in listed if loc["zip"] == zip_code)
    assert store.wallet_locations.delete_all(CK, wallet_id, zip_code) == {"deleted": in_zip}
    assert store.wallet_locations.delete_all(CK, wallet_id, None)["deleted"] == before - in_zip
    assert _all_locations(store, wallet_id) == []


def test_locations_and_designs_survive_a_reopen(tmp_path: Path) -> None:
    path = str(tmp_path / "vibes.db")
    store = Store.open(path)
    store.seed(20, seed=3)
    wallet_id = _wallet_ids(store)[0]
    store.wallet_locations.bulk_add(CK, wallet_id, {"locations": [{"location_id": "x"}]}, "k")
    store.wallet_designs.delete(CK, "location_selector", wallet_id)
    listed = _all_locations(store, wallet_id)
    store.close()
    reopened = Store.open(path)
    assert _all_locations(reopened, wallet_id) == listed
    assert reopened.wallet_locations.bulk_add(
        CK, wallet_id, {"locations": [{"location_id": "x"}]}, "k"
    )["replayed"]
    with pytest.raises(ApiError):
        reopened.wallet_designs.get(CK, "location_selector", wallet_id)
    reopened.close()


def test_designs_one_per_campaign(store: Store) -> None:
    wallet_id = _wallet_ids(store)[2]  # the seed gives the third campaign a Google template only
    template = store.wallet_designs.get(CK, "wallet_template", wallet_id)
    assert template["active"] is True and template["title"]
    with pytest.raises(ApiError) as twice:
        store.wallet_designs.create(
            CK, "wallet_template", wallet_id, {"wallet_template": {"title": "x"}}
        )
    assert twice.value.status == 422
    with pytest.raises(ApiError) as none:
        store.wallet_designs.get(CK, "passbook_template", wallet_id)
    assert none.value.status == 404
    body = {"passbook_template": {"pass_description": "P", "colors": {}, "images": {}}}
    created = store.wallet_designs.create(CK, "passbook_template", wallet_id, body)
    assert created["pass_description"] == "P"
    changed = store.wallet_designs.update(
        CK, "passbook_template", wallet_id, {"passbook_template": {"pass_description": "Q"}}
    )
    assert (changed["pass_description"], changed["colors"]) == ("Q", {})
    assert changed["updated_at"] >= created["updated_at"]
