"""Seed data shape and determinism, credentials, reset, and SQLite persistence."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from vibes_emulator.store import ManualClock, Store
from vibes_emulator.store.subscriptions import OPT_OUT_REASONS

CK = "demo"


def _seeded(persons: int, seed: int, db: str | None = None) -> Store:
    store = Store.open(db, clock=ManualClock(start=1_750_000_000.0))
    store.seed(persons, seed=seed)
    return store


def test_same_seed_same_data_other_seed_other_data() -> None:
    one, two, other = _seeded(120, 3), _seeded(120, 3), _seeded(120, 4)
    assert one.core.company(CK).tables == two.core.company(CK).tables
    assert one.person_index() != other.person_index()


def test_seed_covers_every_shape_the_clients_must_handle() -> None:
    store = _seeded(500, 9)
    state = store.core.company(CK)
    persons = list(state.tables["person"].values())
    countries = Counter(p["mdn"][:3] for p in persons if p["mdn"])
    assert sum(count for prefix, count in countries.items() if prefix.startswith("+1")) > 300
    assert {"+44", "+52", "+61"} <= set(countries)
    assert sum(p["external_person_id"] is not None for p in persons) > 400
    values = [v for p in persons for v in p["custom_fields"].values()]
    assert None in values and [] in values
    subs = list(state.tables["subscription"].values())
    assert {s["opt_out_reason"] for s in subs} > {None}
    assert {s["opt_out_reason"] for s in subs} - {None} <= set(OPT_OUT_REASONS)
    assert {b["status"] for b in state.tables["broadcast"].values()} == {
        "scheduled", "in_progress", "sent", "canceled", "failed", "paused", "deleted",
    }  # fmt: skip
    campaigns = state.tables["wallet_item"].groups("by_campaign")
    assert max(len(items) for items in campaigns.values()) > 50
    assert {i["provider"] for i in state.tables["wallet_item"].values()} == {
        "google_wallet",
        "passbook",
    }
    assert any(p["status"] == "PENDING" for p in state.tables["participant"].values())
    created = sorted(p["created_at"] for p in persons)
    assert created[-1] - created[0] > 365 * 86_400_000


def test_credentials_are_checked_per_company() -> None:
    store = Store.open(None, company="acme", username="u", password="p")
    store.add_company("other", "u2", "p2")
    assert store.check_credentials("acme", "u", "p")
    assert not store.check_credentials("acme", "u", "wrong")
    assert not store.check_credentials("other", "u", "p")
    assert not store.check_credentials("nobody", "u", "p")
    assert store.check_credentials("other", "u2", "p2")


def test_reset_keeps_companies_and_custom_fields_and_drops_data() -> None:
    store = _seeded(50, 1)
    store.reset()
    assert store.person_index() == []
    state = store.core.company(CK)
    assert "gender" in state.tables["field"]
    assert store.check_credentials(CK, "demo", "demo")


def test_database_reopen_restores_data_and_counters(tmp_path: Path) -> None:
    db = str(tmp_path / "vibes.db")
    store = _seeded(80, 2, db)
    _, person = store.persons.create(CK, {"mobile_phone": {"mdn": "+13125550100"}}, 2)
    store.persons.update(CK, person["person_key"], {"custom_fields": {"first_name": "Zed"}}, 2)
    before = store.core.company(CK).tables
    store.close()
    reopened = Store.open(db, clock=ManualClock(start=1_750_000_100.0))
    assert reopened.core.company(CK).tables == before
    assert reopened.persons.get(CK, person["person_key"], 2)["custom_fields"]["first_name"] == "Zed"
    _, newer = reopened.persons.create(CK, {"mobile_phone": {"mdn": "+13125550101"}}, 2)
    assert int(newer["person_id"]) == int(person["person_id"]) + 1
    assert reopened.persons.find_by_mdn(CK, "+13125550100", 2)["person_key"] == person["person_key"]
    reopened.close()
