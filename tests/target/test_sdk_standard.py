"""The Singer SDK's standard target tests, run against the emulator.

The standard streams have arbitrary names (test_camelcase, test_user_location...), so the
target runs with ``unknown_streams: skip``: the suite then checks what the SDK owns --
message parsing, schema handling, STATE relay, key properties, CLI output -- through
target-vibes' own sinks and settings. No test is excluded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from singer_sdk.testing import get_target_test_class
from singer_sdk.testing.runners import TargetTestRunner

from target_vibes.target import TargetVibes

_PLACEHOLDER = {"company_key": "unused", "username": "unused", "password": "unused"}

StandardTargetTests = get_target_test_class(TargetVibes, config=_PLACEHOLDER)


class TestTargetVibesStandard(StandardTargetTests):  # type: ignore[misc,valid-type]
    """Every standard target test, with a runner pointed at a fresh emulator."""

    @pytest.fixture
    def runner(self, emulator: Any, tmp_path: Path) -> TargetTestRunner:
        config = {
            **emulator.config(),
            "unknown_streams": "skip",
            "dead_letter_path": str(tmp_path / "dead_letters.jsonl"),
        }
        return TargetTestRunner(target_class=TargetVibes, config=config)
