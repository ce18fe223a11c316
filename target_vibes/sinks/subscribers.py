"""subscribers: bring one person's subscription to one list to the state a row asks for.

Rows are states, not commands: an opted-out row asks for "not subscribed", an active row
for "subscribed" (see mapping.people.subscriber_action for the recognised shapes). Rows
about the same person and list are applied in time order and only the latest decides;
earlier ones count as "unchanged" (superseded). The decisive row is then compared with
Vibes' own history of that person on that list, read first:

- Unsubscribe: nothing to do when the person is not subscribed. When Vibes' active
  subscription began after the row's opt-out (the person subscribed again since), the row
  is out of date and changes nothing: an old opt-out never removes a newer subscription.
  Otherwise DELETE /mobiledb/persons/{key|external/id}/subscriptions/{list} (a 404 then
  means someone else got there first: "unchanged").
- Subscribe: nothing to do when the person is subscribed. When the person opted out of the
  list after the row's time, the row is out of date: an old opt-in never re-subscribes
  someone who opted out since. Otherwise Vibes has no direct subscribe: the person is added
  as a participant of the row's acquisition campaign, which texts them, so it needs
  ``allow_messaging`` and an ``acquisition_id`` (each refusal names what to set).

Persons named only by MDN are looked up first. A dry run makes the same reads and stops
before the write, so its plan is the run's outcome.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from target_vibes.mapping import SubscriberWrite, participant_body, subscriber_write
from target_vibes.outcomes import Result
from target_vibes.routing import Messaging, RouteOption
from target_vibes.sinks.base import MessagingRefused, Pending, VibesSink
from target_vibes.sinks.participants import add_participant, plan_participant
from vibes_api import endpoints
from vibes_api.client import VibesClient
from vibes_api.values import parse_timestamp

_NO_TIME = dt.datetime.min.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class ListHistory:
    """What Vibes says about one person on one list: the active subscription's opt-in and
    the latest opt-out (None when there is none)."""

    active_since: dt.datetime | None
    subscribed: bool
    last_opt_out: dt.datetime | None


def list_history(subscriptions: Any, list_id: str) -> ListHistory:
    """Summarise a person's subscriptions (``active_only=false``) for one list."""
    subscribed = False
    active_since: dt.datetime | None = None
    last_out: dt.datetime | None = None
    for sub in subscriptions if isinstance(subscriptions, list) else []:
        if not isinstance(sub, dict):
            continue
        listed = sub.get("subscription_list") or {}
        if str(listed.get("id", sub.get("subscription_list_id"))) != list_id:
            continue
        opted_out = parse_timestamp(sub.get("opt_out_date"))
        if sub.get("opt_out_date") is None:
            subscribed = True
            active_since = parse_timestamp(sub.get("opt_in_date"))
        elif opted_out is not None and (last_out is None or opted_out > last_out):
            last_out = opted_out
    return ListHistory(active_since=active_since, subscribed=subscribed, last_opt_out=last_out)


def subscription_of(item: Pending) -> SubscriberWrite:
    """The subscription change a pending write carries (the API sink's write itself, or
    the third part of a file sink's (kind, row, change))."""
    write = item.write
    return write if isinstance(write, SubscriberWrite) else write[2]


