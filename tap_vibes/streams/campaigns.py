"""Acquisition campaigns (FACTS §2.4): the active ones, at most 50, 404 when there are none."""

from __future__ import annotations

from tap_vibes.streams.base import VibesStream


class AcquisitionCampaignsStream(VibesStream):
    name = "acquisition_campaigns"
    path = "/campaigns/acquisition"
    primary_keys = ("acquisition_id",)
    replication_key = "updated_date"
    empty_on_404 = True
