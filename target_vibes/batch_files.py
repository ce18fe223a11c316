"""BATCH messages: the records of a tap's batch files, read as if they were RECORD lines.

tap-vibes (like any SDK tap with ``batch_config``) may send a stream as BATCH messages that
name JSON-lines files instead of RECORD lines. The SDK's own sink path hands those records
to ``process_batch`` raw, skipping the stream maps, schema checks, mapping and key checks a
RECORD goes through; target-vibes instead feeds each record through the RECORD path, so a
record behaves the same whichever way it arrived (tests/target/test_batch_messages.py).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import orjson
from singer_sdk.helpers._batch import BaseBatchFileEncoding, BatchFileFormat, StorageTarget


class UnsupportedBatch(ValueError):
    """A BATCH message in a format target-vibes cannot read."""


def batch_records(encoding: dict[str, Any], manifest: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Every record of a BATCH message's files, in manifest order."""
    parsed = BaseBatchFileEncoding.from_dict(encoding)
    if parsed.format != BatchFileFormat.JSONL:
        raise UnsupportedBatch(
            f"BATCH files in format {parsed.format!r} cannot be read; send jsonl batch files "
            "(batch_config encoding format jsonl) or RECORD messages"
        )
    for url in manifest:
        head, tail = StorageTarget.split_url(url)
        with StorageTarget.from_url(head).open(tail, mode="rb") as raw:
            if parsed.compression == "gzip":
                with gzip.open(raw) as unzipped:
                    yield from _json_lines(unzipped)
            else:
                yield from _json_lines(raw)


def _json_lines(lines: Iterable[bytes]) -> Iterator[dict[str, Any]]:
    for line in lines:
        if line.strip():
            yield orjson.loads(line)
