"""List streams: wallet_items records/s from tap-vibes against a plain Singer SDK tap.

Run: ``.venv/bin/python -m benchmarks.list_streams [--seed N] [--rounds R] [--json PATH]``.

One emulator subprocess (no latency, no rate limit) seeded with N persons serves both
taps; each tap runs as its own subprocess with only ``wallet_items`` selected (its parent
``wallet_campaigns`` is read for the contexts but not emitted), and its stdout is counted
and thrown away. The baseline is ``benchmarks/baseline_sdk_tap`` (RESTStream, requests,
the SDK's default writer, the same schema files). Rounds alternate the two taps so drift
on a shared machine hurts both alike; the best round of each counts. Records/s are taken
from the first byte on stdout to the end, so interpreter start-up (about the same for
both) is left out; wall times are reported too. Both taps must emit the same count.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.support import (
    Measured,
    discover,
    figure,
    module_command,
    print_result,
    run_measured,
    select_only,
    tap_vibes_command,
    write_json,
)
from vibes_emulator.testing import EmulatorProcess

BAR = 3.0
BASELINE_MODULE = "benchmarks.baseline_sdk_tap"
TAP, BASE = "tap-vibes", "baseline"
# tap-vibes' own client-side limit (default 90/s) is raised: this benchmark measures the
# tap's per-record path, and the emulator here has no limit either.
NO_LIMIT = {"requests_per_second": 10_000, "max_concurrency": 32}


def prepare(directory: Path, emulator: EmulatorProcess) -> dict[str, list[str]]:
    """Config and catalog files for both taps; returns the two commands."""
    commands = {"tap-vibes": tap_vibes_command(), "baseline": module_command(BASELINE_MODULE)}
    config = {**emulator.config(), **NO_LIMIT}
    ready: dict[str, list[str]] = {}
    for name, command in commands.items():
        config_path = write_json(directory, f"{name}-config.json", config)
        catalog = select_only(discover(command, config_path), {"wallet_items"})
        catalog_path = write_json(directory, f"{name}-catalog.json", catalog)
        ready[name] = [*command, "--config", str(config_path), "--catalog", str(catalog_path)]
    return ready


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a running process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(seed: int, rounds: int) -> dict[str, Any]:
    best: dict[str, Measured] = {}
    emulator_cpu: dict[str, float] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-list-") as folder,
        EmulatorProcess("--seed", str(seed), "--rate-limit", "0") as emulator,
    ):
        assert emulator.process is not None
        commands = prepare(Path(folder), emulator)
        for _ in range(rounds):
            for name, command in commands.items():
                before = process_cpu_seconds(emulator.process.pid)
                result = run_measured(command, timeout=240).check(name)
                spent = process_cpu_seconds(emulator.process.pid) - before
                if name not in best or result.records_per_second > best[name].records_per_second:
                    best[name] = result
                    emulator_cpu[name] = spent
        requests = emulator.control.stats().get("requests")
    ours, base = best["tap-vibes"], best["baseline"]
    if ours.records != base.records or ours.records == 0:
        raise RuntimeError(
            f"the taps disagree: tap-vibes emitted {ours.records} wallet_items records, "
            f"the baseline {base.records}"
        )
    return {
        "seed_persons": seed,
        "records": ours.records,
        "rounds": rounds,
        "emulator_requests": requests,
        "tap_vibes": {
            **_summary(ours),
            "emulator_cpu_seconds": round(emulator_cpu["tap-vibes"], 2),
        },
        "baseline": {**_summary(base), "emulator_cpu_seconds": round(emulator_cpu["baseline"], 2)},
    }


def _summary(result: Measured) -> dict[str, float]:
    return {
        "records_per_second": round(result.records_per_second, 1),
        "streaming_seconds": round(result.streaming_seconds, 3),
        "wall_seconds": round(result.wall_seconds, 3),
        "peak_rss_mb": round(result.peak_rss_mb, 1),
        "cpu_seconds": round(result.cpu_seconds, 3),
        "records_per_cpu_second": round(result.records / max(result.cpu_seconds, 1e-9), 1),
    }


def run(seed: int = 150_000, rounds: int = 2) -> dict[str, Any]:
    """Measured details plus the report's figures."""
    details = measure(seed, rounds)
    ours, base = details["tap_vibes"], details["baseline"]
    figures = [
        figure(
            "list_streams",
            "wallet_items records/s (tap-vibes vs plain SDK tap)",
            "records/s",
            ours["records_per_second"],
            base["records_per_second"],
            bar=f">= {BAR:g}x",
            minimum_ratio=BAR,
            note=f"{details['records']} records; start-up excluded; the emulator was busy "
            f"{ours['emulator_cpu_seconds']:.1f} CPU-s during tap-vibes' "
            f"{ours['streaming_seconds']:.1f} s of streaming",
        ),
        figure(
            "list_streams",
            "wallet_items records per CPU-second of the tap process (incl. start-up)",
            "records/CPU-s",
            ours["records_per_cpu_second"],
            base["records_per_cpu_second"],
            note="informational: CPU time is steadier than wall time on a shared machine",
        ),
        figure(
            "list_streams",
            "wallet_items wall time incl. start-up (baseline / tap-vibes)",
            "s",
            ours["wall_seconds"],
            base["wall_seconds"],
            ratio=base["wall_seconds"] / ours["wall_seconds"],
            note="informational: whole process, lower is better",
        ),
    ]
    return {"figures": figures, "details": details}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.list_streams")
    parser.add_argument("--seed", type=int, default=150_000, help="persons to seed (items ~0.6x)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the result to this file")
    args = parser.parse_args(argv)
    print_result(run(args.seed, args.rounds), args.json)


if __name__ == "__main__":
    main()
