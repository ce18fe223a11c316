"""One tap run's resources: an AsyncRunner (the one sync/async bridge), its client, progress.

Opened on first use by a stream, closed when the run ends (see ``TapVibes.close_session``)
or, as a fallback, when the tap is garbage-collected or the interpreter exits.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Iterator
from typing import Any, TextIO, TypeVar, cast

from vibes_api.bridge import AsyncRunner
from vibes_api.client import VibesClient
from vibes_api.progress import ProgressCounter, ProgressReporter
from vibes_api.settings import VibesSettings

T = TypeVar("T")
R = TypeVar("R")

# The interpreter's last garbage collection at exit walks every object the SDK, aiohttp
# and jsonschema created at import (0.3 s of a tap run on this 2-core machine) only to
# free memory the OS takes back anyway. Frozen objects are skipped by that collection
# (reference counting still frees them as modules are torn down). Nothing of the tap's
# relies on it: the session is closed at the end of sync_all, and weakref.finalize
# callbacks (the session's fallback close, the writer's pending lines) run at exit
# whether objects are frozen or not.
atexit.register(gc.freeze)


class TapSession:
    """The runner and the one VibesClient of a tap run; every stream goes through it."""

    def __init__(self, settings: VibesSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._runner: AsyncRunner | None = None
        self._client: VibesClient | None = None
        self._progress: ProgressReporter | None = None
        self.closed = False

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("open" if self._client else "idle")
        return f"TapSession(api_url={self.settings.api_url!r}, {state})"

    @property
    def client(self) -> VibesClient:
        return self._open()[1]

    def _open(self) -> tuple[AsyncRunner, VibesClient]:
        with self._lock:
            if self.closed:
                raise RuntimeError("the tap's Vibes session is closed")
            if self._runner is None or self._client is None:
                runner = AsyncRunner(name="tap-vibes")
                self._client = runner.client(self.settings)
                self._runner = runner
            return self._runner, self._client

    def counter(self, stream_name: str) -> ProgressCounter:
        """The stream's progress counter; its ``metrics`` go with every call made for it."""
        with self._lock:
            if self._progress is None:
                self._progress = ProgressReporter(stream=cast("TextIO", _CurrentStderr()))
                self._progress.start()
            return self._progress.counter(stream_name)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Block for one coroutine's result."""
        runner, _ = self._open()
        return runner.run(coro)

    def iterate(self, aiterable: AsyncIterator[T]) -> Iterator[T]:
        """Consume an async iterator from the SDK's synchronous generators."""
        runner, _ = self._open()
        return runner.iterate(aiterable)

    def map_ordered(
        self, func: Callable[[T], Awaitable[R]], items: Iterable[T], window: int
    ) -> Iterator[R]:
        """``func`` over ``items`` with ``window`` calls in flight; results in input order."""
        runner, _ = self._open()
        return runner.map_ordered(func, items, window)

    def close(self) -> None:
        """Close the client's HTTP session, stop the runner's loop, write the progress
        summary of every stream (idempotent)."""
        with self._lock:
            runner, self._runner, self._client = self._runner, None, None
            progress, self._progress = self._progress, None
            self.closed = True
        if runner is not None:
            runner.close()
        if progress is not None:
            progress.stop()


class _CurrentStderr:
    """Whatever ``sys.stderr`` is when progress is written (test runners swap it), and
    silent once that stream is closed, so a late summary never fails a finished run."""

    def write(self, text: str) -> int:
        try:
            return sys.stderr.write(text)
        except ValueError:  # closed
            return 0

    def flush(self) -> None:
        with contextlib.suppress(ValueError):
            sys.stderr.flush()

    def isatty(self) -> bool:
        try:
            return sys.stderr.isatty()
        except (AttributeError, ValueError):
            return False
