"""Memory: peak RSS of the tap and the target at 1x, 10x and 100x the records of a small run.

Run: ``.venv/bin/python -m benchmarks.memory [--small N] [--json PATH]``.

A streaming program's peak RSS does not grow with the data. Each program runs as its own
subprocess and its peak RSS is its own (``os.wait4`` rusage), for three sizes:

- tap-vibes ``wallet_items`` (paged list) and ``persons`` (hydrated from an ids file, the
  concurrent path), against one emulator (no latency, no limit) reseeded per size;
- target-vibes reading an ``events`` stream in dry run (no API cost);
- the plain SDK tap and the minimal SDK target, for comparison.

A program is "flat" when its peak at 100x is at most 1.2x its peak at 10x: ten times the
records for at most a fifth more memory. (Fixed-size buffers, such as one page of 1,000
wallet items or one SDK batch of 10,000 records, fill up by 10x; what grows after that grows
with the data.) The target's small run is 1,000 records, so its 10x run fills one batch.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.list_streams import BASELINE_MODULE, NO_LIMIT
from benchmarks.support import (
    discover,
    figure,
    module_command,
    print_result,
    run_measured,
    select_only,
    tap_vibes_command,
    target_commands,
    write_json,
)
from benchmarks.target_read import write_input
from vibes_emulator.testing import EmulatorProcess

SCALES = (1, 10, 100)
FLAT_BAR = 1.2
PERSONS_FRACTION = 5  # persons read per size: a fifth of the seeded persons


def _tap_runs(directory: Path, small: int) -> dict[str, list[dict[str, float]]]:
    runs: dict[str, list[dict[str, float]]] = {
        "tap-vibes wallet_items": [],
        "plain SDK tap wallet_items": [],
        "tap-vibes persons": [],
    }
    with EmulatorProcess("--rate-limit", "0") as emulator:
        ids_path = directory / "ids.csv"
        ids_path.write_text("person_key\n")
        config = {**emulator.config(), **NO_LIMIT, "person_ids_file": str(ids_path)}
        config_path = write_json(directory, "tap-config.json", config)
        ours, base = tap_vibes_command(), module_command(BASELINE_MODULE)
        catalogs = {
            "tap-vibes wallet_items": (ours, {"wallet_items"}),
            "plain SDK tap wallet_items": (base, {"wallet_items"}),
            "tap-vibes persons": (ours, {"persons"}),
        }
        commands: dict[str, list[str]] = {}
        for name, (command, streams) in catalogs.items():
            catalog = select_only(discover(command, config_path), streams)
            catalog_path = write_json(directory, f"{len(commands)}-catalog.json", catalog)
            options = ["--config", str(config_path), "--catalog", str(catalog_path)]
            commands[name] = [*command, *options]
        for scale in SCALES:
            emulator.control.seed(persons=small * scale, seed=3)
            keys = [p["person_key"] for p in emulator.control.persons()]
            with ids_path.open("w", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["person_key"])
                writer.writerows([key] for key in keys[: max(1, len(keys) // PERSONS_FRACTION)])
            for name, command in commands.items():
                result = run_measured(command, timeout=300).check(name)
                runs[name].append({"scale": scale, "records": result.records,
                                   "peak_rss_mb": round(result.peak_rss_mb, 1)})  # fmt: skip
    return runs


def _target_runs(directory: Path, small: int) -> dict[str, list[dict[str, float]]]:
    runs: dict[str, list[dict[str, float]]] = {
        "target-vibes events (dry run)": [],
        "minimal SDK target": [],
    }
    with EmulatorProcess("--rate-limit", "0") as emulator:
        commands = target_commands(
            directory, emulator.config(), "target-vibes events (dry run)", "minimal SDK target"
        )
        for scale in SCALES:
            records = small * scale
            path = directory / f"events-{scale}.singer"
            write_input(path, records)
            for name, command in commands.items():
                result = run_measured(command, stdin_path=path, timeout=300).check(name)
                runs[name].append({"scale": scale, "records": records,
                                   "peak_rss_mb": round(result.peak_rss_mb, 1)})  # fmt: skip
            path.unlink()
    return runs


def run(small: int = 300, target_small: int = 1000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as folder:
        directory = Path(folder)
        runs = {**_tap_runs(directory, small), **_target_runs(directory, target_small)}
    figures = []
    for name, points in runs.items():
        tenfold, last = points[1], points[-1]
        growth = last["peak_rss_mb"] / tenfold["peak_rss_mb"]
        ours = not name.startswith(("plain", "minimal"))
        shown = ", ".join(f"{p['records']:,} rec: {p['peak_rss_mb']:.0f} MB" for p in points)
        figures.append(
            figure(
                "memory",
                f"peak RSS at 100x / at 10x the records: {name}",
                "MB",
                last["peak_rss_mb"],
                tenfold["peak_rss_mb"],
                ratio=growth,
                bar=f"<= {FLAT_BAR:g}x" if ours else "",
                met=(growth <= FLAT_BAR) if ours else None,
                note=f"{'flat' if growth <= FLAT_BAR else 'GROWS'} ({shown}); the Ours column "
                "is the 100x peak, the Baseline column the same program's 10x peak",
            )
        )
    details = {"small_persons": small, "small_target_records": target_small, "runs": runs}
    return {"figures": figures, "details": details}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory")
    parser.add_argument("--small", type=int, default=300, help="persons seeded in the 1x run")
    parser.add_argument("--target-small", type=int, default=1000, help="target records at 1x")
    parser.add_argument("--json", type=Path, help="also write the result to this file")
    args = parser.parse_args(argv)
    print_result(run(args.small, args.target_small), args.json)


if __name__ == "__main__":
    main()
