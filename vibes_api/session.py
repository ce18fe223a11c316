"""One run's resources, shared by tap-vibes and target-vibes alike: the AsyncRunner (the one
sync/async bridge), its VibesClient, the progress reporter and named resources (an SFTP
session, an import destination) that the run opens once and closes with it.

Opened on first use by a stream or sink, closed once when the run ends (``close``) or, as
a fallback, when its plugin is garbage-collected or the interpreter exits. Streams and
sinks receive it from their plugin, as target-postgres' sinks receive their connector.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Iterator
from typing import Any, Protocol, TextIO, TypeVar, cast

from vibes_api.bridge import AsyncRunner
from vibes_api.client import VibesClient
from vibes_api.progress import ProgressCounter, ProgressReporter
from vibes_api.settings import VibesSettings

T = TypeVar("T")
R = TypeVar("R")


class Closable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=Closable)


class RunSession:
    """The runner and the one VibesClient of a run; every stream and sink goes through it."""

    def __init__(
        self, settings: VibesSettings, name: str, *, progress_interval_seconds: float = 10.0
    ) -> None:
        self.settings = settings
        self.name = name
        self._progress_interval = progress_interval_seconds
        self._lock = threading.Lock()
        self._runner: AsyncRunner | None = None
        self._client: VibesClient | None = None
        self._progress: ProgressReporter | None = None
        self._resources: dict[str, Closable] = {}
        self.closed = False

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("open" if self._client else "idle")
        return f"RunSession({self.name}, api_url={self.settings.api_url!r}, {state})"

    @property
    def window(self) -> int:
        """How many requests a stream or sink keeps in flight."""
        return self.settings.max_concurrency

    def resource(self, name: str, open_it: Callable[[], C]) -> C:
        """The run's one ``name`` resource, opened on first use; closed with the session."""
        with self._lock:
            if self.closed:
                raise RuntimeError(f"the {self.name} session is closed")
            if name not in self._resources:
                self._resources[name] = open_it()
            return cast("C", self._resources[name])

    def forget(self, name: str) -> None:
        """Close one named resource now (e.g. when its stream ends)."""
        with self._lock:
            resource = self._resources.pop(name, None)
        if resource is not None:
            resource.close()

    @property
    def client(self) -> VibesClient:
        return self._open()[1]

    def _open(self) -> tuple[AsyncRunner, VibesClient]:
        with self._lock:
            if self.closed:
                raise RuntimeError(f"the {self.name} session is closed")
            if self._runner is None or self._client is None:
                runner = AsyncRunner(name=self.name)
                self._client = runner.client(self.settings)
                self._runner = runner
            return self._runner, self._client

    def counter(self, stream_name: str) -> ProgressCounter:
        """The stream's progress counter; its ``metrics`` go with every call made for it."""
        with self._lock:
            if self._progress is None:
                self._progress = ProgressReporter(
                    interval_seconds=self._progress_interval,
                    stream=cast("TextIO", _CurrentStderr()),
                )
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
        """Close the named resources and the client's HTTP session, stop the runner's loop,
        write the progress summary of every stream (idempotent)."""
        with self._lock:
            runner, self._runner, self._client = self._runner, None, None
            progress, self._progress = self._progress, None
            resources, self._resources = list(self._resources.values()), {}
            self.closed = True
        for resource in resources:
            resource.close()
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
