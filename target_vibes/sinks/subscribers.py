"""subscribers: unsubscribe rows that say so, subscribe the others through a campaign.

Unsubscribe (see mapping.people.subscriber_action for the recognised shapes):
DELETE /mobiledb/persons/{key|external/id}/subscriptions/{list}; 404 (not subscribed, or
no such person) counts as done: "unchanged". A row that names the person only by MDN
looks the person up first.
Subscribe: Vibes has no direct subscribe; the row is added as a participant of its
acquisition campaign, which texts the person, so it needs allow_messaging (otherwise the
row is rejected with a reason naming allow_messaging).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from target_vibes.mapping import SubscriberWrite, participant_body, subscriber_write
from target_vibes.outcomes import Result
from target_vibes.sinks.base import MessagingRefused, VibesSink
from target_vibes.sinks.participants import add_participant, plan_participant
from vibes_api.client import VibesClient
from vibes_api.errors import VibesNotFound


class SubscribersSink(VibesSink):
    resource = "subscribers"

    def prepare(self, record: dict[str, Any]) -> tuple[str | None, Any]:
        write = subscriber_write(
            record,
            subscription_list_id=self.route.subscription_list_id,
            acquisition_id=self.route.acquisition_id,
        )
        if write.action == "subscribe" and not self.allow_messaging:
            raise MessagingRefused("subscribing through an acquisition campaign")
        return f"{write.identity.kind}:{write.identity.value}", write

    async def _person_path(self, client: VibesClient, write: SubscriberWrite) -> str | None:
        if write.identity.kind != "mdn":
            return write.identity.person_path()
        try:
            response = await self.call(
                client, "GET", "/mobiledb/persons", params={"mdn": write.identity.value}
            )
        except VibesNotFound:
            return None
        person = response.data[0] if isinstance(response.data, list) else response.data
        key = person.get("person_key") if isinstance(person, dict) else None
        return None if not key else f"/mobiledb/persons/{quote(str(key), safe='')}"

    async def _subscription_path(self, client: VibesClient, write: SubscriberWrite) -> str | None:
        person_path = await self._person_path(client, write)
        if person_path is None:
            return None
        return f"{person_path}/subscriptions/{quote(str(write.subscription_list_id), safe='')}"

    async def write(self, client: VibesClient, write: SubscriberWrite) -> Result:
        if write.action == "subscribe":
            assert write.acquisition_id is not None
            body = participant_body(write.identity, write.custom_fields)
            return await add_participant(self, client, write.acquisition_id, body, "subscribe")
        path = await self._subscription_path(client, write)
        if path is None:
            return Result.unchanged("skip", 404, "no person with this mdn")
        try:
            response = await self.call(client, "DELETE", path)
        except VibesNotFound:
            return Result.unchanged("skip", 404, "not subscribed")
        return Result.written("unsubscribe", response.status)

    async def plan(self, client: VibesClient, write: SubscriberWrite) -> Result:
        if write.action == "subscribe":
            assert write.acquisition_id is not None
            return await plan_participant(self, client, write.acquisition_id, "subscribe")
        path = await self._subscription_path(client, write)
        if path is None:
            return Result.unchanged("skip", 404, "no person with this mdn")
        try:
            await self.call(client, "GET", path)
        except VibesNotFound:
            return Result.unchanged("skip", 404, "not subscribed")
        return Result.written("unsubscribe")
