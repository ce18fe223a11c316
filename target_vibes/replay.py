"""Send dead letters again, after the cause of their rejection is fixed.

    target-vibes-replay --config config.json dead_letters.jsonl
    python -m target_vibes.replay --config config.json dead_letters.jsonl

The dead letters become Singer messages for their original streams (as the sinks saw
them, so stream maps are not applied a second time) and run through target-vibes with the
same config. Records rejected again land in the configured dead-letter file; when that is
the file being replayed, it is first renamed to ``<name>.replayed-<UTC time>`` so nothing
is overwritten. Dead letters marked ``replay_safe: false`` (a broadcast or wallet message
that Vibes may already have created) are held back unless ``--include-unsafe`` is given:
check Vibes first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from target_vibes.dead_letters import (
    DEFAULT_PATH,
    DeadLetter,
    DeadLetterFileError,
    read_dead_letters,
)
from target_vibes.failures import TargetVibesFailure
from vibes_api.version import add_version_option


def singer_messages(letters: Iterable[DeadLetter]) -> list[str]:
    """SCHEMA + RECORD lines per stream; the schema accepts every column the records have."""
    by_stream: dict[str, list[dict[str, Any]]] = {}
    for letter in letters:
        by_stream.setdefault(letter.stream, []).append(letter.record)
    lines: list[str] = []
    for stream, records in by_stream.items():
        columns = sorted({column for record in records for column in record})
        schema = {"type": "object", "properties": {column: {} for column in columns}}
        message = {"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": []}
        lines.append(json.dumps(message))
        lines.extend(
            json.dumps({"type": "RECORD", "stream": stream, "record": record}) for record in records
        )
    return lines


def replay(
    config: dict[str, Any], dead_letter_file: str | Path, *, include_unsafe: bool = False
) -> tuple[int, int]:
    """Replay a dead-letter file; returns (records sent again, records held back)."""
    from target_vibes.target import TargetVibes  # the CLI imports this module first

    source = Path(dead_letter_file)
    letters = list(read_dead_letters(source))
    ready = [letter for letter in letters if letter.replay_safe or include_unsafe]
    held = len(letters) - len(ready)
    run_config = {key: value for key, value in config.items() if key != "stream_maps"}
    target_path = Path(run_config.get("dead_letter_path", DEFAULT_PATH))
    if ready and target_path.exists() and target_path.resolve() == source.resolve():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        source.rename(source.with_name(f"{source.name}.replayed-{stamp}"))
    if ready:
        target = TargetVibes(config=run_config)
        target.listen(io.StringIO("\n".join(singer_messages(ready)) + "\n"))
    return len(ready), held


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="target-vibes-replay", description="Send target-vibes dead letters again."
    )
    add_version_option(parser)
    parser.add_argument("--config", required=True, help="target-vibes config JSON file")
    parser.add_argument("dead_letters", help="dead-letter JSON-lines file to replay")
    parser.add_argument(
        "--include-unsafe",
        action="store_true",
        help="also replay creates Vibes may already have made (check Vibes first)",
    )
    args = parser.parse_args(argv)
    config = json.loads(Path(args.config).read_text())
    try:
        sent, held = replay(config, args.dead_letters, include_unsafe=args.include_unsafe)
    except (DeadLetterFileError, TargetVibesFailure, OSError) as failure:
        print(f"target-vibes-replay: {failure}", file=sys.stderr)
        return 1
    print(f"target-vibes-replay: {sent} record(s) sent again", file=sys.stderr)
    if held:
        print(
            f"target-vibes-replay: {held} record(s) held back (replay_safe false: Vibes may "
            "already have created them; check, then rerun with --include-unsafe)",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
