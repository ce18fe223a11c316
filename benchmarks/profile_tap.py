"""Where tap-vibes spends its time on the list streams run (wallet_items, no latency).

Run: ``.venv/bin/python -m benchmarks.profile_tap [--seed N] [--top K]``.

The emulator runs in a subprocess (so its work is not in the profile); tap-vibes runs in
this process under cProfile with stdout sent to /dev/null. Both threads are profiled: the
SDK's main thread and the AsyncRunner's event-loop thread (a profiler is switched on in
every thread started while profiling). Self time is then summed by where the code lives:
JSON, the SDK's per-record work, the asyncio bridge, HTTP, tap-vibes' own code. cProfile
adds a cost to every Python call, so call-heavy code looks heavier than it is; the shares
are for ranking, the benchmark's own timing is the speed.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import pstats
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.list_streams import BASELINE_MODULE, NO_LIMIT
from benchmarks.support import (
    discover,
    module_command,
    select_only,
    tap_vibes_command,
    write_json,
)
from vibes_emulator.testing import EmulatorProcess

# (category, substrings of "file:function"), first match wins; order matters.
CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("blocked: waiting for a lock or an event (in the main thread: for the next page)",
     ("lock' objects>:acquire", "method 'acquire'", "threading.py:wait", "_base.py:result")),
    ("idle: event loop waiting for the network (selector)", ("select' objects>", "poll'")),
    ("bridge: vibes_api.bridge / concurrent.futures / run_coroutine_threadsafe",
     ("vibes_api/bridge", "concurrent/futures", "asyncio/tasks.py:run_coroutine_threadsafe",
      "asyncio/futures.py:_chain", "asyncio/futures.py:_copy", "asyncio/futures.py:_set_")),
    ("JSON decode (orjson.loads / json)", ("orjson.loads", "json/decoder", "json/__init__")),
    ("JSON encode + write (orjson writer, stdout)",
     ("orjson.dumps", "tap_vibes/writer", "singerlib/encoding", "write' of", "flush'")),
    ("SDK type conformance (_conform_record_data_types and helpers)",
     ("singer_sdk/helpers/_typing", "singer_sdk/helpers/_flattening")),
    ("SDK property selection (pop_deselected_record_properties)",
     ("singer_sdk/helpers/_catalog", "singerlib/catalog")),
    ("SDK state: bookmarks, progress markers",
     ("singer_sdk/helpers/_state", "singer_sdk/streams/_state")),
    ("SDK per-record rest: _sync_records, messages, metrics, maps",
     ("singer_sdk/",)),
    ("HTTP client (aiohttp, vibes_api client/retry/rate limit)",
     ("aiohttp/", "multidict", "yarl", "vibes_api/")),
    ("asyncio machinery", ("asyncio/",)),
    ("tap-vibes streams (order keys, timestamps, windowing)", ("tap_vibes/",)),
    ("datetime / timestamp parsing", ("datetime", "_strptime")),
)  # fmt: skip
OTHER = "other (builtins, copying, logging)"


def _category(key: tuple[str, int, str]) -> str:
    filename, _, function = key
    where = f"{filename}:{function}"
    for name, needles in CATEGORIES:
        if any(needle in where for needle in needles):
            return name
    return OTHER


class ThreadProfiles:
    """A cProfile.Profile in the calling thread and in every thread started meanwhile."""

    def __init__(self) -> None:
        self.profiles: list[tuple[str, cProfile.Profile]] = []
        self._lock = threading.Lock()

    def _start_in_thread(self, *_: Any) -> None:
        # Called once by threading in each new thread; enabling replaces this hook.
        profile = cProfile.Profile()
        with self._lock:
            self.profiles.append((threading.current_thread().name, profile))
        profile.enable()

    def __enter__(self) -> ThreadProfiles:
        threading.setprofile(self._start_in_thread)
        self._start_in_thread()
        return self

    def __exit__(self, *exc_info: object) -> None:
        threading.setprofile(None)
        self.profiles[0][1].disable()

    def stats(self) -> list[tuple[str, pstats.Stats]]:
        """(thread name, stats) per profiled thread, the calling thread first."""
        out = []
        for name, profile in self.profiles:
            profile.create_stats()
            out.append((name, pstats.Stats(profile)))
        return out


def _tap_class(which: str) -> Any:
    if which == "baseline":
        from benchmarks.baseline_sdk_tap.tap import BaselineTap

        return BaselineTap
    from tap_vibes.tap import TapVibes

    return TapVibes


def profile_run(
    seed: int, which: str = "tap-vibes"
) -> tuple[list[tuple[str, pstats.Stats]], float, int]:
    tap_class = _tap_class(which)
    command = tap_vibes_command() if which != "baseline" else module_command(BASELINE_MODULE)
    with (
        tempfile.TemporaryDirectory(prefix="bench-profile-") as folder,
        EmulatorProcess("--seed", str(seed), "--rate-limit", "0") as emulator,
    ):
        directory = Path(folder)
        config = write_json(directory, "config.json", {**emulator.config(), **NO_LIMIT})
        catalog = select_only(discover(command, config), {"wallet_items"})
        catalog_path = write_json(directory, "catalog.json", catalog)
        args = ["--config", str(config), "--catalog", str(catalog_path)]
        with Path(os.devnull).open("w") as sink, contextlib.redirect_stdout(sink):
            started = time.perf_counter()
            with ThreadProfiles() as profiles, contextlib.suppress(SystemExit):
                tap_class.cli(args)
            elapsed = time.perf_counter() - started
        requests = int(emulator.control.stats().get("requests", 0))
    return profiles.stats(), elapsed, requests


def by_category(stats: pstats.Stats) -> dict[str, float]:
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    totals: dict[str, float] = {}
    for key, (_, _, own, _, _) in raw.items():
        totals[_category(key)] = totals.get(_category(key), 0.0) + own
    return totals


def top_functions(stats: pstats.Stats, top: int) -> list[dict[str, Any]]:
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    rows = [
        {"function": _name(key), "calls": calls, "self_s": own, "cumulative_s": cumulative}
        for key, (_, calls, own, cumulative, _) in raw.items()
    ]
    rows.sort(key=lambda row: row["self_s"], reverse=True)
    return rows[:top]


def _name(key: tuple[str, int, str]) -> str:
    filename, line, function = key
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
    return f"{filename}:{line}({function})" if line else function


def run(seed: int = 20_000, top: int = 20, which: str = "tap-vibes") -> dict[str, Any]:
    threads, elapsed, requests = profile_run(seed, which)
    main_name, main_stats = threads[0]
    main_totals = by_category(main_stats)
    main_total = sum(main_totals.values()) or 1.0
    lines = [
        f"cProfile of one {which} run (wallet_items only, emulator seeded with {seed} persons, "
        f"{requests} requests, stdout to /dev/null): {elapsed:.1f} s under the profiler. "
        "The main thread runs the SDK (every record passes through it); its self time by "
        "where the code lives:",
        "",
        "| Main thread: where | Self time (s) | Share |",
        "|---|---:|---:|",
        *(
            f"| {name} | {seconds:.2f} | {seconds / main_total:.0%} |"
            for name, seconds in sorted(main_totals.items(), key=lambda i: i[1], reverse=True)
            if seconds >= 0.005
        ),
        "",
        "Other threads (busy = self time outside lock/selector waits):",
        "",
    ]
    details: dict[str, Any] = {"seed": seed, "which": which, "requests": requests,
                               "seconds_under_profiler": round(elapsed, 2),
                               "main_thread": {k: round(v, 3) for k, v in main_totals.items()},
                               "other_threads": {}}  # fmt: skip
    waits = {CATEGORIES[0][0], CATEGORIES[1][0]}
    for name, stats in threads[1:]:
        totals = by_category(stats)
        busy = sum(v for k, v in totals.items() if k not in waits)
        idle = sum(v for k, v in totals.items() if k in waits)
        lines.append(f"- `{name}`: busy {busy:.2f} s, waiting {idle:.2f} s")
        details["other_threads"][name] = {k: round(v, 3) for k, v in totals.items()}
    lines += [
        "",
        f"Top {top} functions of the main thread by self time:",
        "",
        "| Function | Calls | Self (s) | Cumulative (s) |",
        "|---|---:|---:|---:|",
        *(
            f"| `{row['function']}` | {row['calls']:,} | {row['self_s']:.2f} | "
            f"{row['cumulative_s']:.2f} |"
            for row in top_functions(main_stats, top)
        ),
    ]
    return {"figures": [], "details": details, "lines": lines, "thread": main_name}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_tap")
    parser.add_argument("--seed", type=int, default=20_000)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--baseline", action="store_true", help="profile the plain SDK tap")
    args = parser.parse_args(argv)
    result = run(args.seed, args.top, "baseline" if args.baseline else "tap-vibes")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    sys.stdout.write("\n".join(result["lines"]) + "\n")


if __name__ == "__main__":
    main()
