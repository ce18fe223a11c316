"""Persons upserts: target-vibes against Vibes' 100 requests/s limit, at 50 ms of latency.

Run: ``.venv/bin/python -m benchmarks.target_upserts [--persons N] [--rps R] [--json PATH]``.

One emulator subprocess (``--latency-ms 50 --rate-limit 100``). N warehouse-shaped contact
rows (external id, MDN, a custom field) go through target-vibes in this process (the
``listen()`` call is timed, so interpreter and SDK start-up are left out); each row is one
PUT by external id. Figures:

- requests/s as a share of the 100/s limit (bar: at least 95%), from the emulator's own
  request count over the run;
- the share of requests the emulator answered 429 (bar: under 1%);
- the speed-up over the same kind of writes sent one at a time (a plain sequential urllib
  loop of PUTs by external id, on a sample, against the same emulator in the same run).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import json
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks.support import LATENCY_MS, LIMIT, limit_figures, print_result
from target_vibes.target import TargetVibes
from vibes_emulator.testing import EmulatorProcess


def contact(index: int, prefix: str) -> dict[str, Any]:
    return {
        "external_person_id": f"{prefix}-{index}",
        "mdn": f"+1{2_000_000_000 + index * 7 + (1 if prefix == 'base' else 0) * 5_000_000}",
        "custom_fields__first_name": f"Name{index}",
    }


def singer_lines(count: int) -> str:
    schema = {"properties": {key: {"type": ["string", "null"]} for key in contact(0, "x")}}
    lines = [{"type": "SCHEMA", "stream": "contacts", "schema": schema, "key_properties": []}]
    lines.extend(
        {"type": "RECORD", "stream": "contacts", "record": contact(i, "bench")}
        for i in range(count)
    )
    lines.append({"type": "STATE", "value": {"contacts": count}})
    return "".join(json.dumps(line) + "\n" for line in lines)


def sequential_baseline(emulator: EmulatorProcess, sample: int) -> float:
    """Persons/s writing ``sample`` upserts one request at a time, waiting for each answer."""
    token = base64.b64encode(f"{emulator.username}:{emulator.password}".encode()).decode()
    headers = {
        "Authorization": f"Basic {token}",
        "X-API-Version": "2",
        "Content-Type": "application/json",
    }
    base = f"{emulator.url}/companies/{emulator.company_key}/mobiledb/persons/external"
    started = time.perf_counter()
    for index in range(sample):
        row = contact(index, "base")
        body = {
            "mobile_phone": {"mdn": row["mdn"]},
            "custom_fields": {"first_name": row["custom_fields__first_name"]},
        }
        url = f"{base}/{urllib.parse.quote(row['external_person_id'], safe='')}"
        request = urllib.request.Request(  # noqa: S310 - loopback
            url, data=json.dumps(body).encode(), headers=headers, method="PUT"
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            response.read()
    return sample / (time.perf_counter() - started)


def measure(persons: int, rps: float, sample: int) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="bench-target-") as folder,
        EmulatorProcess(
            "--latency-ms", str(LATENCY_MS), "--rate-limit", str(int(LIMIT))
        ) as emulator,
    ):
        config = {
            **emulator.config(),
            "streams": {"contacts": {"resource": "persons", "match_on": "external_person_id"}},
            "requests_per_second": rps,
            "max_concurrency": 32,
            "dead_letter_path": str(Path(folder) / "dead_letters.jsonl"),
            "progress_interval_seconds": 5,
        }
        text = singer_lines(persons)
        target = TargetVibes(config=config)
        emulator.control.reset_stats()
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            target.listen(io.StringIO(text))
        seconds = time.perf_counter() - started
        stats = emulator.control.stats()
        tally = target.context.outcomes.tallies()[0]
        baseline = sequential_baseline(emulator, sample)
    requests = int(stats["requests"])
    throttled = int(stats.get("by_status", {}).get("429", 0))
    written = tally.outcomes["written"]
    if written != persons:
        raise RuntimeError(f"target-vibes wrote {written} persons of {persons}")
    return {
        "persons": persons,
        "requests": requests,
        "answered_429": throttled,
        "target_seconds": round(seconds, 3),
        "target_requests_per_second": round(requests / seconds, 2),
        "target_persons_per_second": round(persons / seconds, 2),
        "configured_requests_per_second": rps,
        "baseline_sample": sample,
        "baseline_persons_per_second": round(baseline, 2),
    }


def run(persons: int = 2500, rps: float = 99.0, sample: int = 100) -> dict[str, Any]:
    """Measured details plus the report's figures."""
    details = measure(persons, rps, sample)
    figures = limit_figures(
        "target_upserts",
        requests_per_second=details["target_requests_per_second"],
        requests=details["requests"],
        answered_429=details["answered_429"],
        configured=details["configured_requests_per_second"],
        persons_per_second=details["target_persons_per_second"],
        baseline_persons_per_second=details["baseline_persons_per_second"],
        who="target-vibes",
        what="one write at a time",
        note=f"{details['persons']} upserts by external id, {LATENCY_MS} ms latency",
        baseline_note=f"baseline: sequential PUTs of {details['baseline_sample']} similar rows",
    )
    return {"figures": figures, "details": details}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.target_upserts")
    parser.add_argument("--persons", type=int, default=2500, help="contact rows to upsert")
    parser.add_argument("--rps", type=float, default=99.0, help="target requests_per_second")
    parser.add_argument("--sample", type=int, default=100, help="rows for the sequential baseline")
    parser.add_argument("--json", type=Path, help="also write the result to this file")
    args = parser.parse_args(argv)
    print_result(run(args.persons, args.rps, args.sample), args.json)


if __name__ == "__main__":
    main()
