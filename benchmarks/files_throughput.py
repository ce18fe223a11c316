"""Batch files: reading a million-row extract, applying a 100,000-person import file.

Run: ``.venv/bin/python -m benchmarks.files_throughput [--rows N] [--persons N] [--json PATH]``.

1. A Current Subscriber Extract of ``--rows`` rows (default 1,000,000) is written streaming
   and read back with tap-vibes' extract reader (rows -> subscriber records) in a
   subprocess, whose peak RSS is its own (``os.wait4``). Baseline, same file, same run: a
   bare ``csv.reader`` loop. A tenth-size file shows whether memory stays flat.
2. A ``.persons`` import file of ``--persons`` rows (default 100,000), written by
   target-vibes' import formatter, is applied by the emulator's import processor (every
   row through the store's person rules), in a subprocess. Beside it: the API path for the
   same persons, measured on a sample through target-vibes against an emulator that
   enforces Vibes' documented 100 requests/s, and extrapolated (one request per person).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.support import REPO, figure
from vibes_emulator.files.formats import CURRENT_SUBSCRIBER_COLUMNS, write_tsv

READ_TAP = """
import sys, time
from tap_vibes.sources.extract_files import LocalExtracts, select_extracts
from tap_vibes.sources.extracts import read_records, subscriber_plan
source = LocalExtracts(sys.argv[1])
plan = subscriber_plan(select_extracts(source.names(), "bench"), None)
bad = []
start = time.perf_counter()
count = sum(1 for _ in read_records(source, plan, lambda f, n, r: bad.append(n)))
print(count, time.perf_counter() - start, len(bad))
"""
READ_CSV = """
import csv, sys, time
from pathlib import Path
start = time.perf_counter()
count = 0
for path in Path(sys.argv[1]).iterdir():
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\\t")
        next(reader)
        count += sum(1 for _ in reader)
print(count, time.perf_counter() - start, 0)
"""
APPLY_IMPORT = """
import sys, time
from pathlib import Path
from vibes_emulator.files.imports import ImportProcessor
from vibes_emulator.store.facade import Store
store = Store.open(None)
processor = ImportProcessor(store, sys.argv[1])
start = time.perf_counter()
result = processor.process(Path(sys.argv[2]))
print(result["rows"], time.perf_counter() - start, result["failed"])
"""


def _measured(code: str, *args: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter; (rows, seconds, bad) it prints, and its peak RSS."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, env=env)
    assert process.stdout is not None
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    process.stdout.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({process.returncode})")
    rows, seconds, bad = output.split()
    return {
        "rows": float(rows),
        "seconds": float(seconds),
        "bad": float(bad),
        "rows_per_second": float(rows) / float(seconds),
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }


def _snapshot_rows(count: int) -> Any:
    for n in range(count):
        national = f"{2000000000 + n:010d}"
        yield {
            "mdn": national,
            "person_id": f"{n:08x}-0000-4000-8000-{n:012x}",
            "external_person_id": f"crm-{n:08d}",
            "carrier_code": "383",
            "mdn_e164_format": f"+1{national}",
            "country_code": "1",
            "subscription_list_id": str(1200 + n % 7),
        }


def write_extract(directory: Path, rows: int) -> float:
    directory.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    path = directory / "current_subscribers_bench_2024-01-01.txt"
    with path.open("w", encoding="utf-8", newline="") as handle:
        write_tsv(handle, CURRENT_SUBSCRIBER_COLUMNS, _snapshot_rows(rows))
    return time.perf_counter() - start


def write_person_import(path: Path, persons: int) -> None:
    from target_vibes.file_imports.formats import write_import

    rows = (
        {"external_person_id": f"bulk-{n}", "mdn": f"+1{3000000000 + n:010d}",
         "first_name": f"Name {n}"}
        for n in range(persons)
    )  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as handle:
        write_import(handle, ["external_person_id", "mdn", "first_name"], rows)


def api_sample_rate(persons: int) -> float:
    """Persons/s through target-vibes' API path, Vibes' documented limit enforced."""
    from vibes_emulator.testing import EmulatorProcess

    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory() as folder:
        config = {**emulator.config(), "dead_letter_path": f"{folder}/dead.jsonl"}
        config_path = Path(folder) / "config.json"
        config_path.write_text(json.dumps(config))
        lines = [
            json.dumps({"type": "SCHEMA", "stream": "persons", "key_properties": [],
                        "schema": {"type": "object", "properties": {}}}),
            *(
                json.dumps({"type": "RECORD", "stream": "persons", "record": {
                    "external_person_id": f"api-{n}", "mdn": f"+1{4000000000 + n:010d}",
                    "custom_fields": {"first_name": f"Name {n}"}}})
                for n in range(persons)
            ),
        ]  # fmt: skip
        source = Path(folder) / "input.jsonl"
        source.write_text("\n".join(lines) + "\n")
        start = time.perf_counter()
        subprocess.run(
            [str(Path(sys.executable).parent / "target-vibes"), "--config", str(config_path),
             "--input", str(source)],
            check=True, capture_output=True, timeout=600,
        )  # fmt: skip
        return persons / (time.perf_counter() - start)


def run(rows: int = 1_000_000, persons: int = 100_000, api_sample: int = 1000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="vibes-files-bench-") as folder:
        root = Path(folder)
        write_seconds = write_extract(root / "big", rows)
        write_extract(root / "small", max(1, rows // 10))
        tap_big = _measured(READ_TAP, str(root / "big"))
        tap_small = _measured(READ_TAP, str(root / "small"))
        plain = _measured(READ_CSV, str(root / "big"))
        (root / "files" / "in").mkdir(parents=True)
        import_path = root / "files" / "in" / "bulk.persons"
        write_person_import(import_path, persons)
        applied = _measured(APPLY_IMPORT, str(root), str(import_path))
    api_rate = api_sample_rate(api_sample)
    return {
        "rows": rows,
        "extract_write_rows_per_second": rows / write_seconds,
        "tap_read": tap_big,
        "tap_read_tenth": tap_small,
        "csv_baseline": plain,
        "import": applied,
        "api_sample": {"persons": api_sample, "persons_per_second": api_rate},
        "api_hours_for_import": persons / api_rate / 3600,
    }


def figures(data: dict[str, Any]) -> list[dict[str, Any]]:
    tap, plain = data["tap_read"], data["csv_baseline"]
    small = data["tap_read_tenth"]
    imported, api = data["import"], data["api_sample"]["persons_per_second"]
    return [
        figure("files_throughput", "extract read rows/s (vs bare csv.reader)", "rows/s",
               tap["rows_per_second"], plain["rows_per_second"]),
        figure("files_throughput", "extract read peak RSS MB (vs tenth-size file)", "MB",
               tap["peak_rss_mb"], small["peak_rss_mb"], bar="<= 1.2x",
               met=tap["peak_rss_mb"] <= 1.2 * small["peak_rss_mb"]),
        figure("files_throughput", "person import rows/s (vs API path at 100 req/s)", "rows/s",
               imported["rows_per_second"], api),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--api-sample", type=int, default=1000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    data = run(args.rows, args.persons, args.api_sample)
    data["figures"] = figures(data)
    text = json.dumps(data, indent=2)
    if args.json:
        args.json.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
