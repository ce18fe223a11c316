"""Fixtures of tests/emulator: callers of the emulator's Vibes API for test_api_*.py
(unthrottled: these tests check behaviour, not the rate limit), and a seeded in-memory
store on a manual clock for test_store_*.py (a module may override either)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.emulator.vibes_http import Api, unthrottled
from vibes_emulator.store import ManualClock, Store
from vibes_emulator.testing import RunningEmulator


@pytest.fixture
async def api(emulator: RunningEmulator) -> AsyncIterator[Api]:
    """Calls the function-scoped ``emulator`` (a module may override it to seed first)."""
    async with aiohttp.ClientSession() as session:
        yield Api(session, unthrottled(emulator))


@pytest.fixture
async def seeded(seeded_emulator: RunningEmulator) -> AsyncIterator[Api]:
    """Calls the shared ``seeded_emulator`` (read only)."""
    async with aiohttp.ClientSession() as session:
        yield Api(session, unthrottled(seeded_emulator))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=1_750_000_000.0)


@pytest.fixture
def store(clock: ManualClock) -> Store:
    """An in-memory store of 200 seeded persons (seed 5) on the manual ``clock``."""
    store = Store.open(None, clock=clock)
    store.seed(200, seed=5)
    return store
