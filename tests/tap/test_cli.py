"""The tap's command line as the SDK documents it: --about, --discover, a sync with stream
maps whose stdout is parsed with orjson, and an auth failure that names no secret."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from tap_vibes.tap import TapVibes
from tests.tap.harness import run_tap
from vibes_api import exit_codes
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
        "wallet_locations",
        "source_codes",
        "callbacks",
        "persons",
        "subscribers",
        "event_triggered_messages",
        "push_devices",
        "incentive_pools",
        "incentive_issuances",
        "incentive_redemptions",
    }
    assert streams["push_devices"]["key_properties"] == ["app_id", "vibes_device_id"]
    assert streams["incentive_issuances"]["key_properties"] == ["id"]
    assert streams["wallet_items"]["key_properties"] == ["wallet_id", "wallet_item_id"]
    assert streams["wallet_locations"]["key_properties"] == ["wallet_id", "id"]
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


def _bad_extract(tmp_path: Path) -> str:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "subscriptions_demo_2024-03-01.txt").write_text("person_id\tmdn\nP1\t+1555\n")
    return str(folder)


@pytest.mark.parametrize(
    ("settings", "code", "last_line"),
    [
        ({"password": "wrong-pw"}, exit_codes.AUTHENTICATION, "401 Unauthorized"),
        ({"company_key": None}, exit_codes.BAD_CONFIG, "'company_key' is a required property"),
        ({"max_retries": "many"}, exit_codes.BAD_CONFIG, "config['max_retries']"),
        ({"start_date": "yesterday"}, exit_codes.BAD_CONFIG, "setting 'start_date' must be"),
        ({"person_ids_file": "IDS"}, exit_codes.BAD_CONFIG, "ids.csv, line 3: no id"),
        ({"extracts_path": "EXTRACT"}, exit_codes.BAD_INPUT, "header lacks subscription_list_id"),
        ({"incentive_codes_file": "NO_CODES"}, exit_codes.BAD_CONFIG, "codes.csv: cannot be read"),
    ],
)
def test_expected_failures_end_with_one_line_and_their_exit_code(
    tmp_path: Path, settings: dict[str, Any], code: int, last_line: str
) -> None:
    ids = tmp_path / "ids.csv"
    ids.write_text("person_key,name\nk1,a\n,b\n")
    files = {
        "IDS": str(ids),
        "EXTRACT": _bad_extract(tmp_path),
        "NO_CODES": str(tmp_path / "codes.csv"),
    }
    with RunningEmulator() as emulator:
        config = {**emulator.config(), **{k: files.get(v, v) for k, v in settings.items()}}
        result = tap_cli("--config", write_config(tmp_path, {k: v for k, v in config.items() if v}))
    assert result.returncode == code, result.stderr[-3000:]
    last = result.stderr.strip().splitlines()[-1]
    assert "ERROR" in last and last_line in last, last
    assert "Traceback" not in result.stderr
    if code == exit_codes.AUTHENTICATION:
        assert "check username and password" in last and "wrong-pw" not in result.stderr


def test_the_readme_lists_every_exit_code() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `?(\d+)`? \| ", section, flags=re.MULTILINE)
    codes = {v for k, v in vars(exit_codes).items() if k.isupper() and isinstance(v, int)}
    assert sorted(int(r) for r in rows) == sorted(codes)


def test_a_whole_state_message_saved_as_the_state_resumes_from_its_value(
    seeded_emulator: RunningEmulator,
) -> None:
    first = run_tap(seeded_emulator.config(), streams=("broadcasts",))
    assert first.records["broadcasts"]
    message = {"type": "STATE", "value": first.final_state}
    again = run_tap(seeded_emulator.config(), state=message, streams=("broadcasts",))
    by_value = run_tap(seeded_emulator.config(), state=first.final_state, streams=("broadcasts",))
    assert again.records["broadcasts"] == by_value.records["broadcasts"]
    assert len(again.records["broadcasts"]) < len(first.records["broadcasts"])
    assert any("holds a whole STATE message" in w for w in again.warnings)


def test_test_mode_checks_the_settings_too(tmp_path: Path) -> None:
    config = {"company_key": "c", "username": "u", "password": "p", "end_date": "tomorrow"}
    result = tap_cli("--config", write_config(tmp_path, config), "--test")
    assert result.returncode == exit_codes.BAD_CONFIG, result.stderr[-3000:]
    assert "setting 'end_date' must be" in result.stderr.strip().splitlines()[-1]
    assert "Traceback" not in result.stderr
