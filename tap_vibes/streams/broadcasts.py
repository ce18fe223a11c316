"""Broadcasts (FACTS §2.5): the list answers one status at a time (default ``scheduled``) and
at most 100 each, so the stream asks once per status of the OAS enum, all at once."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from tap_vibes.streams.base import Page, VibesStream

if TYPE_CHECKING:
    from singer_sdk.helpers import types

    from vibes_api.client import VibesClient

STATUSES = ("scheduled", "sent", "canceled", "in_progress", "failed", "paused", "deleted")
# The OAS nests these inside ``targeting``; Vibes' own example has them at the top (§8.1).
NESTED_IN_TARGETING = ("delivery", "url", "created_at", "updated_at")


def hoist_targeting_fields(record: dict[str, Any]) -> dict[str, Any]:
    """Copy the OAS-nested fields to the top level when only the nested form was sent."""
    targeting = record.get("targeting")
    if isinstance(targeting, dict):
        for name in NESTED_IN_TARGETING:
            if record.get(name) is None and targeting.get(name) is not None:
                record[name] = targeting[name]
    return record


class BroadcastsStream(VibesStream):
    name = "broadcasts"
    path = "/mobiledb/broadcasts"
    primary_keys = ("broadcast_id",)
    replication_key = "updated_at"

    async def fetch_pages(
        self,
        client: VibesClient,
        context: types.Context | None,
        since: datetime.datetime | None,
    ) -> AsyncIterator[Page]:
        lists = await asyncio.gather(
            *(
                client.get_list(self.path, {"status": status}, metrics=self.metrics)
                for status in STATUSES
            )
        )
        # A broadcast changing status between two of these calls shows up twice.
        by_id: dict[str, dict[str, Any]] = {}
        for record in (hoist_targeting_fields(r) for page in lists for r in page):
            key = str(record.get("broadcast_id"))
            if key not in by_id or self.order_key(record) > self.order_key(by_id[key]):
                by_id[key] = record
        yield list(by_id.values())
