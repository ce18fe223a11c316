"""``python -m benchmarks.baseline_sdk_tap --config FILE [--catalog FILE]``."""

from __future__ import annotations

from benchmarks.baseline_sdk_tap.tap import BaselineTap

if __name__ == "__main__":
    BaselineTap.cli()
