"""Child processes of the demo, each in its own process group, all stopped on the way out.

Meltano starts the tap and the target as its own children; killing only the meltano process
would orphan them. Every command therefore runs as the leader of a new session, and
``stop_all`` signals whole groups: SIGTERM, a grace period, then SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

_LIVE: dict[int, subprocess.Popen[str]] = {}
_STOP_SIGNALS = {signal.SIGTERM, signal.SIGHUP}


@dataclass(frozen=True)
class Finished:
    """A command that ran to its end: exit code, combined output and wall time."""

    command: list[str]
    returncode: int
    output: str
    seconds: float


def run(
    command: list[str],
    *,
    env: dict[str, str],
    cwd: Path,
    log_path: Path,
    on_line: Callable[[str], None] | None = None,
) -> Finished:
    """Run ``command`` in a new process group; stdout+stderr go to ``log_path`` and ``on_line``."""
    started = time.monotonic()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    with log_path.open("w", encoding="utf-8") as log:
        # A SIGTERM between the fork and the registration would leave a child that
        # stop_all cannot see; hold the signals until the child is registered.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            process = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )
            _LIVE[process.pid] = process
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        try:
            assert process.stdout is not None
            for line in process.stdout:
                log.write(line)
                lines.append(line)
                if on_line is not None:
                    on_line(line.rstrip("\n"))
            returncode = process.wait()
        finally:
            _stop_group(process)
            _LIVE.pop(process.pid, None)
    return Finished(command, returncode, "".join(lines), time.monotonic() - started)


def _stop_group(process: subprocess.Popen[str], grace_seconds: float = 10.0) -> None:
    """End the process and everything it started (its whole group), politely first."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            break
        deadline = time.monotonic() + grace_seconds
        while time.monotonic() < deadline:
            if process.poll() is not None and not _group_alive(process.pid):
                break
            time.sleep(0.05)
        else:
            continue
        break
    if process.stdout is not None:
        process.stdout.close()
    process.poll()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def stop_all() -> None:
    """Stop every process group this module started and that is still running."""
    for process in list(_LIVE.values()):
        _stop_group(process)
        _LIVE.pop(process.pid, None)


class Interrupted(Exception):
    """SIGTERM or SIGHUP reached the demo; raised so that every ``finally`` runs."""


@contextmanager
def cleanup_on_signals() -> Iterator[None]:
    """Turn SIGTERM/SIGHUP into an exception and stop all children however the block ends."""

    def raise_interrupted(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, raise_interrupted) for sig in _STOP_SIGNALS}
    try:
        yield
    finally:
        stop_all()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
