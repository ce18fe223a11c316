"""Creates that message people and are not safe to repeat: broadcasts, wallet messages.

Records of broadcasts and messages Vibes already holds (they carry its id) are left
alone; a new one is sent only with allow_messaging, and rejected naming it otherwise.

Each record is POSTed once, with retries only for failures that prove Vibes did not act
(429, 503, connection never made). When the answer is lost after sending, the record is
dead-lettered with replay_safe false and a reason saying to check Vibes before replaying.
"""

from __future__ import annotations

from typing import Any

from target_vibes.mapping import CampaignPost, broadcast_write, wallet_message_write
from target_vibes.outcomes import Result
from target_vibes.routing import Messaging, RouteOption
from target_vibes.sinks.base import MessagingRefused, VibesSink
from vibes_api import endpoints
from vibes_api.client import VibesClient


class _CreateSink(VibesSink):
    repeatable = False

    def create(self, write: CampaignPost) -> tuple[None, CampaignPost]:
        """A new message to send: only with allow_messaging (the record is rejected
        otherwise; records of what Vibes already holds never reach here)."""
        self.warn_ignored(write.ignored)
        if not self.allow_messaging:
            raise MessagingRefused(f"a new {self.resource[:-1].replace('_', ' ')}")
        return None, write

    async def write(self, client: VibesClient, write: CampaignPost) -> Result:
        if write.wallet_id is None:
            response = await endpoints.create_broadcast(self.api(client), write.body)
        else:
            response = await endpoints.send_wallet_message(
                self.api(client), write.wallet_id, write.body
            )
        return Result.written("send", response.status)


class BroadcastsSink(_CreateSink):
    resource = "broadcasts"
    messages_people = Messaging.SOME_RECORDS
    messaging_note = "new broadcasts"

    def prepare(self, record: dict[str, Any]) -> tuple[str | None, Any]:
        return self.create(broadcast_write(record))

    async def plan(self, client: VibesClient, write: CampaignPost) -> Result:
        return Result.written("send")


class WalletMessagesSink(_CreateSink):
    resource = "wallet_messages"
    route_options = {"wallet_id": RouteOption()}
    messages_people = Messaging.SOME_RECORDS
    messaging_note = "new wallet messages"

    def prepare(self, record: dict[str, Any]) -> tuple[str | None, Any]:
        return self.create(wallet_message_write(record, wallet_id=self.route.option("wallet_id")))

    async def plan(self, client: VibesClient, write: CampaignPost) -> Result:
        assert write.wallet_id is not None
        if await endpoints.wallet_campaign(self.api(client), write.wallet_id) is None:
            return Result.rejected(
                f"wallet campaign {write.wallet_id!r} does not exist", status=404
            )
        return Result.written("send")
