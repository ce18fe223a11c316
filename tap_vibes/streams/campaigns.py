"""Acquisition campaigns (FACTS §2.4): the active ones, at most 50, 404 when there are none.
Event-triggered campaigns (FACTS §2.11): one list of every campaign, whatever its status,
with no paging and no ``since`` filter; ``updated_at`` is the bookmark."""

from __future__ import annotations

from tap_vibes.streams.base import VibesStream


class AcquisitionCampaignsStream(VibesStream):
    name = "acquisition_campaigns"
    path = "/campaigns/acquisition"
    primary_keys = ("acquisition_id",)
    replication_key = "updated_date"
    empty_on_404 = True


class EventTriggeredMessagesStream(VibesStream):
    name = "event_triggered_messages"
    path = "/mobiledb/event_triggered_messages"
    primary_keys = ("event_triggered_message_id",)
    replication_key = "updated_at"
