"""The benchmark machinery: measured subprocesses, the baseline tap, the report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from benchmarks import report
from benchmarks.list_streams import BASELINE_MODULE
from benchmarks.support import (
    discover,
    figure,
    module_command,
    run_measured,
    select_only,
    tap_vibes_command,
    write_json,
)
from vibes_emulator.testing import RunningEmulator

LINES = 120_000  # several 1 MiB chunks, so marks straddle chunk edges


def test_run_measured_counts_record_lines_across_chunks_and_takes_own_rss() -> None:
    record = '{"type":"RECORD","stream":"s","record":{"i":%d}}'
    script = (
        "import sys\n"
        f"for i in range({LINES}):\n"
        f"    sys.stdout.write('{record}\\n' % i)\n"
        'sys.stdout.write(\'{"type":"STATE","value":{}}\\n\')\n'
    )
    result = run_measured([sys.executable, "-c", script], timeout=60).check("writer")
    assert result.records == LINES
    assert result.returncode == 0
    assert 0 < result.streaming_seconds <= result.wall_seconds
    assert 5 < result.peak_rss_mb < 500


def test_run_measured_kills_a_program_that_overruns_its_timeout() -> None:
    result = run_measured([sys.executable, "-c", "import time; time.sleep(60)"], timeout=1)
    assert result.returncode < 0  # killed by the watchdog, not finished
    assert result.wall_seconds < 30


def test_baseline_tap_reads_the_same_wallet_items_as_tap_vibes(tmp_path: Path) -> None:
    with RunningEmulator(seed=300, seed_value=7, rate_limit=0) as emulator:
        config = write_json(tmp_path, "config.json", emulator.config())
        counts = {}
        for name, command in (
            ("tap-vibes", tap_vibes_command()),
            ("baseline", module_command(BASELINE_MODULE)),
        ):
            catalog = select_only(discover(command, config), {"wallet_items"})
            catalog_path = write_json(tmp_path, f"{name}.json", catalog)
            options = ["--config", str(config), "--catalog", str(catalog_path)]
            counts[name] = run_measured([*command, *options], timeout=120).check(name).records
    assert counts["tap-vibes"] == counts["baseline"] > 100


def test_report_marks_bars_and_failures(tmp_path: Path) -> None:
    results = [
        {
            "name": "list_streams",
            "seconds": 12.0,
            "figures": [
                figure(
                    "list_streams",
                    "records/s",
                    "records/s",
                    9000,
                    3000,
                    bar=">= 3x",
                    minimum_ratio=3.0,
                ),
                figure(
                    "list_streams",
                    "share",
                    "share",
                    90,
                    100,
                    ratio=0.9,
                    bar=">= 95%",
                    met=False,
                ),
            ],
            "details": {"records": 10},
        },
        {"name": "memory", "seconds": 3.0, "error": "timed out after 5 s"},
    ]
    path = report.write(results, total_seconds=15.0, docs=tmp_path)
    text = path.read_text()
    row = "| list_streams | records/s | 9,000 records/s | 3,000 records/s | 3.00x | >= 3x |"
    assert f"{row} **met** |" in text
    assert "| 90.0% | >= 95% | **NOT met** |" in text
    assert "| memory | did not finish (see notes) |" in text
    assert "timed out after 5 s" in text
    assert "bars met: 1 of 2" in text
    assert json.loads(text.split("```json\n", 1)[1].split("```", 1)[0]) == {"records": 10}
    plotted = (tmp_path / report.PLOT_NAME).exists()
    assert plotted == ("![Benchmark ratios]" in text)
