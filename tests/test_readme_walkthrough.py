"""Every command of the README's plain Singer walkthrough, run as written against the
emulator it starts (only its port is swapped for a free one), in a scratch directory whose
``.venv`` is this interpreter's environment; then what the commands left is checked."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
PORT = "8080"


def walkthrough_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("<!-- BEGIN walkthrough", 1)[1].split("<!-- END walkthrough -->", 1)[0]
    return re.findall(r"^```sh\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL)


def _free_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def _messages(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _records(path: Path) -> list[dict[str, Any]]:
    return [m for m in _messages(path) if m["type"] == "RECORD"]


@pytest.mark.slow
def test_every_walkthrough_command_runs(tmp_path: Path) -> None:
    commands = walkthrough_commands()
    assert len(commands) >= 6 and commands[0].startswith(".venv/bin/vibes-emulator serve")
    (tmp_path / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    port = _free_port()
    emulator = subprocess.Popen(
        commands[0].replace(PORT, port).split(),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert emulator.stdout is not None
        assert "listening on" in emulator.stdout.readline()
        for command in commands[1:]:
            done = subprocess.run(
                ["bash", "-e", "-o", "pipefail", "-c", command.replace(PORT, port)],
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, (command, done.stderr[-3000:])
    finally:
        emulator.terminate()
        emulator.wait(timeout=30)

    folder = tmp_path / "walkthrough"
    first = _records(folder / "run1.jsonl")
    assert {m["stream"] for m in first} == {"broadcasts", "persons", "subscribers"}
    state = json.loads((folder / "state.json").read_text())
    assert (
        state == [m for m in _messages(folder / "run1.jsonl") if m["type"] == "STATE"][-1]["value"]
    )
    assert set(state["bookmarks"]) >= {"broadcasts", "persons", "subscribers"}
    assert len(_records(folder / "run2.jsonl")) < len(first)  # resumed, not from the top
    backfill = _records(folder / "backfill.jsonl")
    keys = {"broadcasts": "updated_at", "persons": "updated_at", "subscribers": "changed_at"}
    for message in backfill:
        value = message["record"][keys[message["stream"]]]
        assert "2025-01-01" <= value[:10] < "2026-01-01", message
    assert len(backfill) < len(first)
