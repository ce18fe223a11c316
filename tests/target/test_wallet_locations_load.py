"""target-vibes' wallet_locations resource against the emulator: adds in bulk batches of at
most 1000 with a content-derived Idempotency-Key, replaces a changed location, leaves equal
ones alone, rejects bad rows with their reason, plans a dry run, and never adds twice when an
answer is lost and the request retried."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.target.support import Api, run_target, target_config, writes
from vibes_api.endpoints import locations_idempotency_key

BULK = "POST /companies/{company_key}/campaigns/wallet/{wallet_id}/locations/bulk"
DELETE = "DELETE /companies/{company_key}/campaigns/wallet/{wallet_id}/locations/{location_id}"


def records(*rows: dict[str, Any]) -> list[dict[str, Any]]:
    schema = {"type": "SCHEMA", "stream": "stores", "schema": {"properties": {}},
              "key_properties": []}  # fmt: skip
    return [schema, *({"type": "RECORD", "stream": "stores", "record": row} for row in rows)]


@pytest.fixture
def seeded(emulator: Any) -> Any:
    emulator.control.seed(20, seed=5)
    emulator.control.set_faults(rate_limit=0)
    return emulator


def _campaign(emulator: Any) -> str:
    return str(sorted(c["wallet_id"] for c in Api(emulator).get_list("/campaigns/wallet"))[0])


def _held(emulator: Any, wallet_id: str) -> list[dict[str, Any]]:
    held: list[dict[str, Any]] = []
    page = 1
    while True:
        listed = Api(emulator).get_list(
            f"/campaigns/wallet/{wallet_id}/locations", {"page": page, "page_size": 1000}
        )
        held += listed
        if len(listed) < 1000:
            return held
        page += 1


def _config(emulator: Any, tmp_path: Path, wallet_id: str, **extra: Any) -> dict[str, Any]:
    streams = {"stores": {"resource": "wallet_locations", "wallet_id": wallet_id}}
    return target_config(emulator, tmp_path, streams=streams, **extra)


def test_adds_replaces_leaves_equal_ones_and_rejects_bad_rows(seeded: Any, tmp_path: Path) -> None:
    wallet_id = _campaign(seeded)
    before = _held(seeded, wallet_id)
    same, changed = before[0], before[1]
    rows = [
        {"location_id": "new-1", "name": "New One", "latitude": 41.88, "longitude": -87.63},
        {"location_id": "new-2", "name": "New Two", "zip": "60601"},
        {**{k: v for k, v in changed.items() if k != "id"}, "name": "Renamed"},
        dict(same),  # as tap-vibes emits it (with Vibes' id): equal, nothing to do
        {"name": "No identity"},
        {"location_id": "bad", "name": {"not": "text"}},
    ]
    plan_config = _config(seeded, tmp_path / "plan", wallet_id, max_reject_ratio=1.0, dry_run=True)
    planned = run_target(plan_config, records(*rows))
    config = _config(seeded, tmp_path, wallet_id, max_reject_ratio=1.0)
    seeded.control.reset_stats()
    first = run_target(config, records(*rows))
    assert first.failure is None and planned.failure is None
    tally = first.target.context.outcomes.tallies()[0]
    plan = planned.target.context.outcomes.tallies()[0]
    assert (plan.outcomes, plan.actions) == (tally.outcomes, tally.actions)  # the plan held
    assert (tally.outcomes["written"], tally.outcomes["unchanged"]) == (3, 1)
    assert tally.actions["add"] >= 2 and tally.actions["replace"] == 1
    reasons = sorted(letter["reason"] for letter in first.dead_letters)
    assert len(reasons) == 2 and "location_id is required" in reasons[0]
    assert "name must be text or a number" in reasons[1]
    by_route = seeded.control.stats()["by_route"]
    assert by_route[BULK] == 1 and by_route[DELETE] == 1  # one batch; the old location

    after = _held(seeded, wallet_id)
    by_location: dict[str, list[dict[str, Any]]] = {}
    for location in after:
        by_location.setdefault(location["location_id"], []).append(location)
    assert len(after) == len(before) + 2
    assert [loc["name"] for loc in by_location[changed["location_id"]]] == ["Renamed"]
    assert by_location["new-1"][0]["latitude"] == "41.88"  # text, as Vibes keeps it
    assert by_location[same["location_id"]] == [same]

    seeded.control.reset_stats()
    again = run_target(_config(seeded, tmp_path / "again", wallet_id), records(*rows[:4]))
    assert again.failure is None
    assert again.target.context.outcomes.tallies()[0].outcomes["unchanged"] == 4
    assert writes(seeded.control.stats()) == 0


def test_batches_of_at_most_1000_and_a_dry_run_that_writes_nothing(
    seeded: Any, tmp_path: Path
) -> None:
    wallet_id = _campaign(seeded)
    before = len(_held(seeded, wallet_id))
    rows = [{"location_id": f"bulk-{n:05d}", "name": f"Store {n}"} for n in range(2300)]
    seeded.control.reset_stats()
    planned = run_target(_config(seeded, tmp_path, wallet_id, dry_run=True), records(*rows))
    assert planned.failure is None
    assert planned.target.context.outcomes.tallies()[0].actions["add"] == 2300
    assert writes(seeded.control.stats()) == 0 and len(_held(seeded, wallet_id)) == before

    loaded = run_target(_config(seeded, tmp_path / "load", wallet_id), records(*rows))
    assert loaded.failure is None
    assert seeded.control.stats()["by_route"][BULK] == 3  # 1000 + 1000 + 300
    assert len(_held(seeded, wallet_id)) == before + 2300


def test_a_lost_answer_is_retried_with_the_same_key_and_adds_nothing_twice(
    seeded: Any, tmp_path: Path
) -> None:
    wallet_id = _campaign(seeded)
    before = len(_held(seeded, wallet_id))
    rows = [{"location_id": f"retry-{n}", "name": f"Store {n}"} for n in range(30)]
    # Every answer cut short after Vibes acted on it, until the retries get through.
    seeded.control.set_faults(fault_rate=0.6, fault_kinds=["truncate"], fault_seed=3)
    seeded.control.reset_stats()
    loaded = run_target(_config(seeded, tmp_path, wallet_id, max_retries=12), records(*rows))
    stats = seeded.control.stats()
    seeded.control.set_faults(fault_rate=0)
    assert loaded.failure is None, loaded.failure
    assert stats["by_route"][BULK] > 1, stats  # the add was sent again
    held = _held(seeded, wallet_id)
    assert len(held) == before + 30
    assert sorted(
        loc["location_id"] for loc in held if loc["location_id"].startswith("retry-")
    ) == [f"retry-{n}" for n in sorted(range(30), key=str)]


def test_the_key_depends_on_campaign_and_batch_content_only() -> None:
    batch = [{"location_id": "a", "name": "A"}, {"location_id": "b"}]
    key = locations_idempotency_key("w1", batch)
    assert key == locations_idempotency_key("w1", [dict(reversed(b.items())) for b in batch])
    assert key != locations_idempotency_key("w2", batch)
    assert key != locations_idempotency_key("w1", batch[:1])
    assert key != locations_idempotency_key("w1", list(reversed(batch)))


def test_an_unknown_campaign_rejects_its_rows(seeded: Any, tmp_path: Path) -> None:
    config = _config(seeded, tmp_path, "nosuch", max_reject_ratio=1.0)
    run = run_target(config, records({"location_id": "x"}))
    assert run.failure is None
    assert [letter["reason"] for letter in run.dead_letters] == [
        "wallet campaign nosuch does not exist"
    ]
