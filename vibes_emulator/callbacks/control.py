"""Control-plane routes for callbacks: delivery counts, draining, and simulated activity.

GET  /_emulator/callbacks          what was queued, delivered (acknowledged event ids),
                                   dropped on 4xx, retried, duplicated, given up
POST /_emulator/callbacks/drain    {"timeout": s}: wait until nothing is pending
POST /_emulator/activity           {"rate": per_second, "count": N, "kinds": [...],
                                    "seed": S}: start simulated subscriber activity
GET  /_emulator/activity           its progress
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from vibes_emulator.app_keys import FAULTS_KEY, OPTIONS_KEY, STORE_KEY
from vibes_emulator.callbacks.dispatcher import CallbackDispatcher
from vibes_emulator.control import read_control_body, reject_unknown
from vibes_emulator.errors import ApiError, bad_request
from vibes_emulator.handlers.common import json_response
from vibes_emulator.store.activity import ACTIVITY_KINDS, Activity

MAX_RATE = 10_000.0
MAX_COUNT = 1_000_000


@dataclass
class ActivityRun:
    count: int = 0
    done: int = 0
    skipped: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    task: asyncio.Task[None] | None = None

    def restart(self, count: int) -> None:
        self.count, self.done, self.skipped, self.by_kind = count, 0, 0, {}

    def to_json(self) -> dict[str, Any]:
        running = self.task is not None and not self.task.done()
        return {
            "running": running,
            "count": self.count,
            "done": self.done,
            "skipped": self.skipped,
            "by_kind": dict(self.by_kind),
        }


DISPATCHER_KEY: web.AppKey[CallbackDispatcher] = web.AppKey(
    "vibes_callback_dispatcher", CallbackDispatcher
)
ACTIVITY_KEY: web.AppKey[ActivityRun] = web.AppKey("vibes_activity", ActivityRun)


def install_callbacks(app: web.Application) -> None:
    """Deliver callbacks for this app's store, and add the control routes above."""
    app.cleanup_ctx.append(_dispatcher_context)
    app[ACTIVITY_KEY] = ActivityRun()
    app.router.add_get("/_emulator/callbacks", callback_stats)
    app.router.add_post("/_emulator/callbacks/drain", drain)
    app.router.add_post("/_emulator/activity", start_activity)
    app.router.add_get("/_emulator/activity", activity_status)


async def _dispatcher_context(app: web.Application) -> AsyncIterator[None]:
    dispatcher = CallbackDispatcher(app[STORE_KEY], app[FAULTS_KEY])
    await dispatcher.start()
    app[DISPATCHER_KEY] = dispatcher
    try:
        yield
    finally:
        run = app[ACTIVITY_KEY]
        if run.task is not None:
            run.task.cancel()
        await dispatcher.close()


async def callback_stats(request: web.Request) -> web.Response:
    dispatcher = request.app[DISPATCHER_KEY]
    return json_response(dispatcher.stats.to_json(dispatcher.pending))


async def drain(request: web.Request) -> web.Response:
    body = await read_control_body(request)
    timeout = body.get("timeout", 30)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 600:
        raise bad_request("timeout must be a number of seconds between 0 and 600")
    dispatcher = request.app[DISPATCHER_KEY]
    try:
        async with asyncio.timeout(float(timeout)):
            await dispatcher.wait_idle()
    except TimeoutError:
        return json_response(dispatcher.stats.to_json(dispatcher.pending), 504)
    return json_response(dispatcher.stats.to_json(dispatcher.pending))


async def activity_status(request: web.Request) -> web.Response:
    return json_response(request.app[ACTIVITY_KEY].to_json())


async def start_activity(request: web.Request) -> web.Response:
    body = await read_control_body(request)
    allowed = {"rate", "count", "kinds", "seed", "company", "wait"}
    reject_unknown(body, allowed, "activity settings")
    rate = body.get("rate", 10)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= MAX_RATE:
        raise bad_request(f"rate must be a number of actions per second in (0, {MAX_RATE:g}]")
    count = body.get("count", 100)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise bad_request(f"count must be an integer between 1 and {MAX_COUNT}")
    kinds = body.get("kinds", list(ACTIVITY_KINDS))
    if not isinstance(kinds, list) or not kinds or any(k not in ACTIVITY_KINDS for k in kinds):
        raise bad_request(f"kinds must be a non-empty list drawn from {list(ACTIVITY_KINDS)}")
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise bad_request("seed must be an integer")
    store = request.app[STORE_KEY]
    company = str(body.get("company") or request.app[OPTIONS_KEY].company)
    if not store.has_company(company):
        raise ApiError(404, f"unknown company {company}")
    run = request.app[ACTIVITY_KEY]
    if run.task is not None and not run.task.done():
        raise ApiError(409, "activity is already running; wait for it (GET /_emulator/activity)")
    run.restart(count)
    run.task = asyncio.get_running_loop().create_task(
        _simulate(run, Activity(store, company), float(rate), list(kinds), random.Random(seed))
    )
    if body.get("wait") is True:  # answer once the activity is done
        await run.task
        return json_response(run.to_json())
    return json_response(run.to_json(), 202)


async def _simulate(
    run: ActivityRun, activity: Activity, rate: float, kinds: list[str], rng: random.Random
) -> None:
    loop = asyncio.get_running_loop()
    interval = 1.0 / rate
    due = loop.time()
    for _ in range(run.count):
        kind = rng.choice(kinds)
        if activity.perform(kind, rng):
            run.by_kind[kind] = run.by_kind.get(kind, 0) + 1
        else:
            run.skipped += 1
        run.done += 1
        due += interval
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        elif run.done % 100 == 0:
            await asyncio.sleep(0)  # let deliveries and requests through
