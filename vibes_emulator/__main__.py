"""``python -m vibes_emulator`` is ``vibes-emulator``."""

from __future__ import annotations

from vibes_emulator.cli import main

if __name__ == "__main__":
    main()
