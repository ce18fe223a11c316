"""Extracts written by the emulator, read back by tap-vibes (FACTS §4.2)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from tests.files.conftest import out_dir as _out
from tests.files.conftest import sftp_settings
from tests.tap.harness import run_tap
from tests.vibes_reader import VibesReader
from vibes_emulator.testing import RunningEmulator

STREAMS = ("subscribers", "wallet_item_events")
VIA = pytest.mark.parametrize("via", ["directory", "sftp"])


def _tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _reader(emulator: RunningEmulator) -> VibesReader:
    return VibesReader.of(emulator)


def _active_pairs(emulator: RunningEmulator) -> set[tuple[str, str]]:
    reader = _reader(emulator)
    pairs = set()
    for person in emulator.control.persons():
        key = person["person_key"]
        for sub in reader.get_list(f"/mobiledb/persons/{key}/subscriptions"):
            if sub["opt_out_date"] is None and person["mdn"]:
                pairs.add((key, str(sub["subscription_list"]["id"])))
    return pairs


def extracts_config(emulator: RunningEmulator, via: str, folder: Path) -> dict[str, Any]:
    if via == "directory":
        return {**emulator.config(), "extracts_path": str(_out(emulator))}
    settings = sftp_settings(emulator, folder)
    url = f"sftp://{emulator.username}@127.0.0.1:{settings.pop('port')}/files/out"
    return {**emulator.config(), **settings, "extracts_path": url}


@VIA
def test_full_load_then_next_day_changes_then_nothing(
    files_emulator: RunningEmulator, via: str, tmp_path: Path
) -> None:
    emulator = files_emulator
    written = emulator.control.call("POST", "extracts", {"date": "2024-03-01"})
    snapshot = _tsv(_out(emulator) / "current_subscribers_demo_2024-03-01.txt")
    assert written["files"]["current_subscribers_demo_2024-03-01.txt"] == len(snapshot) > 0
    config = extracts_config(emulator, via, tmp_path)

    first = run_tap(config, streams=STREAMS)
    got = first.keys("subscribers", "person_key", "subscription_list_id")
    assert sorted(got) == sorted((r["person_id"], r["subscription_list_id"]) for r in snapshot)
    assert set(got) == _active_pairs(emulator)  # the snapshot is the API's truth
    assert all(
        r["active"] and r["extract_date"] == "2024-03-01" for r in first.records["subscribers"]
    )
    wallet_rows = _tsv(_out(emulator) / "walletinstance_demo_2024-03-01.txt")
    assert len(first.records["wallet_item_events"]) == len(wallet_rows) > 0
    assert first.final_state["bookmarks"]["subscribers"]["replication_key_value"] == "2024-03-01"

    # A day passes: two opt-outs through the API.
    reader = _reader(emulator)
    removed = sorted(got)[:2]
    for key, list_id in removed:
        status, _, _ = reader.request("DELETE", f"/mobiledb/persons/{key}/subscriptions/{list_id}")
        assert status == 204
    emulator.control.call("POST", "extracts", {"date": "2024-03-02"})

    second = run_tap(config, state=first.final_state, streams=STREAMS)
    changes = second.records["subscribers"]
    assert [(r["person_key"], r["subscription_list_id"]) for r in changes] == removed
    assert all(not r["active"] and r["subscription_event"] == "OPT_OUT" for r in changes)
    assert {r["opt_out_reason"] for r in changes} == {"api_opt_out"}
    assert all(r["opt_out_date"] and r["opt_in_date"] for r in changes)
    assert second.records["wallet_item_events"] == []
    assert second.final_state["bookmarks"]["subscribers"]["replication_key_value"] == "2024-03-02"

    third = run_tap(config, state=second.final_state, streams=STREAMS)
    assert third.records["subscribers"] == [] and third.records["wallet_item_events"] == []
    if via == "sftp":  # one session per run, each closed before the next
        sftp = emulator.control.call("GET", "sftp")
        assert (sftp["connections"], sftp["connected"], sftp["refused"]) == (3, [], 0)


def test_persons_hydrates_the_keys_the_extracts_name(
    files_emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator = files_emulator
    emulator.control.call("POST", "extracts", {"date": "2024-03-01"})
    snapshot = _tsv(_out(emulator) / "current_subscribers_demo_2024-03-01.txt")
    streams = ("persons", "push_devices")
    run = run_tap(extracts_config(emulator, "directory", tmp_path), streams=streams)
    named = {r["person_id"] for r in snapshot}
    assert sorted(r["person_key"] for r in run.records["persons"]) == sorted(named)
    # push_devices reads the devices of the same persons, each of them.
    reader = _reader(emulator)
    expected = {
        d["vibes_device_id"]
        for key in named
        for d in reader.get_list(f"/mobiledb/persons/{key}/push_devices")
    }
    assert expected and {r["vibes_device_id"] for r in run.records["push_devices"]} == expected
    assert {r["person_key"] for r in run.records["push_devices"]} <= named


@VIA
def test_old_names_load_and_a_malformed_row_is_reported(
    files_emulator: RunningEmulator, via: str, tmp_path: Path
) -> None:
    emulator = files_emulator
    emulator.control.call("POST", "extracts", {"date": "2024-03-01"})
    events = (_out(emulator) / "subscriptions_demo_2024-03-01.txt").read_text(encoding="utf-8")
    lines = events.splitlines(keepends=True)
    assert len(lines) > 4
    lines[2] = lines[2].split("\t", 3)[0] + "\tcut short\n"  # line 3: too few fields
    for extract in _out(emulator).iterdir():
        extract.unlink()
    (_out(emulator) / "SUBSCRIPTIONS2024-03-01.TXT").write_text("".join(lines), encoding="utf-8")
    run = run_tap(extracts_config(emulator, via, tmp_path), streams=("subscribers",))
    assert len(run.records["subscribers"]) == len(lines) - 2  # header and the bad row
    assert any("SUBSCRIPTIONS2024-03-01.TXT, line 3" in w for w in run.warnings)


@VIA
def test_a_folder_above_the_extracts_is_read_from_below_with_a_warning(
    files_emulator: RunningEmulator, via: str, tmp_path: Path
) -> None:
    emulator = files_emulator
    emulator.control.call("POST", "extracts", {"date": "2024-03-01"})
    config = extracts_config(emulator, via, tmp_path)
    exact = run_tap(config, streams=STREAMS)
    if via == "directory":
        above, below = str(_out(emulator).parent.parent), str(_out(emulator))
    else:
        above = config["extracts_path"].removesuffix("files/out")  # the SFTP root, "/"
        below = "/files/out"
    run = run_tap({**config, "extracts_path": above}, streams=STREAMS)
    assert run.records == exact.records and run.records["subscribers"]
    assert any(
        f"holds no extract file; reading the extracts in {below}" in w for w in run.warnings
    ), run.warnings

    empty = tmp_path / "empty"
    (empty / "files" / "in").mkdir(parents=True)
    nothing = run_tap({**emulator.config(), "extracts_path": str(empty)}, streams=STREAMS)
    assert not nothing.records["subscribers"]
    assert any(f"extracts_path {empty} holds no extract file" in w for w in nothing.warnings)
