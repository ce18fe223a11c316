"""Settings real users set together, through the installed tap-vibes: start_date and end_date
with each persons/subscribers source (person_ids_file, callback_journal, extracts_path), the
journal and extracts together, STATE handed from one source to another. Each combination
either works or fails at start-up with one line naming the settings, exit code 2, and no
request made."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.support import ProcessRun, run_process, tap_command, write_json
from tests.tap.harness import select_streams, write_ids_file
from tests.vibes_reader import VibesReader
from vibes_api import exit_codes
from vibes_api.errors import VibesConfigError
from vibes_callbacks.journal import Journal
from vibes_emulator.testing import RunningEmulator

pytestmark = pytest.mark.slow

DAYS = ("2024-03-01", "2024-03-02", "2024-03-03")
# One person event and one subscription event a month, in journal order.
MONTHS = ("2024-01-10", "2024-02-10", "2024-03-10", "2024-04-10")


@pytest.fixture(scope="module")
def vibes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    """40 persons; extracts for three days, with opt-outs between them."""
    root = tmp_path_factory.mktemp("vibes")
    with RunningEmulator(seed=40, seed_value=3, extracts_dir=str(root)) as emulator:
        for day in DAYS:
            _opt_out_one(emulator)
            emulator.control.call("POST", "extracts", {"date": day})
        yield emulator


def _opt_out_one(emulator: RunningEmulator) -> None:
    reader = VibesReader.of(emulator)
    for person in emulator.control.persons():
        key = person["person_key"]
        for sub in reader.get_list(f"/mobiledb/persons/{key}/subscriptions"):
            if sub["opt_out_date"] is None:
                list_id = sub["subscription_list"]["id"]
                reader.request("DELETE", f"/mobiledb/persons/{key}/subscriptions/{list_id}")
                return


def _journal(path: Path) -> Path:
    events: list[dict[str, Any]] = []
    for number, month in enumerate(MONTHS):
        events.append(
            {
                "event_id": f"p-{number}",
                "callback_type": "person_updated",
                "event_date": f"{month}T12:00:00Z",
                "person": {"person_key": f"PK{number}", "custom_fields": {"n": str(number)}},
            }
        )
        events.append(
            {
                "event_id": f"s-{number}",
                "callback_type": "subscription_added",
                "event_date": f"{month}T12:30:00Z",
                "subscription": {
                    "person": {"id": f"PK{number}"},
                    "subscription_list": {"id": "L1"},
                    "opt_in_date": f"{month}T12:30:00Z",
                },
            }
        )
    with Journal(path) as journal:
        journal.append_many(events)
    return path


@pytest.fixture(scope="module")
def sources(vibes: RunningEmulator, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("sources")
    ids = write_ids_file(folder / "ids.csv", vibes.control.persons())
    assert vibes.options.extracts_dir is not None
    return {
        "person_ids_file": str(ids),
        "callback_journal": str(_journal(folder / "journal.db")),
        "extracts_path": str(Path(vibes.options.extracts_dir) / "files" / "out"),
    }


def tap(
    tmp_path: Path,
    config: dict[str, Any],
    streams: tuple[str, ...] = ("persons", "subscribers"),
    state: dict[str, Any] | None = None,
) -> ProcessRun:
    """One tap-vibes process over ``streams``; a run that fails at start-up needs no catalog."""
    config_path = write_json(tmp_path / "config.json", config)
    extra: list[str] = []
    try:
        catalog = select_streams(config, streams)
    except VibesConfigError:  # the settings are refused: the process must say so itself
        catalog = None
    if catalog is not None:
        extra = ["--catalog", str(write_json(tmp_path / "catalog.json", catalog))]
    state_path = None if state is None else write_json(tmp_path / "state.json", state)
    return run_process(tap_command(config_path, state_path, *extra))


def _assert_refused(run: ProcessRun, *names: str) -> None:
    assert run.returncode == exit_codes.BAD_CONFIG, run.stderr[-2000:]
    last = run.stderr.strip().splitlines()[-1]
    assert all(name in last for name in names), last
    assert "Traceback" not in run.stderr
    assert not run.messages


def _instant(text: str | None) -> str:
    return "" if text is None else text[:19]


# -- person_ids_file ---------------------------------------------------------------------------
def test_ids_file_with_start_and_end_date(
    vibes: RunningEmulator, sources: dict[str, str], tmp_path: Path
) -> None:
    config = {**vibes.config(), "person_ids_file": sources["person_ids_file"]}
    everything = tap(tmp_path, config)
    assert everything.returncode == 0, everything.stderr[-2000:]
    updated = sorted(_instant(p["updated_at"]) for p in everything.records["persons"])
    start, end = updated[len(updated) // 4], updated[3 * len(updated) // 4]
    window = {**config, "start_date": start + "Z", "end_date": end + "Z"}
    bounded = tap(tmp_path, window)
    assert bounded.returncode == 0, bounded.stderr[-2000:]
    expected = [
        p["person_key"]
        for p in everything.records["persons"]
        if start <= _instant(p["updated_at"]) < end
    ]
    assert [p["person_key"] for p in bounded.records["persons"]] == expected
    assert 0 < len(expected) < len(updated)
    changed = [
        (s["person_key"], s["subscription_list_id"])
        for s in everything.records["subscribers"]
        if start <= _instant(s["changed_at"]) < end
    ]
    got = [(s["person_key"], s["subscription_list_id"]) for s in bounded.records["subscribers"]]
    assert got == changed


# -- callback_journal --------------------------------------------------------------------------
def test_journal_with_start_date_reads_the_changes_since_it(
    vibes: RunningEmulator, sources: dict[str, str], tmp_path: Path
) -> None:
    config = {
        **vibes.config(),
        "callback_journal": sources["callback_journal"],
        "start_date": "2024-02-01T00:00:00Z",
    }
    run = tap(tmp_path, config)
    assert run.returncode == 0, run.stderr[-2000:]  # once: int() of the start_date
    assert [p["event_id"] for p in run.records["persons"]] == ["p-1", "p-2", "p-3"]
    assert [s["event_id"] for s in run.records["subscribers"]] == ["s-1", "s-2", "s-3"]
    again = tap(tmp_path, config, state=run.last_state)
    assert again.returncode == 0 and not again.records


def test_journal_with_end_date_stops_before_it_and_the_next_run_loses_nothing(
    vibes: RunningEmulator, sources: dict[str, str], tmp_path: Path
) -> None:
    config = {
        **vibes.config(),
        "callback_journal": sources["callback_journal"],
        "start_date": "2024-01-01",
        "end_date": "2024-03-01T00:00:00Z",
    }
    backfill = tap(tmp_path, config)
    assert backfill.returncode == 0, backfill.stderr[-2000:]
    assert [p["event_id"] for p in backfill.records["persons"]] == ["p-0", "p-1"]
    assert [s["event_id"] for s in backfill.records["subscribers"]] == ["s-0", "s-1"]
    live = {k: v for k, v in config.items() if k != "end_date"}
    rest = tap(tmp_path, live, state=backfill.last_state)
    assert [p["event_id"] for p in rest.records["persons"]] == ["p-2", "p-3"]
    assert [s["event_id"] for s in rest.records["subscribers"]] == ["s-2", "s-3"]


# -- extracts_path -----------------------------------------------------------------------------
def test_extracts_with_start_and_end_date_read_the_files_dated_between(
    vibes: RunningEmulator, sources: dict[str, str], tmp_path: Path
) -> None:
    config = {**vibes.config(), "extracts_path": sources["extracts_path"]}
    streams = ("subscribers", "wallet_item_events")
    window = {**config, "start_date": "2024-03-02T00:00:00Z", "end_date": "2024-03-03"}
    run = tap(tmp_path, window, streams)
    assert run.returncode == 0, run.stderr[-2000:]
    assert {r["extract_date"] for r in run.records["subscribers"]} == {"2024-03-02"}
    assert run.last_state is not None
    bookmark = run.last_state["bookmarks"]["subscribers"]["replication_key_value"]
    assert bookmark == "2024-03-02"
    later = tap(tmp_path, config, streams, state=run.last_state)
    assert {r["extract_date"] for r in later.records["subscribers"]} == {"2024-03-03"}


def test_journal_and_extracts_together(
    vibes: RunningEmulator, sources: dict[str, str], tmp_path: Path
) -> None:
    config = {
        **vibes.config(),
        "callback_journal": sources["callback_journal"],
        "extracts_path": sources["extracts_path"],
        "start_date": "2024-03-01T00:00:00Z",
    }
    streams = ("persons", "subscribers", "participants", "wallet_item_events")
    run = tap(tmp_path, config, streams)
    assert run.returncode == 0, run.stderr[-2000:]
    assert [p["event_id"] for p in run.records["persons"]] == ["p-2", "p-3"]  # the journal
    assert run.records["subscribers"]
    assert all(s["extract_date"] in DAYS for s in run.records["subscribers"])  # the extracts


# -- STATE from one source, run with another ---------------------------------------------------
@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("person_ids_file", "callback_journal"),
        ("callback_journal", "person_ids_file"),
        ("person_ids_file", "extracts_path"),
        ("extracts_path", "person_ids_file"),
        ("extracts_path", "callback_journal"),
        ("callback_journal", "extracts_path"),
    ],
)
def test_state_of_one_source_restarts_another_from_the_start(
    vibes: RunningEmulator, sources: dict[str, str], tmp_path: Path, first: str, second: str
) -> None:
    """A bookmark of another kind (timestamp, position, file date) never skips records of
    the new source: it reads everything, as a first run would."""
    clean = tap(tmp_path, {**vibes.config(), second: sources[second]}, ("subscribers",))
    assert clean.returncode == 0, clean.stderr[-2000:]
    before = tap(tmp_path, {**vibes.config(), first: sources[first]}, ("subscribers",))
    assert before.returncode == 0 and before.last_state, before.stderr[-2000:]
    after = tap(
        tmp_path, {**vibes.config(), second: sources[second]}, ("subscribers",), before.last_state
    )
    assert after.returncode == 0, after.stderr[-2000:]
    assert after.records["subscribers"] == clean.records["subscribers"]
    assert after.records["subscribers"]


# -- refused at start-up -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("settings", "names"),
    [
        ({"start_date": "yesterday"}, ("'start_date'", "ISO-8601", "'yesterday'")),
        ({"end_date": "2024-13-01"}, ("'end_date'", "ISO-8601")),
        ({"start_date": "2024-03-01", "end_date": "2024-02-01"}, ("'end_date'", "'start_date'")),
        ({"callback_journal": "JOURNAL", "person_ids_file": "IDS"}, ("person_ids_file",)),
        ({"extracts_path": "EXTRACTS", "person_ids_file": "IDS"}, ("person_ids_file",)),
        ({"callback_journal": "/nonexistent/journal.db"}, ("'callback_journal'",)),
        ({"extracts_path": "/nonexistent/out"}, ("'extracts_path'",)),
        ({"extracts_path": "sftp://u@127.0.0.1:1/files/out"}, ("'sftp_private_key_path'",)),
    ],
)
def test_settings_that_cannot_work_fail_at_start_up_in_one_line(
    vibes: RunningEmulator,
    sources: dict[str, str],
    tmp_path: Path,
    settings: dict[str, str],
    names: tuple[str, ...],
) -> None:
    paths = {
        "JOURNAL": sources["callback_journal"],
        "IDS": sources["person_ids_file"],
        "EXTRACTS": sources["extracts_path"],
    }
    settings = {k: paths.get(v, v) for k, v in settings.items()}
    if "callback_journal" in settings and "person_ids_file" in settings:
        names = (*names, "callback_journal")
    if "extracts_path" in settings and "person_ids_file" in settings:
        names = (*names, "extracts_path")
    vibes.control.reset_stats()
    run = tap(tmp_path, {**vibes.config(), **settings})
    _assert_refused(run, *names)
    assert vibes.control.stats()["requests"] == 0
