"""Running tap-vibes and target-vibes as real processes for the reliability tests.

Crash tests need processes they can SIGKILL, and failure tests need the exit code and
every byte a user would see, so these helpers run the installed console scripts and keep
stdout, stderr and the parsed Singer messages. Every process is waited for or killed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

BIN = Path(sys.executable).parent
TAP = str(BIN / "tap-vibes")
TARGET = str(BIN / "target-vibes")
REPLAY = str(BIN / "target-vibes-replay")
PROCESS_TIMEOUT = 240.0
# Processes run from the repository root, so ``python -m tests.reliability...`` resolves.
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ProcessRun:
    """What one tap or target process left behind."""

    returncode: int
    stdout: str
    stderr: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    killed: bool = False

    @property
    def records(self) -> dict[str, list[dict[str, Any]]]:
        by_stream: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for message in self.messages:
            if message.get("type") == "RECORD":
                by_stream[message["stream"]].append(message["record"])
        return by_stream

    @property
    def states(self) -> list[dict[str, Any]]:
        """A tap's STATE values."""
        return [m["value"] for m in self.messages if m.get("type") == "STATE"]

    @property
    def last_state(self) -> dict[str, Any] | None:
        """The last STATE a tap emitted."""
        states = self.states
        return states[-1] if states else None

    @property
    def last_target_state(self) -> dict[str, Any] | None:
        """The last state a target emitted (a target's stdout is bare state values)."""
        return self.messages[-1] if self.messages else None


def parse_messages(text: str) -> list[dict[str, Any]]:
    """Singer messages of a stdout; a last line cut short by a kill is left out."""
    messages: list[dict[str, Any]] = []
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            messages.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            if index == len(lines) - 1:  # no newline yet: the process died mid-line
                break
            raise
    return messages


def record_key(record: dict[str, Any]) -> bytes:
    """A record as comparable bytes (key order does not matter)."""
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value))
    return path


def run_process(
    command: list[str],
    *,
    stdin_text: str | None = None,
    env: dict[str, str] | None = None,
    singer: bool = True,
) -> ProcessRun:
    """Run to the end; ``singer`` False when stdout is not Singer messages (``--about``)."""
    completed = subprocess.run(
        command,
        input=stdin_text,
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT,
        check=False,
        env=env,
        cwd=REPO_ROOT,
    )
    messages = parse_messages(completed.stdout) if singer else []
    return ProcessRun(completed.returncode, completed.stdout, completed.stderr, messages)


def tap_command(config: Path, state: Path | None = None, *extra: str) -> list[str]:
    command = [TAP, "--config", str(config)]
    if state is not None:
        command += ["--state", str(state)]
    return [*command, *extra]


def target_command(config: Path, *extra: str) -> list[str]:
    return [TARGET, "--config", str(config), *extra]


def run_until(
    command: list[str],
    stop_after: Callable[[int, dict[str, Any]], bool],
    *,
    stdin_path: Path | None = None,
) -> ProcessRun:
    """Run ``command`` and SIGKILL it as soon as ``stop_after(line_number, message)`` says
    so (or let it finish); keeps everything it wrote, including lines already in the pipe
    when it died."""
    stdin = stdin_path.open("rb") if stdin_path is not None else subprocess.DEVNULL
    process = subprocess.Popen(
        command,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        cwd=REPO_ROOT,
    )
    stderr_chunks: list[bytes] = []
    assert process.stdout is not None and process.stderr is not None
    err = process.stderr
    drain = threading.Thread(target=lambda: stderr_chunks.append(err.read()), daemon=True)
    drain.start()
    # A watchdog so a hung process can never hang the test run.
    watchdog = threading.Timer(PROCESS_TIMEOUT, process.kill)
    watchdog.start()
    lines: list[bytes] = []
    killed = False
    try:
        for number, raw in enumerate(process.stdout, start=1):
            lines.append(raw)
            if killed or not raw.endswith(b"\n"):
                continue
            if stop_after(number, orjson.loads(raw)):
                process.send_signal(signal.SIGKILL)
                killed = True
        process.wait()
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
        drain.join(30)
        process.stdout.close()
        process.stderr.close()
        if stdin_path is not None and hasattr(stdin, "close"):
            stdin.close()
    stdout = b"".join(lines).decode()
    stderr = b"".join(stderr_chunks).decode(errors="replace")
    return ProcessRun(process.returncode, stdout, stderr, parse_messages(stdout), killed)


def singer_lines(messages: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(message) + "\n" for message in messages)
