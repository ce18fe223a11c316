"""Incentive pools, codes, issuances and redemptions in the store (no HTTP)."""

from __future__ import annotations

from typing import Any

import pytest

from vibes_emulator.errors import ApiError
from vibes_emulator.store import ManualClock, Store

CK = "demo"


def _pool_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Ten off",
        "issuance_allowed": True,
        "redemption_allowed": True,
        "incentive_codes": {"low_threshold": 1, "max_characters": 10},
        "distribution": {"method": "unique"},
        "notification_email_address": "ops@example.com",
    }
    return body | overrides


def _new_pool(store: Store, codes: list[str], **overrides: Any) -> str:
    pool_id = str(store.incentives.create_pool(CK, _pool_body(**overrides))["id"])
    store.incentives.add_codes(CK, pool_id, codes)
    return pool_id


def _error(call: Any, *args: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call(*args)
    return caught.value


def test_a_unique_pool_issues_each_code_once_then_is_exhausted(store: Store) -> None:
    pool_id = _new_pool(store, ["AAA1", "AAA2"])
    first = store.incentives.issue(CK, pool_id, {"external_issuee_id": "crm-1"})
    second = store.incentives.issue(CK, pool_id, {"external_issuee_id": "crm-2"})
    assert {first["incentive_code"]["code"], second["incentive_code"]["code"]} == {"AAA1", "AAA2"}
    exhausted = _error(store.incentives.issue, CK, pool_id, {"external_issuee_id": "crm-3"})
    assert exhausted.status == 422 and "No codes are available" in exhausted.messages[0]
    pool = store.incentives.get_pool(CK, pool_id)["incentive_codes"]
    assert (pool["total"], pool["issued"], pool["remaining"]) == (2, 2, 0)
    code = store.incentives.get_code(CK, "AAA1")
    assert code["active"] is False and code["issuances"] == {"total": 1, "unique": 1}


def test_a_named_code_is_issued_only_from_its_pool_and_only_once(store: Store) -> None:
    pool_id = _new_pool(store, ["BBB1", "BBB2"])
    issued = store.incentives.issue(CK, pool_id, {"code": "BBB2", "external_issuee_id": "x"})
    assert issued["incentive_code"]["code"] == "BBB2"
    again = _error(store.incentives.issue, CK, pool_id, {"code": "BBB2"})
    assert again.status == 422 and "already been issued" in again.messages[0]
    other = _error(store.incentives.issue, CK, "301", {"code": "BBB1"})
    assert other.status == 422 and "not in this pool" in other.messages[0]


def test_a_multi_pool_hands_one_code_to_many_and_never_runs_out(store: Store) -> None:
    pool_id = _new_pool(store, ["WELCOME"], distribution={"method": "multi"})
    for person in ("a", "b", "a"):
        store.incentives.issue(CK, pool_id, {"external_issuee_id": person})
    code = store.incentives.get_code(CK, "WELCOME")
    assert code["active"] is True and code["issuances"] == {"total": 3, "unique": 2}
    assert store.incentives.get_pool(CK, pool_id)["incentive_codes"]["remaining"] == 1


def test_each_issuance_is_redeemed_once_by_its_issuee(store: Store) -> None:
    pool_id = _new_pool(store, ["CCC1", "MULTI"])
    store.incentives.issue(CK, pool_id, {"code": "CCC1", "external_issuee_id": "crm-9"})
    wrong = _error(store.incentives.redeem, CK, "CCC1", {"external_issuee_id": "crm-0"})
    assert wrong.status == 422 and "external_issuee_id" in wrong.messages[0]
    [redeemed] = store.incentives.redeem(CK, "CCC1", {"external_issuee_id": "crm-9"})
    assert redeemed["external_issuee_id"] == "crm-9"
    assert store.incentives.redemptions(CK, "CCC1") == [redeemed]
    twice = _error(store.incentives.redeem, CK, "CCC1", {})
    assert twice.status == 422 and "already been redeemed" in twice.messages[0]
    unissued = _error(store.incentives.redeem, CK, "MULTI", {})
    assert unissued.status == 422 and "not been issued" in unissued.messages[0]


def test_switched_off_pools_refuse_issuing_and_redeeming(store: Store) -> None:
    pool_id = _new_pool(store, ["DDD1", "DDD2"])
    store.incentives.issue(CK, pool_id, {"code": "DDD1"})
    store.incentives.update_pool(
        CK, pool_id, _pool_body(issuance_allowed=False, redemption_allowed=False)
    )
    assert _error(store.incentives.issue, CK, pool_id, {}).status == 422
    assert _error(store.incentives.redeem, CK, "DDD1", {}).status == 422
    assert store.incentives.get_code(CK, "DDD2")["active"] is False


def test_unknown_pools_and_codes_are_404_naming_them(store: Store) -> None:
    assert _error(store.incentives.get_pool, CK, "999").messages == ["Incentive pool not found"]
    assert _error(store.incentives.issue, CK, "999", {}).messages == ["Incentive pool not found"]
    for call in (store.incentives.get_code, store.incentives.issuances):
        assert _error(call, CK, "NOPE").messages == ["Incentive code not found"]
    assert _error(store.incentives.redeem, CK, "NOPE", {}).status == 404


def test_issuing_moves_the_code_and_pool_updated_at(store: Store, clock: ManualClock) -> None:
    pool_id = _new_pool(store, ["EEE1"])
    before = store.incentives.get_pool(CK, pool_id)["updated_at"]
    clock.advance(5)
    store.incentives.issue(CK, pool_id, {})
    assert store.incentives.get_pool(CK, pool_id)["updated_at"] > before
    unchanged = store.incentives.update_pool(CK, pool_id, _pool_body())
    assert unchanged["updated_at"] == store.incentives.get_pool(CK, pool_id)["updated_at"]


def test_the_seed_is_deterministic_with_issued_and_redeemed_codes(clock: ManualClock) -> None:
    def dump(store: Store) -> dict[str, Any]:
        state = store.core.company(CK)
        return {kind: dict(table) for kind, table in state.tables.items()}

    first, second = Store.open(None, clock=clock), Store.open(None, clock=clock)
    first.seed(120, seed=8)
    second.seed(120, seed=8)
    assert dump(first) == dump(second)
    pools = first.incentives.pools(CK)
    assert len(pools) == 5 and all(p["incentive_codes"]["total"] for p in pools)
    state = first.core.company(CK)
    assert state.tables["incentive_issuance"] and state.tables["incentive_redemption"]
    for redemption in state.tables["incentive_redemption"].values():
        issuance = state.tables["incentive_issuance"][str(redemption["issuance_id"])]
        assert redemption["created_at"] >= issuance["created_at"]
        assert redemption["code"] == issuance["code"]


def test_incentives_survive_a_reopened_database(tmp_path: Any, clock: ManualClock) -> None:
    path = str(tmp_path / "vibes.db")
    store = Store.open(path, clock=clock)
    pool_id = _new_pool(store, ["KEEP1", "KEEP2"])
    issued = store.incentives.issue(CK, pool_id, {"external_issuee_id": "crm-1"})
    [redeemed] = store.incentives.redeem(CK, issued["incentive_code"]["code"], {})
    store.close()
    again = Store.open(path, clock=clock)
    assert again.incentives.get_pool(CK, pool_id)["incentive_codes"]["remaining"] == 1
    assert again.incentives.redemptions(CK, issued["incentive_code"]["code"]) == [redeemed]
    second = again.incentives.issue(CK, pool_id, {})
    assert second["id"] == issued["id"] + 1  # counters survive too


def test_a_code_load_is_refused_whole(store: Store) -> None:
    pool_id = _new_pool(store, ["OLD1"])
    refused = _error(store.incentives.add_codes, CK, pool_id, ["NEW1", "OLD1", "NEW1", "X" * 11])
    assert sorted(refused.messages) == [
        "Incentive code NEW1 appears twice",
        "Incentive code OLD1 already exists",
        f"Incentive code {'X' * 11} is longer than the pool allows",
    ]
    assert store.incentives.get_pool(CK, pool_id)["incentive_codes"]["total"] == 1
