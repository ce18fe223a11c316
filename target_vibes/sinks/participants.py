"""participants: add people to an acquisition campaign (texts them: needs allow_messaging).

Rows of participations Vibes already handled (tap-vibes output: a status and its time)
are left alone; a new row without allow_messaging is rejected naming the setting.

POST /campaigns/acquisition/{acquisition_id}/participants: 201 added (written); 200 the
person already has a pending acquisition and 409 the person is already subscribed are
both "unchanged" -- which is also why repeating the POST after a lost answer is safe.
"""

from __future__ import annotations

from typing import Any

from target_vibes.mapping import ParticipantWrite, participant_write
from target_vibes.outcomes import Result
from target_vibes.routing import Messaging, RouteOption
from target_vibes.sinks.base import MessagingRefused, VibesSink
from vibes_api import endpoints
from vibes_api.client import VibesClient


async def add_participant(
    sink: VibesSink, client: VibesClient, acquisition_id: str, body: dict[str, Any], action: str
) -> Result:
    """Add a participant and classify Vibes' answer (shared with subscribe rows)."""
    status = await endpoints.add_participant(sink.api(client), acquisition_id, body)
    if status == 409:
        return Result.unchanged(action, 409, "already subscribed")
    if status == 200:
        return Result.unchanged(action, 200, "already pending confirmation")
    return Result.written(action, status)


async def plan_participant(
    sink: VibesSink, client: VibesClient, acquisition_id: str, action: str
) -> Result:
    """A dry run checks that the campaign exists."""
    if await endpoints.acquisition_campaign(sink.api(client), acquisition_id) is None:
        return Result.rejected(
            f"acquisition campaign {acquisition_id!r} does not exist", status=404
        )
    return Result.written(action)


class ParticipantsSink(VibesSink):
    resource = "participants"
    route_options = {"acquisition_id": RouteOption()}
    messages_people = Messaging.SOME_RECORDS
    messaging_note = "participants"

    def prepare(self, record: dict[str, Any]) -> tuple[str | None, Any]:
        write = participant_write(record, acquisition_id=self.route.option("acquisition_id"))
        self.warn_ignored(write.ignored)
        if not self.allow_messaging:
            raise MessagingRefused("adding a participant (Vibes texts them)")
        return f"{write.identity.kind}:{write.identity.value}", write

    async def write(self, client: VibesClient, write: ParticipantWrite) -> Result:
        return await add_participant(self, client, write.acquisition_id, write.body, "add")

    async def plan(self, client: VibesClient, write: ParticipantWrite) -> Result:
        return await plan_participant(self, client, write.acquisition_id, "add")
