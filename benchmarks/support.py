"""What the benchmarks share: running a Singer program as a measured subprocess, catalogs,
and the figure format the runner (``python -m benchmarks``) turns into the report.

A figure compares our program with a baseline measured in the same run::

    {"benchmark": "list_streams", "metric": "wallet_items records/s", "unit": "records/s",
     "ours": 41000.0, "baseline": 9000.0, "ratio": 4.6, "bar": ">= 3x", "met": True,
     "note": "..."}

``ratio`` is ours / baseline (or, for figures that are shares of a limit, the share
itself); ``met`` is None where the figure has no bar.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RECORD_MARK = b'"RECORD"'
CHUNK = 1 << 20


def figure(
    benchmark: str,
    metric: str,
    unit: str,
    ours: float,
    baseline: float | None,
    *,
    bar: str = "",
    minimum_ratio: float | None = None,
    ratio: float | None = None,
    met: bool | None = None,
    note: str = "",
) -> dict[str, Any]:
    """One row of the report; ``ratio`` defaults to ours / baseline."""
    if ratio is None and baseline:
        ratio = ours / baseline
    if met is None and minimum_ratio is not None and ratio is not None:
        met = ratio >= minimum_ratio
    return {
        "benchmark": benchmark,
        "metric": metric,
        "unit": unit,
        "ours": ours,
        "baseline": baseline,
        "ratio": ratio,
        "bar": bar,
        "met": met,
        "note": note,
    }


@dataclass
class Measured:
    """One finished run of a Singer program."""

    records: int
    wall_seconds: float
    streaming_seconds: float
    """From the first byte on stdout to its end: the run without interpreter start-up."""
    peak_rss_mb: float
    returncode: int
    stderr_tail: str

    @property
    def records_per_second(self) -> float:
        return self.records / self.streaming_seconds if self.streaming_seconds > 0 else 0.0

    def check(self, what: str) -> Measured:
        if self.returncode != 0:
            raise RuntimeError(f"{what} exited {self.returncode}:\n{self.stderr_tail}")
        return self


def run_measured(
    command: list[str],
    *,
    stdin_path: Path | None = None,
    timeout: float = 300.0,
    env: dict[str, str] | None = None,
) -> Measured:
    """Run ``command``, count RECORD lines on its stdout, and take its own peak RSS.

    stdout is drained in large chunks (a cheap byte count, so the reader costs little
    CPU); ``os.wait4`` gives this one child's rusage, so the peak RSS is the program's
    own, not the most of every child so far. A watchdog kills the process group after
    ``timeout`` seconds, so a hung program cannot hang the benchmark.
    """
    with tempfile.TemporaryFile() as stderr, _stdin(stdin_path) as stdin:
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
        timer = threading.Timer(timeout, _kill_group, args=(process.pid,))
        timer.start()
        waited = False
        try:
            records, first_byte = _drain(process)
            _, status, usage = os.wait4(process.pid, 0)
            waited = True
            ended = time.perf_counter()
        finally:
            timer.cancel()
            if not waited:
                _kill_group(process.pid)
                process.wait()
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        tail = stderr.read()[-4000:].decode(errors="replace")
    first = first_byte if first_byte is not None else ended
    return Measured(
        records=records,
        wall_seconds=ended - started,
        streaming_seconds=ended - first,
        peak_rss_mb=usage.ru_maxrss / 1024,  # kilobytes on Linux
        returncode=process.returncode,
        stderr_tail=tail,
    )


def _drain(process: subprocess.Popen[bytes]) -> tuple[int, float | None]:
    assert process.stdout is not None
    records = 0
    first_byte: float | None = None
    carry = b""
    with process.stdout as out:
        while chunk := out.read1(CHUNK):  # type: ignore[attr-defined]
            if first_byte is None:
                first_byte = time.perf_counter()
            # A mark split across two chunks is found in the joined edge.
            data = carry + chunk
            records += data.count(RECORD_MARK)
            carry = data[-(len(RECORD_MARK) - 1) :]
    return records, first_byte


class _stdin:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.handle: Any = None

    def __enter__(self) -> Any:
        if self.path is None:
            return subprocess.DEVNULL
        self.handle = self.path.open("rb")
        return self.handle

    def __exit__(self, *exc_info: object) -> None:
        if self.handle is not None:
            self.handle.close()


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def write_json(directory: Path, name: str, data: Any) -> Path:
    path = directory / name
    path.write_text(json.dumps(data))
    return path


def discover(command: list[str], config: Path) -> dict[str, Any]:
    output = subprocess.run(
        [*command, "--config", str(config), "--discover"],
        capture_output=True,
        check=True,
        timeout=120,
    )
    catalog: dict[str, Any] = json.loads(output.stdout)
    return catalog


def select_only(catalog: dict[str, Any], names: set[str]) -> dict[str, Any]:
    """The catalog with exactly ``names`` selected (all their properties)."""
    for stream in catalog["streams"]:
        chosen = stream["tap_stream_id"] in names
        for entry in stream.get("metadata", []):
            if entry.get("breadcrumb") == []:
                entry["metadata"]["selected"] = chosen
    return catalog


def tap_vibes_command() -> list[str]:
    return [str(BIN / "tap-vibes")]


def target_vibes_command() -> list[str]:
    return [str(BIN / "target-vibes")]


def module_command(module: str) -> list[str]:
    return [sys.executable, "-m", module]
