"""Deliver callbacks as Vibes does: at least once, retrying 3xx/5xx, dropping on 4xx.

The store tells the dispatcher about each change (``Store.add_listener``) while the change
is made, on the event loop; the dispatcher snapshots one body per matching live
registration (MDN format by the registration's API version) and queues it for its
destination URL. One worker per destination sends its queue in order, one at a time, so a
receiver sees a person's changes in the order they happened; a failed delivery is retried
with exponential backoff before the next is sent. ``callback_duplicate_rate`` (a fault
setting) sends a delivered event a second time, as Vibes may (§3.2).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson

from vibes_emulator.faults import FaultSettings
from vibes_emulator.store import Store
from vibes_emulator.store.callback_payloads import change_body, envelope, is_live, matches
from vibes_emulator.store.state import CompanyState, Record

logger = logging.getLogger("vibes_emulator.callbacks")


@dataclass(frozen=True)
class Delivery:
    event_id: str
    callback_type: str
    url: str
    method: str
    content_type: str
    body: bytes


@dataclass
class DeliveryStats:
    queued: int = 0
    delivered: int = 0
    duplicates_sent: int = 0
    retries: int = 0
    acknowledged: set[str] = field(default_factory=set)
    dropped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    undeliverable: list[str] = field(default_factory=list)

    def to_json(self, pending: int) -> dict[str, Any]:
        return {
            "queued": self.queued,
            "pending": pending,
            "delivered": self.delivered,
            "duplicates_sent": self.duplicates_sent,
            "retries": self.retries,
            "acknowledged": sorted(self.acknowledged),
            "dropped": list(self.dropped),
            "failed": list(self.failed),
            "undeliverable": len(self.undeliverable),
        }


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 0.05
    cap_seconds: float = 1.0
    max_attempts: int = 60
    timeout_seconds: float = 5.0


class CallbackDispatcher:
    def __init__(
        self,
        store: Store,
        faults: FaultSettings,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.faults = faults
        self.retry = retry or RetryPolicy()
        self.stats = DeliveryStats()
        self._rng = rng or random.Random()
        self._queues: dict[str, asyncio.Queue[Delivery]] = {}
        self._workers: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def start(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self.retry.timeout_seconds)
        self._session = aiohttp.ClientSession(timeout=timeout, trust_env=False)
        self.store.add_listener(self.on_change)

    async def close(self) -> None:
        self.store.remove_listener(self.on_change)
        for worker in self._workers:
            worker.cancel()
        for worker in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        if self._session is not None:
            await self._session.close()

    @property
    def pending(self) -> int:
        """Deliveries queued or being delivered."""
        return self._pending

    async def wait_idle(self) -> None:
        """Return once every queued delivery is done (delivered, dropped or given up)."""
        await self._idle.wait()

    # -- the store listener ----------------------------------------------------------------
    def on_change(self, state: CompanyState, change: str, record: Record) -> None:
        now = self.store.clock.now_ms()
        wanted = [
            r
            for r in state.tables["callback"].values()
            if matches(r, change, record) and is_live(r, now)
        ]
        if not wanted:
            return
        event_id = str(uuid.uuid4())
        head = envelope(change, event_id, now)
        for registration in wanted:
            version = int(registration.get("api_version") or 1)
            body = {
                **head,
                **change_body(change, state, record, version, self.store.persons.render),
            }
            destination = registration["destination"]
            self._enqueue(
                Delivery(
                    event_id=event_id,
                    callback_type=change,
                    url=destination["url"],
                    method=destination.get("method", "POST"),
                    content_type=destination.get("content_type", "application/json"),
                    body=orjson.dumps(body),
                )
            )

    def _enqueue(self, delivery: Delivery) -> None:
        queue = self._queues.get(delivery.url)
        if queue is None:
            queue = self._queues[delivery.url] = asyncio.Queue()
            self._workers.append(asyncio.get_running_loop().create_task(self._work(queue)))
        queue.put_nowait(delivery)
        self._pending += 1
        self._idle.clear()
        self.stats.queued += 1

    # -- delivery --------------------------------------------------------------------------
    async def _work(self, queue: asyncio.Queue[Delivery]) -> None:
        while True:
            delivery = await queue.get()
            try:
                await self._deliver(delivery)
                rate = self.faults.callback_duplicate_rate
                if rate > 0 and self._rng.random() < rate:
                    self.stats.duplicates_sent += 1
                    await self._deliver(delivery)
            except Exception:  # a worker must outlive any one delivery
                logger.exception(
                    "%s callback %s to %s failed",
                    delivery.callback_type,
                    delivery.event_id,
                    delivery.url,
                )
            finally:
                self._pending -= 1
                if self._pending == 0:
                    self._idle.set()
                queue.task_done()

    async def _deliver(self, delivery: Delivery) -> None:
        assert self._session is not None
        if _reserved_host(delivery.url):
            # Seeded registrations point at documentation domains (RFC 2606), which never
            # host a receiver: the emulator does not send data out to them.
            self.stats.undeliverable.append(delivery.event_id)
            return
        headers = {"Content-Type": delivery.content_type}
        for attempt in range(1, self.retry.max_attempts + 1):
            status: int | None = None
            try:
                async with self._session.request(
                    delivery.method,
                    delivery.url,
                    data=delivery.body,
                    headers=headers,
                    allow_redirects=False,
                ) as response:
                    status = response.status
                    await response.read()
            except (aiohttp.ClientError, TimeoutError, OSError):
                status = None
            if status is not None and 200 <= status < 300:
                self.stats.delivered += 1
                self.stats.acknowledged.add(delivery.event_id)
                return
            if status is not None and 400 <= status < 500:
                self.stats.dropped.append(delivery.event_id)  # 4xx: permanent (§3.2)
                return
            if attempt < self.retry.max_attempts:
                self.stats.retries += 1
                delay = min(self.retry.cap_seconds, self.retry.base_seconds * 2 ** (attempt - 1))
                await asyncio.sleep(delay * (0.5 + self._rng.random() / 2))
        self.stats.failed.append(delivery.event_id)


_RESERVED_TLDS = ("example", "invalid", "test")
_RESERVED_DOMAINS = ("example.com", "example.net", "example.org")


def _reserved_host(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host.rsplit(".", 1)[-1] in _RESERVED_TLDS:
        return True
    return any(host == d or host.endswith("." + d) for d in _RESERVED_DOMAINS)
