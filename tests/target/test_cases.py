"""The target cases of tests/target/data: a .singer file, the settings, what must happen.

Each case in ``cases.json`` runs its file through target-vibes against a fresh emulator
and checks, per stream, how many records were written, left unchanged or rejected; the
dead-letter reasons in order; how many requests wrote to Vibes; the exit code; and the
last STATE passed on (``null``: none at all). A new input shape is a new file and a
manifest entry, as target-postgres keeps its cases.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from target_vibes.outcomes import Outcome
from tests.target.support import DATA, run_target, target_config, writes
from vibes_api.exit_codes import ExpectedFailure
from vibes_emulator.testing import RunningEmulator

CASES: dict[str, dict[str, Any]] = {
    name: case
    for name, case in json.loads((DATA / "cases.json").read_text()).items()
    if not name.startswith("_")
}
SEED_VALUE = 7


def test_every_singer_file_is_a_case() -> None:
    files = {path.name for path in DATA.glob("*.singer")}
    assert files == {case["file"] for case in CASES.values()}
    assert len(CASES) >= 10


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    seeded = case.get("seed_persons", 0)
    options = {"seed": seeded, "seed_value": SEED_VALUE} if seeded else {}
    with RunningEmulator(**options) as emulator:
        emulator.control.reset_stats()
        config = target_config(emulator, tmp_path, **case.get("config", {}))
        run = run_target(config, DATA / case["file"])
        sent = writes(emulator.control.stats())

    if run.failure is not None and not isinstance(run.failure, ExpectedFailure):
        raise run.failure
    exit_code = run.failure.exit_code if isinstance(run.failure, ExpectedFailure) else 0
    assert exit_code == case.get("exit_code", 0), run.failure

    outcomes = {
        tally.stream: {outcome: count for outcome, count in tally.outcomes.items() if count}
        for tally in run.target.context.outcomes.tallies()
    }
    dry_run = bool(case.get("config", {}).get("dry_run"))
    if dry_run:  # a plan counts what it could not check as unverified, not as written
        for counts in outcomes.values():
            counts[Outcome.WRITTEN] = counts.get(Outcome.WRITTEN, 0) + counts.pop(
                Outcome.UNVERIFIED, 0
            )
    assert outcomes == case["outcomes"]

    reasons = [letter["reason"] for letter in run.dead_letters]
    assert len(reasons) == len(case["reasons"]) or dry_run, reasons
    for expected, reason in zip(case["reasons"], reasons, strict=False):
        assert expected in reason, (expected, reason)
    assert sent == case["writes"]

    states = run.states  # a target prints each STATE value on its own line
    if dry_run:
        assert states == []  # a plan wrote nothing, so it passes no STATE on
    elif "state" in case:  # null: the run stopped before the records it did not handle
        assert (states[-1] if states else None) == case["state"]
