"""``python -m vibes_callbacks`` is ``vibes-callbacks``."""

from __future__ import annotations

import sys

from vibes_callbacks.cli import main

sys.exit(main())
