"""Incentive streams against a seeded emulator: pools from the API list, issuances and
redemptions of the codes in ``incentive_codes_file``, their bookmarks and bad files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tap_vibes.person_ids import PersonIdsFileError
from tests.tap.conftest import reader_for
from tests.tap.harness import canon, run_tap, write_codes_file
from vibes_emulator.testing import RunningEmulator

STREAMS = ("incentive_pools", "incentive_issuances", "incentive_redemptions")


@pytest.fixture
def config(emulator: RunningEmulator, tmp_path: Path) -> dict[str, Any]:
    emulator.control.seed(persons=60, seed=6)
    emulator.control.set_faults(rate_limit=0)
    codes = [c["code"] for c in emulator.control.incentive_codes()]
    path = write_codes_file(tmp_path / "codes.csv", codes, unknown=2)
    return {**emulator.config(), "incentive_codes_file": str(path), "requests_per_second": 1000}


def _expected(emulator: RunningEmulator, what: str) -> list[dict[str, Any]]:
    reader = reader_for(emulator)
    out = []
    for code in emulator.control.incentive_codes():
        for event in reader.get_list(f"/incentives/codes/{code['code']}/{what}"):
            out.append(event | {"code": code["code"], "incentive_pool_id": code["pool_id"]})
    return out


def test_streams_hold_what_vibes_holds_and_skip_unknown_codes(
    emulator: RunningEmulator, config: dict[str, Any]
) -> None:
    run = run_tap(config, streams=STREAMS)
    pools = reader_for(emulator).get_list("/incentives/pools")
    assert sorted(canon(run.records["incentive_pools"]), key=lambda p: p["id"]) == canon(pools)
    for stream, what in (
        ("incentive_issuances", "issuances"),
        ("incentive_redemptions", "redemptions"),
    ):
        expected = _expected(emulator, what)
        assert expected, f"the seed should hold {what}"
        assert canon(run.records[stream]) == canon(expected)  # in the file's order
    assert sum("NO-SUCH-CODE" in w for w in run.warnings) == 4  # 2 codes x 2 streams
    for stream in STREAMS:
        assert run.final_state["bookmarks"][stream]["replication_key_value"]


def test_a_second_run_emits_only_what_changed(
    emulator: RunningEmulator, config: dict[str, Any]
) -> None:
    first = run_tap(config, streams=STREAMS)
    again = run_tap(config, state=first.final_state, streams=STREAMS)
    for stream in STREAMS:
        bookmark = canon(first.final_state["bookmarks"][stream]["replication_key_value"])
        # Only ties at the bookmark come again (the SDK's inclusive bookmarks).
        assert all(canon(r["updated_at"]) == bookmark for r in again.records[stream]), stream
        assert len(again.records[stream]) < len(first.records[stream])
    reader = reader_for(emulator)
    pool = next(
        p for p in reader.get_list("/incentives/pools") if p["incentive_codes"]["remaining"]
    )
    status, issued = reader.call(
        "POST", f"/incentives/pools/{pool['id']}/issuances", {"external_issuee_id": "crm-new"}
    )
    assert status == 200
    later = run_tap(config, state=again.final_state, streams=STREAMS)
    assert issued["id"] in [r["id"] for r in later.records["incentive_issuances"]]
    assert pool["id"] in [r["id"] for r in later.records["incentive_pools"]]
    tie = canon(again.final_state["bookmarks"]["incentive_redemptions"]["replication_key_value"])
    assert all(canon(r["updated_at"]) == tie for r in later.records["incentive_redemptions"])


def test_without_a_codes_file_the_code_streams_are_offered_and_empty(
    emulator: RunningEmulator,
) -> None:
    emulator.control.seed(persons=20, seed=6)
    run = run_tap(emulator.config(), streams=STREAMS)
    assert run.records["incentive_pools"]
    assert not run.records["incentive_issuances"] and not run.records["incentive_redemptions"]


def test_a_bad_codes_file_stops_before_any_request(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("coupon\nA1\n")
    emulator.control.reset_stats()
    config = {**emulator.config(), "incentive_codes_file": str(path)}
    with pytest.raises(PersonIdsFileError, match=r"incentive_codes_file .*codes\.csv, line 1"):
        run_tap(config, streams=("incentive_issuances",))
    assert emulator.control.stats()["requests"] == 0
