"""State and rules of the emulated Vibes platform (no HTTP here: handlers wrap it)."""

from __future__ import annotations

from .clock import Clock, ManualClock
from .facade import Store

__all__ = ["Clock", "ManualClock", "Store"]
