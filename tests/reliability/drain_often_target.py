"""target-vibes with the SDK's periodic drain shortened, for the crash tests.

The Singer SDK emits a target's STATE when it drains every sink: at the end of the input,
on a new schema, and once buffered records are ``_MAX_RECORD_AGE_IN_MINUTES`` old (five
minutes). A crash test cannot wait five minutes for a resume point, so this runs the real
target with that age set from ``VIBES_TEST_DRAIN_MINUTES`` (default 0: drain after
every record); nothing else changes.

    python -m tests.reliability.drain_often_target --config config.json < input.singer
"""

from __future__ import annotations

import os

from target_vibes.target import TargetVibes


class DrainOftenTarget(TargetVibes):
    _MAX_RECORD_AGE_IN_MINUTES = float(os.environ.get("VIBES_TEST_DRAIN_MINUTES", "0"))


if __name__ == "__main__":
    DrainOftenTarget.cli()
