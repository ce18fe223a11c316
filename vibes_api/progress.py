"""Progress of long runs on stderr, shared by the tap (per stream) and the target (per sink).

Per name: records (plus any other counts a caller keeps, e.g. written/unchanged/rejected),
requests, retries, 429s and rates. When stderr is a terminal one live line is redrawn in
place; otherwise a log line per name is written every ``interval_seconds``. ``stop()`` writes
one summary line per name. Normal output never contains the word "error".
"""

from __future__ import annotations

import logging
import shutil
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

from vibes_api.metrics import ClientMetrics

logger = logging.getLogger("vibes_api.progress")

LIVE_REFRESH_SECONDS = 0.5


class ProgressCounter:
    """Counts of one stream or sink; ``metrics`` is passed to client calls made for it."""

    def __init__(
        self, name: str, metrics: ClientMetrics | None = None, *, clock: Callable[[], float]
    ) -> None:
        self.name = name
        self.metrics = metrics or ClientMetrics(clock=clock)
        self._clock = clock
        self._started = clock()
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {"records": 0}

    def add(self, n: int = 1, key: str = "records") -> None:
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + n

    def add_records(self, n: int = 1) -> None:
        self.add(n, "records")

    @property
    def records(self) -> int:
        with self._lock:
            return self._counts["records"]

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    @property
    def elapsed(self) -> float:
        return max(self._clock() - self._started, 0.0)

    def line(self) -> str:
        """e.g. ``persons: 1200 records (96.1/s), 1210 requests (96.9/s), 3 retries, 1 x 429``."""
        elapsed = max(self.elapsed, 1e-9)
        counts = self.counts()
        records = counts.pop("records")
        parts = [f"{records} records ({records / elapsed:.1f}/s)"]
        parts.extend(f"{value} {key}" for key, value in counts.items())
        requests = self.metrics.requests
        if requests:
            parts.append(f"{requests} requests ({requests / elapsed:.1f}/s)")
            parts.append(f"{self.metrics.retries} retries")
            parts.append(f"{self.metrics.throttled} x 429")
        return f"{self.name}: " + ", ".join(parts)


class ProgressReporter:
    """Reports every counter periodically from a daemon thread between ``start`` and ``stop``."""

    def __init__(
        self,
        *,
        stream: TextIO | None = None,
        interval_seconds: float = 10.0,
        live: bool | None = None,
        log: logging.Logger | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self.interval_seconds = interval_seconds
        self.live = _is_tty(self._stream) if live is None else live
        self._log = log or logger
        self._clock = clock
        self._counters: dict[str, ProgressCounter] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._live_drawn = False

    def __enter__(self) -> ProgressReporter:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def counter(self, name: str, metrics: ClientMetrics | None = None) -> ProgressCounter:
        """The counter for ``name``, created on first use."""
        with self._lock:
            if name not in self._counters:
                self._counters[name] = ProgressCounter(name, metrics, clock=self._clock)
            return self._counters[name]

    def counters(self) -> list[ProgressCounter]:
        with self._lock:
            return list(self._counters.values())

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="vibes-progress", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop reporting and write the summary line of every counter."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join(timeout=5.0)
        self._end_live_line()
        for counter in self.counters():
            self._emit(f"summary {counter.line()} in {counter.elapsed:.1f} s")

    def report(self) -> None:
        """Write the current state once (a live redraw or one log line per counter)."""
        lines = [counter.line() for counter in self.counters()]
        if not lines:
            return
        if self.live:
            width = max(20, shutil.get_terminal_size((120, 20)).columns - 1)
            text = " | ".join(lines)[:width]
            self._stream.write("\r" + text + "\x1b[K")
            self._stream.flush()
            self._live_drawn = True
        else:
            for line in lines:
                self._emit(line)

    def _loop(self) -> None:
        pause = LIVE_REFRESH_SECONDS if self.live else self.interval_seconds
        while not self._stop.wait(pause):
            self.report()

    def _end_live_line(self) -> None:
        if self._live_drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._live_drawn = False

    def _emit(self, line: str) -> None:
        if self._log.hasHandlers():
            self._log.info("%s", line)
        else:
            self._stream.write(line + "\n")
            self._stream.flush()


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
