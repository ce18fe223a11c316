"""events: POST /events with a stable event_id, so a retry or replay never sends twice.

Without an ``event_id`` column the id is a hash of the stream name and the record. Vibes
refuses an event_id it has seen; that answer (409, or a 4xx whose message says the
event_id was already used) means the event was sent before: "unchanged".
"""

from __future__ import annotations

from typing import Any

from target_vibes.mapping import event_write
from target_vibes.mapping.campaigns import EVENT_PERSON_KEYS
from target_vibes.outcomes import Result
from target_vibes.routing import Messaging, RouteOption
from target_vibes.sinks.base import VibesSink
from vibes_api import endpoints
from vibes_api.client import VibesClient
from vibes_api.errors import VibesAPIError

_DUPLICATE_WORDS = ("already", "duplicate", "reused", "re-used", "exists", "used")


def is_duplicate_event(failure: VibesAPIError) -> bool:
    """Whether Vibes' refusal says the event_id was sent before."""
    if failure.status == 409:
        return True
    if not 400 <= failure.status < 500:
        return False
    for message in failure.messages:
        text = message.lower()
        if "event_id" in text.replace(" ", "_") and any(word in text for word in _DUPLICATE_WORDS):
            return True
    return False


class EventsSink(VibesSink):
    resource = "events"
    route_options = {"event_type": RouteOption()}
    messages_people = Messaging.EVERY_RECORD
    messaging_note = "events"

    def prepare(self, record: dict[str, Any]) -> tuple[str | None, Any]:
        body = event_write(self.stream_name, record, event_type=self.route.option("event_type"))
        data = body["event_data"]
        person = next((f"{key}:{data[key]}" for key in EVENT_PERSON_KEYS if data.get(key)), None)
        return person, body

    async def write(self, client: VibesClient, write: dict[str, Any]) -> Result:
        try:
            response = await endpoints.post_event(self.api(client), write)
        except VibesAPIError as failure:
            if is_duplicate_event(failure):
                return Result.unchanged("send", failure.status, "event_id was sent before")
            raise
        return Result.written("send", response.status)

    async def plan(self, client: VibesClient, write: dict[str, Any]) -> Result:
        return Result.written("send")
