"""Running target-vibes against the emulator from tests: in-process and as the CLI."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from target_vibes.target import TargetVibes
from tests.vibes_reader import VibesReader

DATA = Path(__file__).parent / "data"


@dataclass
class Run:
    """What one in-process run left behind."""

    target: TargetVibes
    states: list[dict[str, Any]]
    failure: BaseException | None
    dead_letters: list[dict[str, Any]] = field(default_factory=list)


def target_config(emulator: Any, tmp_path: Path, **extra: Any) -> dict[str, Any]:
    config = {
        **emulator.config(),
        "dead_letter_path": str(tmp_path / "dead_letters.jsonl"),
        "max_retries": 2,
        "backoff_base_seconds": 0.01,
        **extra,
    }
    return config


def read_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def messages_text(source: Path | list[Any]) -> str:
    """A file's text, or messages (dicts, or raw lines as text) one per line."""
    if isinstance(source, Path):
        return source.read_text()
    return "".join((m if isinstance(m, str) else json.dumps(m)) + "\n" for m in source)


def run_target(config: dict[str, Any], source: Path | list[Any]) -> Run:
    """Run the target in this process; STATE lines are collected from its stdout."""
    target = TargetVibes(config=config)
    out = io.StringIO()
    failure: BaseException | None = None
    with contextlib.redirect_stdout(out):
        try:
            target.listen(io.StringIO(messages_text(source)))
        except Exception as error:
            failure = error
    states = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    dead = read_lines(Path(config["dead_letter_path"]))
    return Run(target=target, states=states, failure=failure, dead_letters=dead)


def run_cli(
    config: dict[str, Any], source: Path, tmp_path: Path, *extra_args: str
) -> subprocess.CompletedProcess[str]:
    """Run the target-vibes command on a file of Singer messages."""
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    command = [sys.executable, "-m", "target_vibes.target", "--config", str(config_path)]
    return subprocess.run(
        [*command, "--input", str(source), *extra_args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


# The shared reader (tests/vibes_reader.py), made from an emulator:
# ``Api(emulator)`` or ``Api(emulator, company_key, (username, password))``.
Api = VibesReader.of


def writes(stats: dict[str, Any]) -> int:
    """Requests the emulator answered that were not reads."""
    return sum(
        count for route, count in stats.get("by_route", {}).items() if not route.startswith("GET")
    )
