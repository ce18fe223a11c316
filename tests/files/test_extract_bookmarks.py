"""Extract streams (bookmark kind DATE) on the tap's direct RECORD path and on the SDK's."""

from __future__ import annotations

import pytest

from tests.files.conftest import out_dir
from tests.tap.test_record_path import both_paths, without_clock
from vibes_emulator.testing import RunningEmulator


def test_date_bookmarks_match_the_sdk_path_file_by_file(
    files_emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Extract streams (bookmark kind DATE) over two days of files: every message, STATE
    included, as on the SDK's path, and a mid-run STATE names only whole files."""
    for day in ("2024-03-01", "2024-03-02"):
        files_emulator.control.call("POST", "extracts", {"date": day})
    config = {**files_emulator.config(), "extracts_path": str(out_dir(files_emulator))}
    direct, through_sdk = both_paths(monkeypatch, config, ("subscribers", "wallet_item_events"))
    assert len(direct.states) > 3
    assert without_clock(direct, signposts=True) == without_clock(through_sdk, signposts=True)
    days = [
        s["bookmarks"].get("subscribers", {}).get("replication_key_value") for s in direct.states
    ]
    assert {d for d in days if d} <= {"2024-03-01", "2024-03-02"}
    assert direct.final_state["bookmarks"]["subscribers"]["replication_key_value"] == "2024-03-02"
