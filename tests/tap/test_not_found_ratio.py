"""max_not_found_ratio: a run whose ids Vibes does not know fails, with the counts.

Against the emulator: ids of company "demo" read from company "other" (right credentials,
wrong company: every lookup answers 404), files of unknown ids, and files with a few.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tap_vibes.not_found import TooManyNotFound, percent
from tests.reliability.support import run_process, tap_command, write_json
from tests.tap.harness import run_tap, write_ids_file
from vibes_api.exit_codes import BAD_INPUT
from vibes_emulator.testing import RunningEmulator

OTHER = ("other", "other-user", "other-pw")


@pytest.fixture(scope="module")
def vibes() -> Iterator[RunningEmulator]:
    with RunningEmulator(seed=40, seed_value=5, rate_limit=0, extra_companies=[OTHER]) as running:
        yield running


def unknown_ids(path: Path, count: int, known: Sequence[dict[str, Any]] = ()) -> Path:
    """``known`` persons by key, then ``count`` ids Vibes does not know."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["person_key"])
        writer.writerows([person["person_key"]] for person in known)
        writer.writerows([f"nobody-{index}"] for index in range(count))
    return path


def persons_bookmarks(states: list[dict[str, Any]]) -> list[Any]:
    return [
        state.get("bookmarks", {}).get(stream, {}).get("replication_key_value")
        for state in states
        for stream in ("persons", "subscribers")
        if state.get("bookmarks", {}).get(stream, {}).get("replication_key_value") is not None
    ]


def test_ids_of_another_company_fail_the_run_with_the_counts(
    vibes: RunningEmulator, tmp_path: Path
) -> None:
    persons = vibes.control.persons()
    ids = write_ids_file(tmp_path / "ids.csv", persons)  # by key, external id and MDN
    config = {
        "api_url": vibes.url,
        "company_key": OTHER[0],
        "username": OTHER[1],
        "password": OTHER[2],
        "person_ids_file": str(ids),
    }
    with pytest.raises(TooManyNotFound) as info:
        run_tap(config, streams=("persons",))
    assert info.value.exit_code == BAD_INPUT == 4
    message = str(info.value)
    assert message.startswith("stream 'persons': 21 of the 40 ids in person_ids_file were not ")
    assert "found in company 'other' (52.5%, stopped after 21 lookups), more than " in message
    assert message.endswith(
        "max_not_found_ratio 50%: check api_url/company_key and person_ids_file"
    )


def test_the_check_at_the_last_id_names_the_whole_file(
    vibes: RunningEmulator, tmp_path: Path
) -> None:
    known = vibes.control.persons()[:20]
    ids = unknown_ids(tmp_path / "ids.csv", 21, known)
    with pytest.raises(TooManyNotFound) as info:
        run_tap({**vibes.config(), "person_ids_file": str(ids)}, streams=("persons",))
    assert str(info.value) == (
        "stream 'persons': 21 of the 41 ids in person_ids_file were not found in company "
        "'demo' (51.22%), more than max_not_found_ratio 50%: check api_url/company_key and "
        "person_ids_file"
    )


def test_a_file_of_unknown_ids_stops_early_as_a_process_and_emits_no_bookmark(
    vibes: RunningEmulator, tmp_path: Path
) -> None:
    # 30 persons Vibes knows, then 270 it does not: 90% of the file, so the outcome is
    # certain after 151 unknown ids, long before the last of them.
    ids = unknown_ids(tmp_path / "ids.csv", 270, vibes.control.persons()[:30])
    config = write_json(
        tmp_path / "tap.json", {**vibes.config(), "person_ids_file": str(ids), "max_concurrency": 4}
    )
    vibes.control.reset_stats()
    run = run_process(tap_command(config))
    lookups = vibes.control.stats()["by_route"]
    assert run.returncode != 0
    assert "151 of the 300 ids in person_ids_file were not found in company 'demo'" in run.stderr
    assert "stopped after 181 lookups" in run.stderr
    person_lookups = sum(n for route, n in lookups.items() if "/mobiledb/persons" in route)
    assert 181 <= person_lookups < 200, lookups  # the window of 4 in flight, not all 300
    # The 30 known persons were emitted; no STATE moved a bookmark past anything.
    assert len(run.records["persons"]) == 30
    assert run.states and persons_bookmarks(run.states) == []


def test_a_few_unknown_ids_pass(vibes: RunningEmulator, tmp_path: Path) -> None:
    persons = vibes.control.persons()
    ids = write_ids_file(tmp_path / "ids.csv", persons, unknown=5)
    run = run_tap({**vibes.config(), "person_ids_file": str(ids)})
    assert len(run.records["persons"]) == len(persons)
    assert {r["person_key"] for r in run.records["subscribers"]} <= {
        p["person_key"] for p in persons
    }
    per_person_streams = ("persons", "subscribers", "push_devices")
    warned = sum("No Vibes person for" in w for w in run.warnings)
    assert warned == 5 * len(per_person_streams)  # 5 per stream
    assert persons_bookmarks([run.final_state])  # a complete run keeps its bookmarks


def test_subscribers_alone_fail_too(vibes: RunningEmulator, tmp_path: Path) -> None:
    ids = unknown_ids(tmp_path / "ids.csv", 25)
    with pytest.raises(TooManyNotFound, match="stream 'subscribers': 13 of the 25 ids"):
        run_tap({**vibes.config(), "person_ids_file": str(ids)}, streams=("subscribers",))


@pytest.mark.parametrize(
    ("count", "setting"),
    [(19, {}), (25, {"max_not_found_ratio": 1}), (25, {"max_not_found_ratio": 1.0})],
    ids=["fewer-than-20-ids", "ratio-1", "ratio-1.0"],
)
def test_small_files_and_ratio_1_are_not_checked(
    vibes: RunningEmulator, tmp_path: Path, count: int, setting: dict[str, Any]
) -> None:
    ids = unknown_ids(tmp_path / "ids.csv", count)
    run = run_tap({**vibes.config(), "person_ids_file": str(ids), **setting}, streams=("persons",))
    assert run.records["persons"] == []
    assert sum("No Vibes person for" in w for w in run.warnings) == count


def test_a_lower_ratio_is_stricter(vibes: RunningEmulator, tmp_path: Path) -> None:
    ids = unknown_ids(tmp_path / "ids.csv", 3, vibes.control.persons()[:20])
    config = {**vibes.config(), "person_ids_file": str(ids), "max_not_found_ratio": 0.1}
    with pytest.raises(TooManyNotFound, match=r"3 of the 23 ids .* \(13.04%\)"):
        run_tap(config, streams=("persons",))


@pytest.mark.parametrize("bad", [-0.1, 1.5, "half"])
def test_the_ratio_must_be_a_share(vibes: RunningEmulator, bad: object) -> None:
    from singer_sdk.exceptions import ConfigValidationError

    with pytest.raises(ConfigValidationError):
        run_tap({**vibes.config(), "max_not_found_ratio": bad})


def test_percent_never_rounds_a_passed_limit_away() -> None:
    assert percent(0.5) == "50%"
    assert percent(0.975) == "97.5%"
    assert percent(0.5005) == "50.05%"
    assert percent(1) == "100%"
