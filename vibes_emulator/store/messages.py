"""Sent messages: what the emulator "sent" for each routed event, one row per message.

Vibes reports a sent message only through ``event_processed`` callbacks and the daily
Message and Push Message extracts; the emulator keeps each message it sends in the
``sent_message`` table so both can be told from one record. A row (``SentMessage``):

==========================  =========================================================
``message_id``              the message's id (a UUID; the table's record id)
``event_id``, ``event_type`` the event that triggered it
``event_triggered_message_id``  the campaign (integer)
``channel``                 ``sms`` or ``push``
``person_key``, ``external_person_id``  the recipient
``mdn``                     E.164 number the SMS went to (None for push)
``app_id``, ``vibes_device_id``  the device a push went to (None for SMS)
``message``                 the campaign's message template, as sent
``status``                  ``delivered`` (SMS: handset DLR received; push: queued
                            to the device, the last state Vibes reports for push)
``queued_at``               epoch ms the message was queued
``carrier_dlr_at``, ``handset_dlr_at``  epoch ms of the SMS delivery receipts (None for push)
==========================  =========================================================
"""

from __future__ import annotations

import uuid
from typing import Any, TypedDict

from .state import CompanyState, Core, Record


class SentMessage(TypedDict):
    message_id: str
    event_id: str
    event_type: str
    event_triggered_message_id: int
    channel: str
    person_key: str
    external_person_id: str | None
    mdn: str | None
    app_id: str | None
    vibes_device_id: str | None
    message: str
    status: str
    queued_at: int
    carrier_dlr_at: int | None
    handset_dlr_at: int | None


class SentMessages:
    def __init__(self, core: Core) -> None:
        self.core = core

    def record(
        self,
        state: CompanyState,
        event: Record,
        campaign: Record,
        person: Record,
        device: Record | None,
    ) -> SentMessage:
        """Remember one message sent for ``event`` (an SMS when ``device`` is None)."""
        now = self.core.clock.now_ms()
        sms = device is None
        row: SentMessage = {
            "message_id": str(uuid.uuid4()),
            "event_id": event["event_id"],
            "event_type": event["event_type"],
            "event_triggered_message_id": campaign["event_triggered_message_id"],
            "channel": "sms" if sms else "push",
            "person_key": person["person_key"],
            "external_person_id": person.get("external_person_id"),
            "mdn": person.get("mdn") if sms else None,
            "app_id": None if device is None else device["app_id"],
            "vibes_device_id": None if device is None else device["vibes_device_id"],
            "message": campaign["targeting"].get("message_template", ""),
            "status": "delivered",
            "queued_at": now,
            "carrier_dlr_at": now if sms else None,
            "handset_dlr_at": now if sms else None,
        }
        self.core.save(state, "sent_message", row["message_id"], dict(row))
        return row

    def listing(self, company_key: str) -> list[dict[str, Any]]:
        """Every sent message of a company, oldest first (for the extract writers)."""
        state = self.core.company(company_key)
        return sorted(
            (dict(r) for r in state.tables["sent_message"].values()),
            key=lambda r: (r["queued_at"], r["message_id"]),
        )
