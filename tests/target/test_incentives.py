"""incentive_issuances and incentive_redemptions against a seeded emulator (function scope:
each test changes it): the allow setting, exhausted pools, the dry-run plan per pool, a lost
answer never retried, and redemptions that happen once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.target.support import Api, run_target, target_config, writes
from tests.target.test_resources import records

ISSUE_ROUTE = "POST /companies/{company_key}/incentives/pools/{issuance_pool_id}/issuances"
REDEEM_ROUTE = "POST /companies/{company_key}/incentives/codes/{code}/redemptions"


@pytest.fixture
def seeded(emulator: Any) -> Any:
    emulator.control.seed(30, seed=5)
    return emulator


def pools(emulator: Any) -> dict[int, dict[str, Any]]:
    return {p["id"]: p for p in Api(emulator).call("GET", "/incentives/pools")[1]}


def smallest_open_pool(emulator: Any) -> dict[str, Any]:
    """The unique pool that allows issuing with the fewest codes left (at least one)."""
    open_pools = [
        p
        for p in pools(emulator).values()
        if p["issuance_allowed"]
        and p["distribution"]["method"] == "unique"
        and p["incentive_codes"]["remaining"]
    ]
    return min(open_pools, key=lambda p: p["incentive_codes"]["remaining"])


def issue_rows(pool_id: int, count: int) -> list[dict[str, Any]]:
    return [
        {
            "incentive_pool_id": pool_id,
            "external_person_id": f"crm-{n}",
            "referring_application": "crm",
        }
        for n in range(count)
    ]


def routes(emulator: Any) -> dict[str, int]:
    by_route: dict[str, int] = emulator.control.stats()["by_route"]
    return by_route


def test_issuing_needs_its_setting_and_stops_at_an_exhausted_pool(
    seeded: Any, tmp_path: Path
) -> None:
    pool = smallest_open_pool(seeded)
    left = pool["incentive_codes"]["remaining"]
    rows = issue_rows(pool["id"], left + 2)
    config = target_config(seeded, tmp_path, max_reject_ratio=1.0)
    refused = run_target(config, records("incentive_issuances", *rows))
    assert refused.failure is None
    assert len(refused.dead_letters) == left + 2
    assert all("allow_incentive_issuance" in d["reason"] for d in refused.dead_letters)
    assert writes(seeded.control.stats()) == 0

    (tmp_path / "dead_letters.jsonl").unlink()
    allowed = run_target(
        {**config, "allow_incentive_issuance": True}, records("incentive_issuances", *rows)
    )
    assert allowed.failure is None
    tally = allowed.target.context.outcomes.tallies()[0]
    assert tally.actions[f"issue_from_pool_{pool['id']}"] == left
    assert [d["status"] for d in allowed.dead_letters] == [422, 422]
    assert all("No codes are available" in d["reason"] for d in allowed.dead_letters)
    after = pools(seeded)[pool["id"]]["incentive_codes"]
    assert (after["remaining"], after["issued"]) == (0, pool["incentive_codes"]["issued"] + left)


def test_the_dry_run_plans_issuances_per_pool_and_writes_nothing(
    seeded: Any, tmp_path: Path
) -> None:
    pool = smallest_open_pool(seeded)
    left = pool["incentive_codes"]["remaining"]
    multi = next(p for p in pools(seeded).values() if p["distribution"]["method"] == "multi")
    closed = next(p for p in pools(seeded).values() if not p["issuance_allowed"])
    rows = [
        *issue_rows(pool["id"], left + 1),
        *issue_rows(multi["id"], 3),
        *issue_rows(closed["id"], 1),
        *issue_rows(999, 1),
    ]
    config = target_config(seeded, tmp_path, max_reject_ratio=1.0, allow_incentive_issuance=True)
    seeded.control.reset_stats()
    plan = run_target({**config, "dry_run": True}, records("incentive_issuances", *rows))
    assert plan.failure is None and plan.dead_letters == []
    assert writes(seeded.control.stats()) == 0
    # One read per pool, however many rows name it.
    assert sum(routes(seeded).values()) == 4
    line = plan.target.context.outcomes.tallies()[0].plan_line()
    assert f"issue_from_pool_{pool['id']}={left}" in line
    assert f"issue_from_pool_{multi['id']}=3" in line
    assert "reject=3" in line
    real = run_target(config, records("incentive_issuances", *rows))
    assert (
        real.target.context.outcomes.tallies()[0].actions
        == plan.target.context.outcomes.tallies()[0].actions
    )


@pytest.mark.parametrize("fault", ["truncate", "drop", "server_error"])
def test_an_issuance_whose_answer_is_lost_is_never_sent_again(
    seeded: Any, tmp_path: Path, fault: str
) -> None:
    pool = smallest_open_pool(seeded)
    config = target_config(seeded, tmp_path, max_reject_ratio=1.0, allow_incentive_issuance=True)
    seeded.control.reset_stats()
    seeded.control.set_faults(fault_rate=1.0, fault_kinds=[fault], fault_seed=3)
    run = run_target(config, records("incentive_issuances", *issue_rows(pool["id"], 1)))
    seeded.control.set_faults(fault_rate=0.0)
    assert run.failure is None
    (letter,) = run.dead_letters
    assert letter["replay_safe"] is False
    assert "may or may not have issued this code" in letter["reason"]
    # Only a 503 (refused before processing) may be followed by another attempt.
    refused_first = seeded.control.stats()["by_status"].get("503", 0)
    assert routes(seeded).get(ISSUE_ROUTE) == 1 + refused_first
    issued = pools(seeded)[pool["id"]]["incentive_codes"]["issued"]
    # truncate runs the handler (the code is gone); drop and server_error do not.
    assert issued == pool["incentive_codes"]["issued"] + (fault == "truncate")


def _issued_unredeemed(emulator: Any) -> tuple[str, str]:
    api = Api(emulator)
    for code in emulator.control.incentive_codes():
        issued = api.call("GET", f"/incentives/codes/{code['code']}/issuances")[1]
        redeemed = api.call("GET", f"/incentives/codes/{code['code']}/redemptions")[1]
        if (
            len(issued) == 1
            and not redeemed
            and pools(emulator)[code["pool_id"]]["redemption_allowed"]
        ):
            return code["code"], issued[0]["external_issuee_id"]
    raise AssertionError("the seed should hold an issued code not yet redeemed")


def test_a_redemption_happens_once_and_bad_rows_say_why(seeded: Any, tmp_path: Path) -> None:
    code, issuee = _issued_unredeemed(seeded)
    unissued = next(
        c["code"]
        for c in seeded.control.incentive_codes()
        if not Api(seeded).call("GET", f"/incentives/codes/{c['code']}/issuances")[1]
    )
    rows = [
        {"code": code, "external_issuee_id": "someone-else"},
        {"code": code, "external_issuee_id": issuee, "referring_application": "pos"},
        {"code": "NO-SUCH-CODE"},
        {"code": unissued},
        {"external_issuee_id": issuee},
    ]
    config = target_config(seeded, tmp_path, max_reject_ratio=1.0)
    first = run_target(config, records("incentive_redemptions", *rows))
    assert first.failure is None
    tally = first.target.context.outcomes.tallies()[0]
    assert (tally.outcomes["written"], tally.outcomes["rejected"]) == (1, 4)
    reasons = sorted(d["reason"] for d in first.dead_letters)
    assert any("has not been issued to this issuee" in r for r in reasons)
    assert any("does not exist" in r for r in reasons)
    assert any(f"{unissued!r} has not been issued" in r for r in reasons)
    assert any("names no incentive code" in r for r in reasons)
    [redemption] = Api(seeded).call("GET", f"/incentives/codes/{code}/redemptions")[1]
    assert redemption["external_issuee_id"] == issuee

    seeded.control.reset_stats()
    again = run_target(
        {**config, "dead_letter_path": str(tmp_path / "again.jsonl")},
        records("incentive_redemptions", rows[1]),
    )
    assert again.target.context.outcomes.tallies()[0].outcomes["unchanged"] == 1
    assert routes(seeded).get(REDEEM_ROUTE) is None


def test_a_row_naming_a_code_is_issued_once(seeded: Any, tmp_path: Path) -> None:
    pool = smallest_open_pool(seeded)
    code = next(
        c["code"]
        for c in seeded.control.incentive_codes()
        if c["pool_id"] == pool["id"]
        and not Api(seeded).call("GET", f"/incentives/codes/{c['code']}/issuances")[1]
    )
    row = {"incentive_pool_id": pool["id"], "code": code, "external_issuee_id": "crm-7"}
    config = target_config(seeded, tmp_path, allow_incentive_issuance=True)
    first = run_target(config, records("incentive_issuances", row))
    again = run_target(config, records("incentive_issuances", row))
    assert first.target.context.outcomes.tallies()[0].outcomes["written"] == 1
    assert again.target.context.outcomes.tallies()[0].outcomes["unchanged"] == 1
    assert routes(seeded).get(ISSUE_ROUTE) == 1
    [issuance] = Api(seeded).call("GET", f"/incentives/codes/{code}/issuances")[1]
    assert issuance["external_issuee_id"] == "crm-7"


def test_rows_without_a_pool_or_an_issuee_are_rejected_before_any_request(
    seeded: Any, tmp_path: Path
) -> None:
    rows = [{"external_issuee_id": "crm-1"}, {"incentive_pool_id": 301}]
    config = target_config(seeded, tmp_path, max_reject_ratio=1.0, allow_incentive_issuance=True)
    seeded.control.reset_stats()
    run = run_target(config, records("incentive_issuances", *rows))
    reasons = [d["reason"] for d in run.dead_letters]
    assert any("names no pool" in r for r in reasons) and any(
        "names no issuee" in r for r in reasons
    )
    assert seeded.control.stats()["requests"] == 0
