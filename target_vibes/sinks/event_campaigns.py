"""Event-triggered campaigns and push device assignments.

A campaign texts whoever its events name, so creating one and changing one both need
allow_messaging. A record with an ``event_triggered_message_id`` describes a campaign Vibes
holds: it is read first, and one that already says what the record says is left alone (so
tap-vibes' own output loaded back changes nothing); a canceled one cannot change (Vibes
answers 422). A create is sent once, never repeated after an ambiguous failure. Campaigns
are written one after another, in input order.

An assignment attaches a device to a person; the person's devices are read first, and a
device already theirs is left alone (no callback fires, nothing is written).
"""

from __future__ import annotations

from typing import Any

from target_vibes.failures import messaging_refused_message
from target_vibes.mapping.event_campaigns import (
    DeviceAssignment,
    EventCampaignWrite,
    campaign_changes,
    device_assignment,
    event_campaign_write,
)
from target_vibes.outcomes import Result
from target_vibes.routing import Messaging
from target_vibes.sinks.base import MessagingRefused, VibesSink
from vibes_api import endpoints
from vibes_api.client import VibesClient

CAMPAIGN_CHANGE = "a changed event-triggered campaign"


class EventTriggeredMessagesSink(VibesSink):
    resource = "event_triggered_messages"
    messages_people = Messaging.SOME_RECORDS
    messaging_note = "new or changed event-triggered campaigns"
    repeatable = False  # a create repeated after a lost answer would make two campaigns
    ambiguous_outcome = "created or updated this campaign"

    def prepare(self, record: dict[str, Any]) -> tuple[str | None, Any]:
        write = event_campaign_write(record)
        self.warn_ignored(write.ignored)
        if write.campaign_id is None and not self.allow_messaging:
            raise MessagingRefused("a new event-triggered campaign")
        # One key for all: a company holds a handful of campaigns, and writing them one
        # after another in input order makes the outcomes (and dead letters) follow it.
        return self.resource, write

    async def _decide(self, client: VibesClient, write: EventCampaignWrite) -> Result | None:
        """The outcome reads alone settle (None: the write must be sent)."""
        if write.campaign_id is None:
            return None
        current = await endpoints.event_campaign(self.api(client), write.campaign_id)
        if current is None:
            return Result.rejected(
                f"event-triggered campaign {write.campaign_id} does not exist in this "
                "company; leave out event_triggered_message_id to create it",
                status=404,
            )
        changed = campaign_changes(write.body, current)
        if not changed:
            return Result.unchanged("skip", reason="the campaign already says this")
        if current.get("status") == "canceled":
            return Result.rejected(
                f"campaign {write.campaign_id} is canceled and cannot change "
                f"({', '.join(changed)} differ)",
                status=422,
            )
        if not self.allow_messaging:
            return Result.rejected(messaging_refused_message(CAMPAIGN_CHANGE))
        return None

    async def write(self, client: VibesClient, write: EventCampaignWrite) -> Result:
        decided = await self._decide(client, write)
        if decided is not None:
            return decided
        api = self.api(client)
        if write.campaign_id is None:
            response = await endpoints.create_event_campaign(api, write.body)
            return Result.written("send", response.status)
        response = await endpoints.update_event_campaign(api, write.campaign_id, write.body)
        return Result.written("update", response.status)

    async def plan(self, client: VibesClient, write: EventCampaignWrite) -> Result:
        decided = await self._decide(client, write)
        if decided is not None:
            return decided
        return Result.written("send" if write.campaign_id is None else "update")


class PushDeviceAssignmentsSink(VibesSink):
    resource = "push_device_assignments"

    def prepare(self, record: dict[str, Any]) -> tuple[str | None, Any]:
        write = device_assignment(record)
        return f"{write.app_id}|{write.device_id}", write

    async def _decide(self, client: VibesClient, write: DeviceAssignment) -> Result | None:
        api = self.api(client)
        person = endpoints.person_path(write.kind, write.value)
        devices = await endpoints.push_devices(api, person)
        if devices is None:
            return Result.rejected(f"no person with {write.kind} {write.value!r}", status=404)
        if any(d.get("vibes_device_id") == write.device_id for d in devices):
            return Result.unchanged("skip", reason="the device is already this person's")
        return None

    async def write(self, client: VibesClient, write: DeviceAssignment) -> Result:
        decided = await self._decide(client, write)
        if decided is not None:
            return decided
        response = await endpoints.assign_push_device(
            self.api(client), write.app_id, write.device_id, write.kind, write.value
        )
        return Result.written("assign", response.status)

    async def plan(self, client: VibesClient, write: DeviceAssignment) -> Result:
        decided = await self._decide(client, write)
        if decided is not None:
            return decided
        if await endpoints.push_device(self.api(client), write.app_id, write.device_id) is None:
            return Result.rejected(
                f"push device {write.device_id!r} of app {write.app_id!r} does not exist",
                status=404,
            )
        return Result.written("assign")
