"""vibes-emulator command line (skeleton; the emulator issue fills it in)."""

from __future__ import annotations


def main() -> None:
    raise SystemExit("vibes-emulator: not built yet")
