"""How close vibes_api gets to Vibes' rate limit when reading persons one key at a time.

Against the emulator with 50 ms latency and the documented 100 requests/s limit, reads the
same persons twice through AsyncRunner.map_ordered: once one request at a time (the baseline,
what a synchronous tap does) and once with many in flight under the client's limiter. Prints
throughput, the share of the limit reached and the share of requests answered 429.

    .venv/bin/python benchmarks/client_concurrency.py [--persons 600] [--rps 98]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from vibes_api import AsyncRunner, VibesSettings, quote_id
from vibes_emulator.testing import RunningEmulator

LIMIT = 100.0


def hydrate(
    emulator: RunningEmulator, keys: list[str], rps: float, concurrency: int
) -> dict[str, Any]:
    settings = VibesSettings.from_config(
        {**emulator.config(), "requests_per_second": rps, "max_concurrency": concurrency}
    )
    emulator.control.reset_stats()
    with AsyncRunner() as runner:
        client = runner.client(settings)

        async def read(key: str) -> Any:
            return await client.get(f"/mobiledb/persons/{quote_id(key)}")

        started = time.perf_counter()
        persons = list(runner.map_ordered(read, keys, window=concurrency * 2))
        elapsed = time.perf_counter() - started
        snapshot = client.metrics.snapshot()
    assert [p["person_key"] for p in persons] == keys
    server = emulator.control.stats()
    throttled = server["by_status"].get("429", 0)
    return {
        "persons": len(persons),
        "seconds": elapsed,
        "persons_per_second": len(persons) / elapsed,
        "requests": server["requests"],
        "throttled_share": throttled / max(1, server["requests"]),
        "retries": snapshot["retries"],
        "p95_latency_ms": (snapshot["latency"]["p95_seconds"] or 0) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=600)
    parser.add_argument("--baseline-persons", type=int, default=60)
    parser.add_argument("--rps", type=float, default=98.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    with RunningEmulator(seed=args.persons, latency_ms=args.latency_ms) as emulator:
        keys = [p["person_key"] for p in emulator.control.persons()][: args.persons]
        baseline = hydrate(emulator, keys[: args.baseline_persons], rps=args.rps, concurrency=1)
        concurrent = hydrate(emulator, keys, rps=args.rps, concurrency=args.concurrency)
    for name, result in (("one at a time", baseline), ("concurrent", concurrent)):
        print(
            f"{name:>14}: {result['persons']} persons in {result['seconds']:.2f} s = "
            f"{result['persons_per_second']:.1f}/s ({result['persons_per_second'] / LIMIT:.0%} "
            f"of {LIMIT:.0f}/s), 429s {result['throttled_share']:.2%} of "
            f"{result['requests']} requests, p95 {result['p95_latency_ms']:.0f} ms"
        )
    speedup = concurrent["persons_per_second"] / baseline["persons_per_second"]
    print(f"speedup: {speedup:.1f}x")
    reached = concurrent["persons_per_second"] / LIMIT
    ok = reached >= 0.95 and concurrent["throttled_share"] < 0.01
    print(f"bar (>=95% of limit, <1% 429s): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
