"""A minimal Singer SDK target with a no-op sink: the SDK's default reader and validation.

The baseline of ``benchmarks/target_read.py`` and ``benchmarks/memory.py``: it reads stdin
with the SDK's default reader, validates every record against its stream's schema, batches
it like any BatchSink and then does nothing with it.
Run: ``.venv/bin/python -m benchmarks.baseline_sdk_target --config FILE < input.singer``.
"""

from __future__ import annotations

from typing import Any

from singer_sdk import Target
from singer_sdk import typing as th
from singer_sdk.sinks import BatchSink


class NoopSink(BatchSink):
    def process_batch(self, context: dict[str, Any]) -> None:
        return None


class BaselineTarget(Target):
    name = "baseline-sdk-target"
    config_jsonschema = th.PropertiesList().to_dict()
    default_sink_class = NoopSink


if __name__ == "__main__":
    BaselineTarget.cli()
