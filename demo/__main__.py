"""``python -m demo``: run the demo (see demo/run_demo.py)."""

from __future__ import annotations

import sys

from demo.run_demo import main

sys.exit(main())
