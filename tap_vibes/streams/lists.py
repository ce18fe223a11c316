"""Subscription lists (FACTS §2.2): no timestamps, so full table."""

from __future__ import annotations

from tap_vibes.streams.base import VibesStream


class SubscriptionListsStream(VibesStream):
    name = "subscription_lists"
    path = "/mobiledb/subscription_lists/"
    primary_keys = ("id",)
    replication_key = None
