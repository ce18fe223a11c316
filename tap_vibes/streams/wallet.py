"""Wallet campaigns, and their items and messages (FACTS §2.6 to §2.8).

Items and messages are child streams with state per campaign. Vibes does not document that a
campaign's ``updated_at`` moves when its items change, so the children set
``ignore_parent_replication_key``: when either is selected the SDK reads every campaign
(full table, at most 50) instead of skipping campaigns unchanged since the last run.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
from collections.abc import AsyncGenerator, AsyncIterator
from typing import TYPE_CHECKING, Any, cast

from tap_vibes.streams.base import Page, VibesStream
from tap_vibes.timestamps import parse_timestamp
from vibes_api import endpoints

if TYPE_CHECKING:
    from singer_sdk.helpers import types

    from vibes_api.client import VibesClient


class WalletCampaignsStream(VibesStream):
    name = "wallet_campaigns"
    path = "/campaigns/wallet"
    primary_keys = ("wallet_id",)
    replication_key = "updated_at"
    empty_on_404 = True

    def get_child_context(
        self, record: dict[str, Any], context: types.Context | None
    ) -> dict[str, Any]:
        return {"wallet_id": record["wallet_id"]}


class WalletItemsStream(VibesStream):
    """Paged newest first (``X-Next-Page-Token``), so the stream cannot sort; it stops paging
    at the first page that reaches items older than the campaign's bookmark."""

    name = "wallet_items"
    path = "/campaigns/wallet/{wallet_id}/items"
    primary_keys = ("wallet_id", "wallet_item_id")
    replication_key = "updated_at"
    parent_stream_type = WalletCampaignsStream
    ignore_parent_replication_key = True
    sorts_records = False
    page_size = 1000  # the most Vibes serves per page

    async def fetch_pages(
        self,
        client: VibesClient,
        context: types.Context | None,
        since: datetime.datetime | None,
    ) -> AsyncIterator[Page]:
        pages = cast(
            "AsyncGenerator[tuple[Page, str | None], None]",
            client.iter_pages(
                self.list_path(context), page_size=self.page_size, metrics=self.metrics
            ),
        )
        async with contextlib.aclosing(pages):
            async for items, _token in pages:
                older = since is not None and self.reaches_before(items, since)
                yield items
                if older:  # later pages hold only older items
                    return

    def reaches_before(self, items: Page, since: datetime.datetime) -> bool:
        """True when the page holds an item older than ``since``: later pages are older."""
        return any(
            instant is not None and instant < since
            for instant in (parse_timestamp(item.get("updated_at")) for item in items)
        )


class WalletMessagesStream(VibesStream):
    name = "wallet_messages"
    path = "/campaigns/wallet/{wallet_id}/messages"
    primary_keys = ("wallet_id", "wallet_message_id")
    replication_key = "created_at"
    parent_stream_type = WalletCampaignsStream
    ignore_parent_replication_key = True


class WalletLocationsStream(VibesStream):
    """Store locations: no timestamps (full table), paged by number until a short page."""

    name = "wallet_locations"
    path = "/campaigns/wallet/{wallet_id}/locations"
    primary_keys = ("wallet_id", "id")
    replication_key = None
    parent_stream_type = WalletCampaignsStream
    ignore_parent_replication_key = True

    async def fetch_pages(
        self,
        client: VibesClient,
        context: types.Context | None,
        since: datetime.datetime | None,
    ) -> AsyncIterator[Page]:
        call = functools.partial(client.request, metrics=self.metrics)
        pages = cast(
            "AsyncGenerator[Page, None]",
            endpoints.wallet_location_pages(call, str((context or {})["wallet_id"])),
        )
        async with contextlib.aclosing(pages):
            async for items in pages:
                yield items
