"""The Singer SDK's standard tap test suite, against a seeded emulator over loopback.

The SDK builds the test class from a config at import time, so this module starts its own
emulator when it is imported (60 persons, seed 7, no rate limit) and writes a person ids
file naming persons by key, external id and MDN and a file of its incentive codes; both are
cleaned up at module teardown (or at exit, if the module is only collected). Records are
capped per stream to keep the suite quick: it runs the tap several times (discovery,
connection test, a capped sync).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from singer_sdk.testing import SuiteConfig, get_tap_test_class

from tap_vibes.tap import TapVibes
from tests.files.busy_store import busy_store
from tests.tap.harness import write_codes_file, write_ids_file
from vibes_emulator.files.extracts import ExtractWriter
from vibes_emulator.testing import RunningEmulator

_EMULATOR = RunningEmulator(seed=60, seed_value=7, rate_limit=0).start()
_FOLDER = Path(tempfile.mkdtemp(prefix="tap-vibes-suite-"))


def _cleanup() -> None:
    _EMULATOR.stop()
    shutil.rmtree(_FOLDER, ignore_errors=True)


atexit.register(_cleanup)

CONFIG = {
    **_EMULATOR.config(),
    "person_ids_file": str(write_ids_file(_FOLDER / "ids.csv", _EMULATOR.control.persons()[:30])),
    "incentive_codes_file": str(
        write_codes_file(
            _FOLDER / "codes.csv", [c["code"] for c in _EMULATOR.control.incentive_codes()]
        )
    ),
    "requests_per_second": 1000,
    "start_date": "2000-01-01T00:00:00Z",
}


@pytest.fixture(scope="module", autouse=True)
def _stop_the_emulator_after_the_module() -> Iterator[None]:
    yield
    _cleanup()


TestTapVibes = get_tap_test_class(
    TapVibes, config=CONFIG, suite_config=SuiteConfig(max_records_limit=25)
)


def _extracts_of_the_same_company() -> str:
    """The extract files of a store seeded as the emulator is (same persons) and then
    busy for a few hours, so every extract stream (the analytics ones among them) has
    records for the suite."""
    store, _ = busy_store(7, persons=60, start=time.time())
    ExtractWriter(store, _FOLDER).write(date(2024, 3, 1))
    return str(_FOLDER / "files" / "out")


EXTRACTS_CONFIG = {
    **_EMULATOR.config(),
    "extracts_path": _extracts_of_the_same_company(),
    "incentive_codes_file": CONFIG["incentive_codes_file"],
    "requests_per_second": 1000,
    "start_date": "2000-01-01T00:00:00Z",
}

TestTapVibesExtracts = get_tap_test_class(
    TapVibes, config=EXTRACTS_CONFIG, suite_config=SuiteConfig(max_records_limit=25)
)
