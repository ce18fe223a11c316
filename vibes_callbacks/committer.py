"""Group commit: many concurrent requests, few fsyncs, and the event loop never blocks on disk.

The receiver's handlers hand their event to one committer thread and await the outcome.
The thread takes everything queued since its last commit (up to ``max_batch``), stores it in
one transaction, and only then resolves each waiting handler. So every 2xx still follows the
durable commit of its own event, while a burst of N callbacks costs one fsync, not N.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from dataclasses import dataclass, field

from vibes_callbacks.events import CallbackEvent
from vibes_callbacks.journal import Journal, JournalError

logger = logging.getLogger("vibes_callbacks")

MAX_BATCH = 512


@dataclass
class CommitStats:
    """Counts since start; read from the event loop, written by the committer thread."""

    stored: int = 0
    duplicates: int = 0
    failed: int = 0
    commits: int = 0
    by_type: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "stored": self.stored,
            "duplicates": self.duplicates,
            "failed": self.failed,
            "commits": self.commits,
            "by_type": dict(self.by_type),
        }


_Waiter = tuple[CallbackEvent, asyncio.Future[bool], asyncio.AbstractEventLoop]


class Committer:
    """Owns the journal while the receiver runs; ``append`` from any event loop."""

    def __init__(self, journal: Journal, *, max_batch: int = MAX_BATCH) -> None:
        self.journal = journal
        self.max_batch = max_batch
        self.stats = CommitStats()
        self._queue: queue.SimpleQueue[_Waiter | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="journal-committer", daemon=True)
        self._closing = False
        self._thread.start()

    async def append(self, event: CallbackEvent) -> bool:
        """Store ``event`` durably; True when new, False when its event_id was stored before."""
        if self._closing:
            raise JournalError("the receiver is shutting down")
        loop = asyncio.get_running_loop()
        outcome: asyncio.Future[bool] = loop.create_future()
        self._queue.put((event, outcome, loop))
        return await outcome

    def close(self) -> None:
        """Commit what is queued, stop the thread, close the journal."""
        if self._closing:
            return
        self._closing = True
        self._queue.put(None)
        self._thread.join()
        self.journal.close()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            self._commit(batch)

    def _commit(self, batch: list[_Waiter]) -> None:
        try:
            results = self.journal.append_many([event for event, _, _ in batch])
        except Exception as exc:  # any failure to commit must reach the waiting requests
            error = exc if isinstance(exc, JournalError) else JournalError(str(exc))
            self.stats.failed += len(batch)
            logger.error("journal commit of %d events failed: %s", len(batch), error)
            for _, outcome, loop in batch:
                _notify(loop, outcome, None, error)
            return
        self.stats.commits += 1
        for (event, outcome, loop), stored in zip(batch, results, strict=True):
            if stored:
                self.stats.stored += 1
                kind = event.callback_type
                self.stats.by_type[kind] = self.stats.by_type.get(kind, 0) + 1
            else:
                self.stats.duplicates += 1
            _notify(loop, outcome, stored, None)


def _notify(
    loop: asyncio.AbstractEventLoop,
    outcome: asyncio.Future[bool],
    stored: bool | None,
    error: Exception | None,
) -> None:
    # A closed loop (RuntimeError) means nobody is waiting any more.
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(_settle, outcome, stored, error)


def _settle(outcome: asyncio.Future[bool], stored: bool | None, error: Exception | None) -> None:
    if outcome.done():  # the request went away; its event is committed (or not) regardless
        return
    if error is not None:
        outcome.set_exception(error)
    else:
        outcome.set_result(bool(stored))
