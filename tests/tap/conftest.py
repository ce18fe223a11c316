"""Fixtures of the tap tests: an ids file and one full run against the shared seeded emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.tap.harness import TapRun, run_tap, write_ids_file
from tests.vibes_reader import VibesReader
from vibes_emulator.testing import RunningEmulator

UNKNOWN_IDS = 3


@pytest.fixture(scope="module")
def seeded_persons(seeded_emulator: RunningEmulator) -> list[dict[str, Any]]:
    return seeded_emulator.control.persons()


@pytest.fixture(scope="module")
def seeded_ids_file(
    seeded_persons: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    path = tmp_path_factory.mktemp("ids") / "person_ids.csv"
    return write_ids_file(path, seeded_persons, unknown=UNKNOWN_IDS)


@pytest.fixture(scope="module")
def seeded_run(seeded_emulator: RunningEmulator, seeded_ids_file: Path) -> TapRun:
    """One full run with the default settings (90 requests/s against Vibes' 100/s)."""
    seeded_emulator.control.reset_stats()
    run = run_tap({**seeded_emulator.config(), "person_ids_file": str(seeded_ids_file)})
    run.emulator_stats = seeded_emulator.control.stats()
    return run


@pytest.fixture(scope="module")
def direct(seeded_emulator: RunningEmulator) -> VibesReader:
    e = seeded_emulator
    return VibesReader.of(e)


def reader_for(emulator: RunningEmulator) -> VibesReader:
    return VibesReader.of(emulator)
