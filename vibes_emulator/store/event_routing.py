"""Routing an accepted event to event-triggered campaigns, as ``event_processed`` reports it.

FACTS §3.4 names the outcomes; the emulator reports each as one ``event_processed``
callback whose ``action`` is one step (docs/emulator-choices.md has the strings):

- no campaign in progress for the event type: routing failed, ``no_route_rules``;
- per campaign in progress: the person named by ``event_data`` is not found
  (``person_not_found``) or is not subscribed to a list the campaign targets
  (``person_not_in_list``): routing failed; else routing succeeded
  (``accepted_by_event_triggered_message``) and the message is sent: an SMS is queued to
  the carrier, then the carrier DLR and the handset DLR arrive; a push is queued to each
  of the person's devices in the campaign's app. A person without a number (SMS) or
  without a device (push) is a processing failure.

Every message sent is kept in the ``sent_message`` table (:mod:`messages`).
"""

from __future__ import annotations

from typing import Any

from vibes_emulator.errors import ApiError

from .event_triggered import EventTriggeredMessages, target_lists
from .mdn import parse_mdn
from .messages import SentMessages
from .persons import Persons
from .push_devices import PushDevices
from .state import CompanyState, Core, Record

ACCEPTED = "accepted_by_event_triggered_message"
NO_ROUTE = "no_route_rules"
PERSON_NOT_FOUND = "person_not_found"
NOT_IN_LIST = "person_not_in_list"


def action(kind: str, status: str, reason: str, url: str | None, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "status": status, "status_reason": reason, "resource_url": url, **extra}


class EventRouter:
    def __init__(
        self,
        core: Core,
        persons: Persons,
        campaigns: EventTriggeredMessages,
        devices: PushDevices,
        messages: SentMessages,
    ) -> None:
        self.core = core
        self.persons = persons
        self.campaigns = campaigns
        self.devices = devices
        self.messages = messages

    def person_of(self, state: CompanyState, data: dict[str, Any], version: int) -> Record | None:
        """The person ``event_data`` names by mdn, person_key/person_id, external id or device."""
        person: Record | None = None
        if isinstance(data.get("mdn"), str):
            try:
                person = self.persons.by_mdn(state, parse_mdn(data["mdn"], version))
            except ApiError:
                person = None
        for name in ("person_key", "person_id"):
            if person is None and isinstance(data.get(name), str):
                person = self.persons.by_key_or_id(state, data[name])
        if person is None and isinstance(data.get("external_person_id"), str):
            person = self.persons.by_external(state, data["external_person_id"])
        if person is None and isinstance(data.get("vibes_device_id"), str):
            device = self.devices.by_device_id(state, data["vibes_device_id"])
            owner = None if device is None else device.get("person_key")
            person = None if owner is None else state.tables["person"].get(owner)
        return person

    def route(self, state: CompanyState, event: Record, version: int) -> None:
        campaigns = self.campaigns.active_for(state, event["event_type"])
        if not campaigns:
            self._report(state, event, action("routing", "failed", NO_ROUTE, None))
            return
        person = self.person_of(state, event["event_data"], version)
        for campaign in campaigns:
            number = campaign["event_triggered_message_id"]
            url = f"/companies/{state.key}/mobiledb/event_triggered_messages/{number}"
            if person is None:
                self._report(state, event, action("routing", "failed", PERSON_NOT_FOUND, url))
                continue
            lists = target_lists(campaign)
            subscribed = {
                s["list_id"]
                for s in state.tables["subscription"]
                .group("by_person", person["person_key"])
                .values()
                if s.get("opt_out_date") is None
            }
            if lists and not subscribed.intersection(lists):
                self._report(state, event, action("routing", "failed", NOT_IN_LIST, url))
                continue
            self._report(state, event, action("routing", "processing", ACCEPTED, url))
            self._send(state, event, campaign, person, url)

    def _send(
        self, state: CompanyState, event: Record, campaign: Record, person: Record, url: str
    ) -> None:
        targeting = campaign["targeting"]
        if targeting.get("channel") == "push":
            app_id = (targeting.get("push") or {}).get("app_id")
            devices = [
                d
                for d in self.devices.of_person_record(state, person["person_key"])
                if d["app_id"] == app_id
            ]
            if not devices:
                self._report(state, event, action("processing", "failed", "no_push_device", url))
            for device in devices:
                sent = self.messages.record(state, event, campaign, person, device)
                step = action(
                    "processing", "queued", "push_queued", url, message_id=sent["message_id"]
                )
                self._report(state, event, step)
            return
        if person.get("mdn") is None:
            self._report(state, event, action("processing", "failed", "no_mobile_phone", url))
            return
        sent = self.messages.record(state, event, campaign, person, None)
        message_id = sent["message_id"]
        steps = (
            ("processing", "queued", "sms_queued_to_carrier"),
            ("carrier_dlr", "delivered", "delivered_to_carrier"),
            ("handset_dlr", "delivered", "delivered_to_handset"),
        )
        for kind, status, reason in steps:
            self._report(state, event, action(kind, status, reason, url, message_id=message_id))

    def _report(self, state: CompanyState, event: Record, step: dict[str, Any]) -> None:
        self.core.emit(state, "event_processed", {"event": event, "action": step})
