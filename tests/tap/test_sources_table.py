"""The sources table (tap_vibes/sources_table.py): what --about prints is what discovery
builds, for every combination of source settings."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tap_vibes.sources_table import SOURCES_TABLE
from tap_vibes.tap import TapVibes

TAP = str(Path(sys.executable).parent / "tap-vibes")
CONNECTION = {"api_url": "http://127.0.0.1:1", "company_key": "c", "username": "u", "password": "p"}


def about_json() -> dict[str, Any]:
    result = subprocess.run(
        [TAP, "--about", "--format=json"], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(result.stdout)


def test_each_row_names_classes_of_that_stream() -> None:
    for name, row in SOURCES_TABLE.items():
        assert row, name
        assert {stream_type.name for _, stream_type in row} == {name}


@pytest.mark.parametrize(
    "settings",
    [
        dict(zip(("callback_journal", "extracts_path"), values, strict=True))
        for values in itertools.product((None, "/tmp/journal"), (None, "/tmp/extracts"))
    ],
)
def test_discovery_follows_the_table_that_about_prints(settings: dict[str, Any]) -> None:
    sources = about_json()["sources"]
    config = {**CONNECTION, **{k: v for k, v in settings.items() if v}}
    expected = {}
    for name, row in sources.items():
        usable = [s for s in row if s["setting"] is None or config.get(s["setting"])]
        if usable:
            expected[name] = usable[0]["class"]
    tap = TapVibes(config=config, setup_mapper=False)
    assert {name: type(s).__name__ for name, s in tap.streams.items()} == expected


def test_journal_and_extracts_split_as_documented() -> None:
    config = {**CONNECTION, "callback_journal": "/tmp/j", "extracts_path": "/tmp/e"}
    classes = {
        n: type(s).__name__ for n, s in TapVibes(config=config, setup_mapper=False).streams.items()
    }
    assert classes["persons"] == "JournalPersonsStream"  # whole-person events win
    assert classes["subscribers"] == "ExtractSubscribersStream"  # the full population wins
    assert classes["wallet_item_events"] == "ExtractWalletItemEventsStream"
    assert classes["participants"] == "ParticipantsStream"


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_about_text_prints_the_table(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    TapVibes.print_about(output_format=fmt)
    out = capsys.readouterr().out
    assert "## Stream sources" in out
    for name in SOURCES_TABLE:
        assert f"| {name} |" in out
    assert "| persons | journal (`callback_journal`), then extracts (`extracts_path`)" in out
