"""The sink of a stream that maps to no resource while unknown_streams is `skip`."""

from __future__ import annotations

from typing import Any

from singer_sdk.sinks import BatchSink


class SkippedStreamSink(BatchSink):
    """Counts the stream's records and writes nothing; says so once."""

    def setup(self) -> None:
        super().setup()
        self.skipped = 0
        self.logger.info(
            "stream %s maps to no Vibes resource; skipping it (unknown_streams is skip)",
            self.stream_name,
        )

    def process_record(self, record: dict, context: dict) -> None:
        self.skipped += 1

    def process_batch(self, context: dict[str, Any]) -> None:
        return None

    def clean_up(self) -> None:
        self.logger.info("stream %s skipped: %d records", self.stream_name, self.skipped)
        super().clean_up()
