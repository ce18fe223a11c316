"""Persons hydration: tap-vibes against Vibes' 100 requests/s limit, at 50 ms of latency.

Run: ``.venv/bin/python -m benchmarks.persons_hydration [--persons N] [--rps R] [--json PATH]``.

One emulator subprocess (``--latency-ms 50 --rate-limit 100``) seeded with N persons. The
ids file names every person (by key, external id and MDN in turn); tap-vibes runs as a
subprocess with only ``persons`` selected and its own limit at ``--rps``. Figures:

- requests/s as a share of the 100/s limit (bar: at least 95%), taken over the streaming
  time (first byte on stdout to the end, so interpreter start-up is left out);
- the share of requests the emulator answered 429 (bar: under 1%), from its own stats;
- the speed-up over the same ids read one request at a time (a plain sequential urllib
  loop, on a sample, measured in the same run against the same emulator).
"""

from __future__ import annotations

import argparse
import base64
import csv
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.support import (
    LATENCY_MS,
    LIMIT,
    discover,
    limit_figures,
    print_result,
    run_measured,
    select_only,
    tap_vibes_command,
    write_json,
)
from vibes_emulator.testing import EmulatorProcess

KINDS = ("person_key", "external_person_id", "mdn")


def write_ids(path: Path, persons: list[dict[str, Any]]) -> list[tuple[str, str]]:
    ids: list[tuple[str, str]] = []
    for index, person in enumerate(persons):
        kind = KINDS[index % 3]
        ids.append(
            (kind, person[kind]) if person.get(kind) else ("person_key", person["person_key"])
        )
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(KINDS)
        for kind, value in ids:
            writer.writerow([value if k == kind else "" for k in KINDS])
    return ids


def sequential_baseline(emulator: EmulatorProcess, ids: list[tuple[str, str]]) -> float:
    """Persons/s reading ``ids`` one request at a time, waiting for each answer."""
    token = base64.b64encode(f"{emulator.username}:{emulator.password}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "X-API-Version": "2"}
    base = f"{emulator.url}/companies/{emulator.company_key}/mobiledb/persons"
    started = time.perf_counter()
    for kind, value in ids:
        quoted = urllib.parse.quote(value, safe="")
        if kind == "person_key":
            url = f"{base}/{quoted}"
        elif kind == "external_person_id":
            url = f"{base}/external/{quoted}"
        else:
            url = f"{base}?mdn={quoted}"
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            response.read()
    return len(ids) / (time.perf_counter() - started)


def measure(persons: int, rps: float, sample: int) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="bench-persons-") as folder,
        EmulatorProcess(
            "--seed",
            str(persons),
            "--latency-ms",
            str(LATENCY_MS),
            "--rate-limit",
            str(int(LIMIT)),
        ) as emulator,
    ):
        directory = Path(folder)
        everyone = emulator.control.persons()
        ids = write_ids(directory / "ids.csv", everyone)
        config = {
            **emulator.config(),
            "person_ids_file": str(directory / "ids.csv"),
            "requests_per_second": rps,
            "max_concurrency": 32,
        }
        config_path = write_json(directory, "config.json", config)
        command = tap_vibes_command()
        catalog = select_only(discover(command, config_path), {"persons"})
        catalog_path = write_json(directory, "catalog.json", catalog)
        emulator.control.reset_stats()
        tap = run_measured(
            [*command, "--config", str(config_path), "--catalog", str(catalog_path)],
            timeout=600,
        ).check("tap-vibes")
        stats = emulator.control.stats()
        baseline = sequential_baseline(emulator, ids[:sample])
    requests = int(stats["requests"])
    throttled = int(stats.get("by_status", {}).get("429", 0))
    if tap.records != len(ids):
        raise RuntimeError(f"tap-vibes emitted {tap.records} persons of {len(ids)}")
    return {
        "persons": len(ids),
        "requests": requests,
        "answered_429": throttled,
        "tap_requests_per_second": round(requests / tap.streaming_seconds, 2),
        "tap_persons_per_second": round(tap.records / tap.streaming_seconds, 2),
        "tap_streaming_seconds": round(tap.streaming_seconds, 3),
        "tap_wall_seconds": round(tap.wall_seconds, 3),
        "tap_peak_rss_mb": round(tap.peak_rss_mb, 1),
        "configured_requests_per_second": rps,
        "baseline_sample": sample,
        "baseline_persons_per_second": round(baseline, 2),
    }


def run(persons: int = 2500, rps: float = 100.0, sample: int = 100) -> dict[str, Any]:
    """Measured details plus the report's figures."""
    details = measure(persons, rps, sample)
    figures = limit_figures(
        "persons_hydration",
        requests_per_second=details["tap_requests_per_second"],
        requests=details["requests"],
        answered_429=details["answered_429"],
        configured=details["configured_requests_per_second"],
        persons_per_second=details["tap_persons_per_second"],
        baseline_persons_per_second=details["baseline_persons_per_second"],
        who="tap-vibes",
        what="one request at a time",
        note=f"{details['persons']} persons, {LATENCY_MS} ms latency, limit {LIMIT:g}/s",
        baseline_note=f"baseline: sequential GETs on {details['baseline_sample']} of the same ids",
    )
    return {"figures": figures, "details": details}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.persons_hydration")
    parser.add_argument("--persons", type=int, default=2500, help="persons to seed and read")
    parser.add_argument("--rps", type=float, default=100.0, help="tap-vibes requests_per_second")
    parser.add_argument("--sample", type=int, default=100, help="ids for the sequential baseline")
    parser.add_argument("--json", type=Path, help="also write the result to this file")
    args = parser.parse_args(argv)
    print_result(run(args.persons, args.rps, args.sample), args.json)


if __name__ == "__main__":
    main()
