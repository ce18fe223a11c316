"""The one bridge between the Singer SDK's synchronous generators and asyncio.

An AsyncRunner owns an event loop in a daemon thread (started on first use). Synchronous code
(tap streams, target sinks) hands it coroutines: ``run`` for one result, ``map_ordered`` for a
stream of inputs with a bounded number of calls in flight and results in input order, and
``iterate`` for an async iterator consumed from sync code. Clients made with ``client()`` live
on the runner's loop and are closed by ``close()``.

Abandoned generators: ``map_ordered`` and ``iterate`` return generators whose ``finally``
cancels the work still in flight (``map_ordered``) or closes the async iterator (``iterate``).
CPython runs that ``finally`` as soon as the generator is dropped or ``close()``d, so a tap
stream that stops early (e.g. ``--test``) leaves no requests running.

A run that fails before its own clean-up still closes every running runner at interpreter
exit, so its HTTP sessions are closed rather than reported as leaked.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import queue
import threading
import weakref
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Iterator
from typing import Any, Literal, TypeVar, overload

from vibes_api.client import VibesClient
from vibes_api.metrics import ClientMetrics
from vibes_api.settings import VibesSettings

T = TypeVar("T")
R = TypeVar("R")

_JOIN_TIMEOUT = 10.0
_RUNNING: weakref.WeakSet[AsyncRunner] = weakref.WeakSet()


class AsyncRunner:
    """An event loop in a daemon thread, driven from synchronous code."""

    def __init__(self, name: str = "vibes-async") -> None:
        self._name = name
        self._lock = threading.Lock()
        self._client_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._clients: dict[VibesSettings, VibesClient] = {}
        self._closed = False

    def __enter__(self) -> AsyncRunner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("running" if self._loop else "idle")
        return f"AsyncRunner({self._name!r}, {state})"

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The runner's loop, started on first use."""
        with self._lock:
            if self._closed:
                raise RuntimeError("AsyncRunner is closed")
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()
                thread = threading.Thread(
                    target=_serve, args=(loop, ready), name=self._name, daemon=True
                )
                thread.start()
                ready.wait()
                self._loop, self._thread = loop, thread
                _RUNNING.add(self)
            return self._loop

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule a coroutine on the runner's loop without waiting for it."""
        try:
            if threading.current_thread() is self._thread:
                raise RuntimeError("AsyncRunner.submit/run called from its own loop; await instead")
            loop = self.loop
        except RuntimeError:
            coro.close()  # never started, so no "was never awaited" warning either
            raise
        return asyncio.run_coroutine_threadsafe(coro, loop)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the loop and block for its result; its exception is re-raised."""
        future = self.submit(coro)
        try:
            return future.result()
        except BaseException:
            # KeyboardInterrupt or the like while waiting: stop the work too.
            future.cancel()
            raise

    @overload
    def map_ordered(
        self,
        func: Callable[[T], Awaitable[R]],
        items: Iterable[T],
        window: int,
        *,
        return_exceptions: Literal[False] = False,
        max_buffered: int | None = None,
    ) -> Iterator[R]: ...

    @overload
    def map_ordered(
        self,
        func: Callable[[T], Awaitable[R]],
        items: Iterable[T],
        window: int,
        *,
        return_exceptions: Literal[True],
        max_buffered: int | None = None,
    ) -> Iterator[R | BaseException]: ...

    def map_ordered(
        self,
        func: Callable[[T], Awaitable[R]],
        items: Iterable[T],
        window: int,
        *,
        return_exceptions: bool = False,
        max_buffered: int | None = None,
    ) -> Iterator[R] | Iterator[R | BaseException]:
        """Call ``func`` on each input with up to ``window`` calls unfinished; yield in input order.

        Inputs are pulled lazily, only when there is room, so a huge or endless iterable is
        fine. Finished results wait for earlier ones in a buffer of at most ``max_buffered``
        (default 4 x window), so a slow call (a retry backing off) does not stall the others
        until the buffer fills. The first failure is raised in its turn and cancels the rest,
        unless ``return_exceptions`` is True, which yields the exception as the result.
        """
        if window < 1:
            raise ValueError("window must be at least 1")
        buffered = max(window, max_buffered if max_buffered is not None else 4 * window)
        return self._map_ordered(func, iter(items), window, buffered, return_exceptions)

    def _map_ordered(
        self,
        func: Callable[[T], Awaitable[R]],
        inputs: Iterator[T],
        window: int,
        buffered: int,
        return_exceptions: bool,
    ) -> Iterator[R | BaseException]:
        # Futures in input order; ``finished`` receives each future once it is done (a
        # done-callback, called on the loop's thread), so counting the calls in flight
        # and waiting for the next completion are O(1) per step, not a scan of the buffer.
        pending: deque[concurrent.futures.Future[R]] = deque()
        finished: queue.SimpleQueue[concurrent.futures.Future[R]] = queue.SimpleQueue()
        running = 0
        exhausted = False
        try:
            while True:
                while not finished.empty():
                    finished.get_nowait()
                    running -= 1
                while not exhausted and len(pending) < buffered and running < window:
                    try:
                        item = next(inputs)
                    except StopIteration:
                        exhausted = True
                        break
                    future = self.submit(_awaited(func, item))
                    running += 1
                    pending.append(future)
                    future.add_done_callback(finished.put)
                if not pending:
                    return
                head = pending[0]
                if not head.done():
                    # Some call finishes first (perhaps not the head): room for the next.
                    finished.get()
                    running -= 1
                    continue
                pending.popleft()
                error = head.exception()
                if error is None:
                    yield head.result()
                elif return_exceptions:
                    yield error
                else:
                    raise error
        finally:
            for future in pending:
                future.cancel()

    def iterate(self, aiterable: AsyncIterator[T]) -> Iterator[T]:
        """Consume an async iterator (e.g. ``client.iter_pages``) from synchronous code."""
        try:
            while True:
                try:
                    yield self.run(_next(aiterable))
                except StopAsyncIteration:
                    return
        finally:
            close = getattr(aiterable, "aclose", None)
            if close is not None and not self._closed:
                self.run(close())

    def client(
        self, settings: VibesSettings, *, metrics: ClientMetrics | None = None
    ) -> VibesClient:
        """The runner's client for these settings (one session per run), opened on its loop."""
        # Its own lock: self.loop takes self._lock, and run() needs the loop.
        with self._client_lock:
            existing = self._clients.get(settings)
            if existing is not None:
                return existing
            created = VibesClient(settings, metrics=metrics)
            self.run(created.open())
            self._clients[settings] = created
            return created

    def close(self) -> None:
        """Close the runner's clients, cancel what still runs, stop the loop, join the thread."""
        with self._client_lock, self._lock:
            if self._closed:
                return
            self._closed = True
            loop, thread = self._loop, self._thread
            clients = list(self._clients.values())
            self._clients.clear()
        if loop is None or thread is None:
            return
        shutdown = asyncio.run_coroutine_threadsafe(_shutdown(clients), loop)
        with contextlib.suppress(
            concurrent.futures.TimeoutError, concurrent.futures.CancelledError
        ):
            shutdown.result(timeout=_JOIN_TIMEOUT)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=_JOIN_TIMEOUT)
        if not thread.is_alive():
            loop.close()


def _serve(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
    asyncio.set_event_loop(loop)
    loop.call_soon(ready.set)
    loop.run_forever()


async def _awaited(func: Callable[[T], Awaitable[R]], item: T) -> R:
    return await func(item)


async def _next(aiterable: AsyncIterator[T]) -> T:
    return await aiterable.__anext__()


async def _shutdown(clients: list[VibesClient]) -> None:
    current = asyncio.current_task()
    tasks = [task for task in asyncio.all_tasks() if task is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for client in clients:
        await client.close()
    await asyncio.sleep(0)


@atexit.register
def _close_running() -> None:
    for runner in list(_RUNNING):
        runner.close()
