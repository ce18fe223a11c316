"""The tap's command line as the SDK documents it: --about, --discover, a sync with stream
maps whose stdout is parsed with orjson, and an auth failure that names no secret."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from tap_vibes.tap import TapVibes
from vibes_emulator.testing import RunningEmulator

TAP = str(Path(sys.executable).parent / "tap-vibes")


def tap_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TAP, *args], capture_output=True, text=True, timeout=timeout)


def write_config(tmp_path: Path, config: dict[str, Any]) -> str:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return str(path)


def test_about_markdown_describes_every_setting(capsys: pytest.CaptureFixture[str]) -> None:
    TapVibes.print_about(output_format="markdown")  # what `tap-vibes --about` prints
    table = capsys.readouterr().out
    for name, schema in TapVibes.config_jsonschema["properties"].items():
        assert schema.get("description"), name
        assert f"| {name} |" in table


def test_discover_lists_every_stream_with_keys(capsys: pytest.CaptureFixture[str]) -> None:
    tap = TapVibes(config={"company_key": "ck", "username": "u", "password": "p"})
    tap.run_discovery()  # what `tap-vibes --discover` prints
    streams = {s["tap_stream_id"]: s for s in json.loads(capsys.readouterr().out)["streams"]}
    assert set(streams) == {
        "subscription_lists",
        "acquisition_campaigns",
        "broadcasts",
        "wallet_campaigns",
        "wallet_items",
        "wallet_messages",
        "persons",
        "subscribers",
    }
    assert streams["wallet_items"]["key_properties"] == ["wallet_id", "wallet_item_id"]
    assert streams["persons"]["replication_key"] == "updated_at"


def test_sync_with_stream_maps_over_the_cli(tmp_path: Path) -> None:
    with RunningEmulator() as emulator:
        emulator.control.seed(persons=10, seed=2)
        persons = emulator.control.persons()
        ids = tmp_path / "ids.csv"
        ids.write_text("person_key\n" + "".join(f"{p['person_key']}\n" for p in persons))
        config = write_config(
            tmp_path,
            {
                **emulator.config(),
                "person_ids_file": str(ids),
                "stream_maps": {
                    "persons": {
                        "mobile_phone": "__NULL__",
                        "mdn_hash": "md5(mobile_phone['mdn'] or '')",
                    },
                    "broadcasts": {"__filter__": "status == 'sent'"},
                },
            },
        )
        result = tap_cli("--config", config)
    assert result.returncode == 0, result.stderr[-3000:]
    messages = [orjson.loads(line) for line in result.stdout.splitlines()]
    records = [m for m in messages if m["type"] == "RECORD"]
    people = [m["record"] for m in records if m["stream"] == "persons"]
    assert [p["person_key"] for p in people] == [p["person_key"] for p in persons]
    assert all("mobile_phone" not in p and len(p["mdn_hash"]) == 32 for p in people)
    statuses = {m["record"]["status"] for m in records if m["stream"] == "broadcasts"}
    assert statuses == {"sent"}
    assert messages[-1]["type"] == "STATE"
    assert "summary persons: 10 records" in result.stderr  # progress on stderr


def test_wrong_password_fails_clearly_without_echoing_it(tmp_path: Path) -> None:
    with RunningEmulator() as emulator:
        config = write_config(tmp_path, {**emulator.config(), "password": "s3cret-Pw-42"})
        result = tap_cli("--config", config)
    assert result.returncode != 0
    assert "401" in result.stderr
    assert "s3cret-Pw-42" not in result.stderr + result.stdout
