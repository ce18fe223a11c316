"""tap-vibes with the SDK's STATE cadence shortened, for the mid-stream resume tests.

The Singer SDK writes a tap's STATE every ``STATE_MSG_FREQUENCY`` records (10,000). A test
that kills a run in the middle of a stream of a few hundred records needs checkpoints
sooner, so this runs the real tap with that number from ``VIBES_TEST_STATE_EVERY``
(default 5); nothing else changes.

    python -m tests.reliability.state_often_tap --config config.json [--state state.json]
"""

from __future__ import annotations

import os

from tap_vibes.streams.base import VibesStream
from tap_vibes.tap import TapVibes

VibesStream.STATE_MSG_FREQUENCY = int(os.environ.get("VIBES_TEST_STATE_EVERY", "5"))

if __name__ == "__main__":
    TapVibes.cli()