class SubscriberHistory(VibesSink):
    """What both subscribers sinks (API and files) read before they change anything."""

    resource = "subscribers"
    route_options = {"subscription_list_id": RouteOption(), "acquisition_id": RouteOption()}
    messages_people = Messaging.SOME_RECORDS
    messaging_note = "subscribing through a campaign"

    def subscriber(self, record: dict[str, Any]) -> tuple[str, SubscriberWrite]:
        """(ordering key: person and list, the change the record asks for)."""
        write = subscriber_write(
            record,
            subscription_list_id=self.route.option("subscription_list_id"),
            acquisition_id=self.route.option("acquisition_id"),
        )
        self.warn_ignored(write.ignored)
        return f"{write.identity.kind}:{write.identity.value}/{write.subscription_list_id}", write

    def supersede(self, group: Sequence[Pending]) -> tuple[list[Pending], list[Pending]]:
        """The latest row of one person and list, and the rows it makes out of date.

        Rows with times are ordered by them; rows without one (a CRM flag) keep their input
        order, which is then the only order there is.
        """
        changes = [subscription_of(item) for item in group]
        if all(change.as_of is not None for change in changes):
            order = sorted(range(len(group)), key=lambda i: changes[i].as_of or _NO_TIME)
            ordered = [group[i] for i in order]
        else:
            ordered = list(group)
        return ordered[-1:], ordered[:-1]

    async def settled_already(
        self, client: VibesClient, write: SubscriberWrite, person_path: str | None
    ) -> Result | None:
        """ "Unchanged" when Vibes already has the state the row asks for, or something newer
        than the row; None when the change is still to be made."""
        if write.subscription_list_id is None:
            return None  # a subscribe row naming only its campaign: Vibes' answer decides
        if person_path is None:
            if write.action == "unsubscribe":
                return Result.unchanged("skip", 404, "no person with this mdn")
            return None
        history = await self._history(client, person_path, write.subscription_list_id)
        if write.action == "unsubscribe":
            if not history.subscribed:
                return Result.unchanged("skip", 404, "not subscribed")
            if write.as_of and history.active_since and history.active_since > write.as_of:
                return Result.unchanged(
                    "skip", 200, "the person subscribed to this list again after this row's opt-out"
                )
            return None
        if history.subscribed:
            return Result.unchanged("skip", 200, "already subscribed")
        if write.as_of and history.last_opt_out and history.last_opt_out > write.as_of:
            return Result.unchanged(
                "skip", 200, "the person opted out of this list after this row's opt-in"
            )
        return None

    async def person_path(self, client: VibesClient, write: SubscriberWrite) -> str | None:
        """The person's path (an MDN is looked up first); None for an unknown MDN."""
        return await endpoints.person_ref(
            self.api(client), write.identity.kind, write.identity.value
        )

    async def _history(self, client: VibesClient, person_path: str, list_id: str) -> ListHistory:
        return list_history(await endpoints.subscriptions(self.api(client), person_path), list_id)


class SubscribersSink(SubscriberHistory):
    def prepare(self, record: dict[str, Any]) -> tuple[str | None, Any]:
        return self.subscriber(record)

    async def _apply(self, client: VibesClient, write: SubscriberWrite, *, send: bool) -> Result:
        """Read what Vibes has, decide, and (when ``send``) write."""
        person_path = await self.person_path(client, write)
        done = await self.settled_already(client, write, person_path)
        if done is not None:
            return done
        if write.action == "subscribe":
            return await self._subscribe(client, write, send=send)
        if not send:
            return Result.written("unsubscribe")
        assert person_path is not None  # settled_already answered for an unknown person
        response = await endpoints.unsubscribe(
            self.api(client), person_path, str(write.subscription_list_id)
        )
        if response is None:
            return Result.unchanged("skip", 404, "not subscribed")
        return Result.written("unsubscribe", response.status)

    async def _subscribe(
        self, client: VibesClient, write: SubscriberWrite, *, send: bool
    ) -> Result:
        if write.acquisition_id is None:
            return Result.rejected(
                f"the person is not subscribed to list {write.subscription_list_id}; Vibes "
                "subscribes people only through an acquisition campaign: give acquisition_id "
                "in the record or the stream's 'streams' setting"
            )
        if not self.allow_messaging:
            return Result.rejected(str(MessagingRefused("subscribing through a campaign")))
        if not send:
            return await plan_participant(self, client, write.acquisition_id, "subscribe")
        body = participant_body(write.identity, write.custom_fields)
        return await add_participant(self, client, write.acquisition_id, body, "subscribe")

    async def write(self, client: VibesClient, write: SubscriberWrite) -> Result:
        return await self._apply(client, write, send=True)

    async def plan(self, client: VibesClient, write: SubscriberWrite) -> Result:
        return await self._apply(client, write, send=False)
