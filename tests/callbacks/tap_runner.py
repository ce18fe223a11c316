"""Run tap-vibes as a process over the journal-backed streams; parse its Singer output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

CHANGE_STREAMS = (
    "persons",
    "subscribers",
    "participants",
    "wallet_item_events",
    "message_events",
    "device_events",
)
TAP = str(Path(sys.executable).parent / "tap-vibes")


def discover(workdir: Path, config: dict[str, Any]) -> dict[str, Any]:
    config_file = workdir / "tap.json"
    config_file.write_text(json.dumps(config))
    found = subprocess.run(
        [TAP, "--config", str(config_file), "--discover"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    catalog: dict[str, Any] = json.loads(found.stdout)
    return catalog


def run_tap(
    workdir: Path, config: dict[str, Any], state: dict[str, Any] | None = None
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """Sync only the change streams; (records by stream, the last STATE).

    Discovers once per workdir and config (runs of one test share the catalog).
    """
    catalog_file = workdir / "catalog.json"
    config_file = workdir / "tap.json"
    if not catalog_file.exists() or config_file.read_text() != json.dumps(config):
        catalog = discover(workdir, config)
        for entry in catalog["streams"]:
            for metadata in entry["metadata"]:
                if metadata["breadcrumb"] == []:
                    selected = entry["tap_stream_id"] in CHANGE_STREAMS
                    metadata["metadata"]["selected"] = selected
        catalog_file.write_text(json.dumps(catalog))
    command = [TAP, "--config", str(workdir / "tap.json"), "--catalog", str(catalog_file)]
    if state is not None:
        state_file = workdir / "state.json"
        state_file.write_text(json.dumps(state))
        command += ["--state", str(state_file)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    records: dict[str, list[dict[str, Any]]] = {name: [] for name in CHANGE_STREAMS}
    final_state: dict[str, Any] = {}
    for line in run.stdout.splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD":
            records[message["stream"]].append(message["record"])
        elif message["type"] == "STATE":
            final_state = message["value"]
    return records, final_state


def bookmark(state: dict[str, Any], stream: str) -> Any:
    return state["bookmarks"][stream].get("replication_key_value")
