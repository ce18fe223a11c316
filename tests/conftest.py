"""Shared fixtures: the emulator over loopback, in-process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from vibes_emulator.testing import RunningEmulator

SEEDED_PERSONS = 300
SEED_VALUE = 7


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    """A fresh emulator: company "demo" (demo/demo) with its custom fields, no data."""
    with RunningEmulator() as running:
        yield running


@pytest.fixture(scope="module")
def seeded_emulator() -> Iterator[RunningEmulator]:
    """An emulator seeded with 300 persons (seed 7), shared by a module: do not mutate it."""
    with RunningEmulator(seed=SEEDED_PERSONS, seed_value=SEED_VALUE) as running:
        yield running
