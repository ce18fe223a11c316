"""Events (FACTS §2.11): accepted with 202; outcomes arrive only by ``event_processed``
callback, which :mod:`event_routing` sends as it routes the event.

``event_id`` should be unique; Vibes says re-using one "may make later events fail". The
emulator makes that deterministic: a repeated ``event_id`` is refused with 422, so clients
that resend an event after a timeout see their duplicate suppressed.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from vibes_emulator.errors import ApiError, json_object

from .event_routing import EventRouter
from .state import Core, Record

MAX_EVENT_BYTES = 16 * 1024
_EVENT_TYPE = re.compile(r"^[A-Za-z0-9_-]+$")


class Events:
    def __init__(self, core: Core, router: EventRouter) -> None:
        self.core = core
        self.router = router

    def accept(self, company_key: str, body: Any, size: int, version: int = 1) -> dict[str, Any]:
        """Record one event; ``size`` is the request body's length in bytes."""
        state = self.core.company(company_key)
        if size > MAX_EVENT_BYTES:
            raise ApiError(413, f"Event is larger than {MAX_EVENT_BYTES} bytes")
        body = json_object(body)
        problems: list[str] = []
        event_type = body.get("event_type")
        if not isinstance(event_type, str) or not _EVENT_TYPE.match(event_type):
            problems.append("event_type is required and may only contain letters, digits, - and _")
        if not isinstance(body.get("event_data"), dict):
            problems.append("event_data must be an object")
        if body.get("debug_data") is not None and not isinstance(body["debug_data"], dict):
            problems.append("debug_data must be an object")
        event_id = body.get("event_id")
        if event_id is not None and (not isinstance(event_id, str) or not event_id):
            problems.append("event_id must be a non-empty string")
        elif event_id is not None and event_id in state.tables["event"]:
            problems.append(f"event_id {event_id} has already been used")
        if problems:
            raise ApiError(422, *problems)
        event_id = event_id or str(uuid.uuid4())
        record: Record = {
            "event_id": event_id,
            "event_type": str(event_type).lower(),
            "event_data": body["event_data"],
            "debug_data": body.get("debug_data"),
            "received_at": self.core.clock.now_ms(),
        }
        self.core.save(state, "event", event_id, record)
        self.router.route(state, record, version)
        return {"event_id": event_id}
