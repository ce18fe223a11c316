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

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RECORD_MARK = b'"RECORD"'
CHUNK = 1 << 20
POLL_SECONDS = 0.005


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
    cpu_seconds: float = 0.0
    """User + system CPU time of the program (all its threads): steadier than wall time
    when other work shares the machine."""

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

    stdout goes to an unlinked temporary file, not a pipe: a pipe would make the program
    wait whenever this reader is slow to drain it (on a busy machine it is), and that
    wait would be counted as the program's. The file's first byte is noticed by polling
    its size every 5 ms; the RECORD lines are counted after the program ends. ``os.wait4``
    gives this one child's rusage (peak RSS, CPU time), not the most of every child so
    far. After ``timeout`` seconds the process group is killed, so nothing hangs.
    """
    with (
        tempfile.TemporaryFile() as stdout,
        tempfile.TemporaryFile() as stderr,
        _stdin(stdin_path) as stdin,
    ):
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            env={**os.environ, **(env or {})},
            cwd=REPO,  # so ``python -m benchmarks...`` resolves from any working directory
            start_new_session=True,
        )
        first_byte: float | None = None
        reaped = False
        try:
            while True:
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                now = time.perf_counter()
                if pid:
                    reaped = True
                    break
                if first_byte is None and os.fstat(stdout.fileno()).st_size > 0:
                    first_byte = now
                if now - started > timeout:
                    _kill_group(process.pid)
                time.sleep(POLL_SECONDS)
        finally:
            if not reaped:
                _kill_group(process.pid)
                _, status, usage = os.wait4(process.pid, 0)
        ended = now
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        records = _count_records(stdout)
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
        cpu_seconds=usage.ru_utime + usage.ru_stime,
    )


def _count_records(output: Any) -> int:
    records = 0
    carry = b""
    while chunk := output.read(CHUNK):
        # A mark split across two chunks is found in the joined edge.
        data = carry + chunk
        records += data.count(RECORD_MARK)
        carry = data[-(len(RECORD_MARK) - 1) :]
    return records


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
        cwd=REPO,
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


# The bars of issues 3, 4 and 8 for work run against Vibes' documented limit.
LIMIT = 100.0
LATENCY_MS = 50
SHARE_BAR = 0.95
THROTTLED_BAR = 0.01


def limit_figures(
    benchmark: str,
    *,
    requests_per_second: float,
    requests: int,
    answered_429: int,
    configured: float,
    persons_per_second: float,
    baseline_persons_per_second: float,
    who: str,
    what: str,
    note: str,
    baseline_note: str,
) -> list[dict[str, Any]]:
    """Share of the limit reached, share answered 429, and the speed-up over one at a time."""
    share = requests_per_second / LIMIT
    throttled_share = answered_429 / max(requests, 1)
    return [
        figure(
            benchmark,
            f"requests/s as a share of the {LIMIT:g}/s limit",
            "share",
            requests_per_second,
            LIMIT,
            ratio=share,
            bar=f">= {SHARE_BAR:.0%}",
            met=share >= SHARE_BAR,
            note=note,
        ),
        figure(
            benchmark,
            "share of requests answered 429",
            "share",
            answered_429,
            requests,
            ratio=throttled_share,
            bar=f"< {THROTTLED_BAR:.0%}",
            met=throttled_share < THROTTLED_BAR,
            note=f"{who.split('-')[0]} limit set to {configured:g}/s",
        ),
        figure(
            benchmark,
            f"persons/s ({who} vs {what})",
            "persons/s",
            persons_per_second,
            baseline_persons_per_second,
            note=baseline_note,
        ),
    ]


def target_commands(
    directory: Path, emulator_config: dict[str, Any], ours: str, baseline: str
) -> dict[str, list[str]]:
    """target-vibes in a dry run (no API cost) and the minimal SDK target, ready to run."""
    ours_config = {**emulator_config, "dry_run": True, "allow_messaging": True}
    return {
        ours: [
            *target_vibes_command(),
            "--config",
            str(write_json(directory, f"{ours}.json".replace(" ", "-"), ours_config)),
        ],
        baseline: [
            *module_command("benchmarks.baseline_sdk_target"),
            "--config",
            str(write_json(directory, f"{baseline}.json".replace(" ", "-"), {})),
        ],
    }


def print_result(result: dict[str, Any], json_path: Path | None) -> None:
    """A benchmark's command line ending: the result on stdout, and in ``json_path`` if given."""
    text = json.dumps(result, indent=2)
    if json_path:
        json_path.write_text(text)
    print(text)


async def serve_baseline(app: Any) -> None:
    """Serve a baseline aiohttp ``app`` on a free loopback port until killed; the first line
    printed names its URL (what a benchmark's driver waits for)."""
    from aiohttp import web

    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    print(f"baseline listening on http://{host}:{port}", flush=True)
    await asyncio.Event().wait()
