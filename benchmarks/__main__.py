"""``python -m benchmarks``: run every benchmark, then write docs/benchmarks.md and its plot.

Each benchmark runs in its own subprocess (``python -m benchmarks --one NAME --json
PATH``), which imports the module, calls its ``run()`` and writes the figures as JSON; the
parent bounds it with a timeout, so one that fails or hangs is reported, not fatal, and
nothing is left running. ``--quick`` shrinks every data set (a smoke run, not figures).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import report
from benchmarks.support import figure

Result = dict[str, Any]


def _emulator_load(quick: bool) -> Result:
    module = importlib.import_module("benchmarks.emulator_load")
    data = module.run(2000 if quick else 8000, 32, 1 if quick else 2)
    baseline = data["baseline"]["rps"]
    figures = []
    for name in ("subscription_lists", "person"):
        entry = data.get(name)
        if entry is None:
            continue
        cpu = entry.get("cpu_ratio_to_baseline")
        figures.append(
            figure(
                "emulator_load",
                f"emulator GETs/s, {name} (vs a bare aiohttp constant reply)",
                "req/s",
                entry["rps"],
                baseline,
                bar=">= 2000 req/s",
                met=bool(entry.get("meets_2000_rps")),
                note=f"{data['concurrency']} concurrent clients; the bar is absolute (issue 2)"
                + (f"; per server CPU-second {cpu:.2f}x the baseline" if cpu else ""),
            )
        )
    return {"figures": figures, "details": data}


def _per_commit(entry: dict[str, Any]) -> Any:
    return entry.get("events_per_commit", entry.get("events_per_commit_overall", "?"))


def _callbacks_receiver(quick: bool) -> Result:
    module = importlib.import_module("benchmarks.callbacks_receiver")
    data = module.run(500 if quick else 3000, 32, 1 if quick else 2)
    baseline = data["baseline"]["events_per_second"]
    figures = [
        figure(
            "callbacks_receiver",
            f"callback events/s journaled, synchronous={name} (vs bare aiohttp, no journal)",
            "events/s",
            data[name]["events_per_second"],
            baseline,
            note=f"{_per_commit(data[name])} events per commit; "
            "the issue asks for hundreds per second",
        )
        for name in ("full", "normal")
        if name in data
    ]
    return {"figures": figures, "details": data}


def _files_throughput(quick: bool) -> Result:
    module = importlib.import_module("benchmarks.files_throughput")
    sizes = {"rows": 20_000, "persons": 2_000, "api_sample": 50} if quick else {}
    data = module.run(**sizes)
    return {"figures": module.figures(data), "details": data}


def _module_run(name: str, quick_args: dict[str, Any]) -> Callable[[bool], Result]:
    def call(quick: bool) -> Result:
        module = importlib.import_module(f"benchmarks.{name}")
        result: Result = module.run(**(quick_args if quick else {}))
        return result

    return call


# name -> (title, how to run it, timeout in seconds)
BENCHMARKS: dict[str, tuple[str, Callable[[bool], Result], float]] = {
    "emulator_load": ("Emulator: simple GETs/s on loopback", _emulator_load, 240),
    "persons_hydration": (
        "Persons hydration (tap) at 50 ms latency, 100 requests/s",
        _module_run("persons_hydration", {"persons": 300, "sample": 20}),
        300,
    ),
    "list_streams": (
        "List streams (tap): wallet_items records/s",
        _module_run("list_streams", {"seed": 3000, "rounds": 1}),
        300,
    ),
    "target_upserts": (
        "Persons upserts (target) at 50 ms latency, 100 requests/s",
        _module_run("target_upserts", {"persons": 300, "sample": 20}),
        300,
    ),
    "target_read": (
        "Target read path: records/s read and validated, no API cost",
        _module_run("target_read", {"records": 3000, "rounds": 1}),
        300,
    ),
    "callbacks_receiver": (
        "Callback receiver: events/s journaled durably",
        _callbacks_receiver,
        240,
    ),
    "files_throughput": (
        "Batch files: a million-row extract read, a 100,000-person import applied",
        _files_throughput,
        300,
    ),
    "memory": (
        "Memory: peak RSS at 1x, 10x, 100x records",
        _module_run("memory", {"small": 100, "target_small": 100}),
        420,
    ),
    "profile": (
        "Profile of tap-vibes on the list streams run",
        _module_run("profile_tap", {"seed": 3000}),
        240,
    ),
}


def run_one(name: str, quick: bool, out: Path) -> None:
    """In the child: run one benchmark and write its result."""
    _, call, _ = BENCHMARKS[name]
    out.write_text(json.dumps(call(quick)))


def run_isolated(name: str, quick: bool, directory: Path) -> Result:
    title, _, timeout = BENCHMARKS[name]
    out = directory / f"{name}.json"
    command = [sys.executable, "-m", "benchmarks", "--one", name, "--json", str(out)]
    if quick:
        command.append("--quick")
    print(f"== {name}: {title}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    # Own session, so a timeout ends the benchmark and every process it started.
    process = subprocess.Popen(command, start_new_session=True, cwd=report.DOCS.parent)
    error = None
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        error = f"timed out after {timeout:.0f} s"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    seconds = time.perf_counter() - started
    if error is None and (process.returncode != 0 or not out.exists()):
        error = f"exited {process.returncode} (its traceback is above in the log)"
    entry: Result = {"name": name, "title": title, "seconds": seconds, "error": error}
    if error is None:
        entry.update(json.loads(out.read_text()))
    print(f"== {name}: {'done' if error is None else error} in {seconds:.0f} s", file=sys.stderr)
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS), help="run only these")
    parser.add_argument("--quick", action="store_true", help="tiny data sets (smoke test)")
    parser.add_argument("--docs", type=Path, default=report.DOCS, help="where to write")
    parser.add_argument("--one", choices=sorted(BENCHMARKS), help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        run_one(args.one, args.quick, args.json)
        return 0
    names = args.only or list(BENCHMARKS)
    started = time.perf_counter()
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        for name in names:
            results.append(run_isolated(name, args.quick, Path(folder)))
    total = time.perf_counter() - started
    profile = next((r for r in results if r["name"] == "profile"), None)
    benchmarks = [r for r in results if r["name"] != "profile"]
    profile_lines = None
    if profile is not None:
        profile_lines = profile.get("lines") or [f"The profile did not finish: {profile['error']}"]
    path = report.write(
        benchmarks, total_seconds=total, profile_lines=profile_lines, docs=args.docs
    )
    print(f"wrote {path} in {total:.0f} s", file=sys.stderr)
    print("\n".join(report.table(benchmarks)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
