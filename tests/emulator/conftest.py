"""Callers of the emulator's Vibes API for tests/emulator/test_api_*.py (unthrottled: these
tests check behaviour, not the rate limit)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.emulator.vibes_http import Api, unthrottled
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
