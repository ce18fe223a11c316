"""wallet_items: PUT only what differs from the item Vibes has, by wallet id and item id.

The item is read first and the record compared with it (mapping.wallet_item_changes): a
record equal to Vibes' state is "unchanged" and sends nothing, and pass text sent back
unchanged (tap-vibes output, a warehouse copy) is state, not a new notification. Only a
changed lock-screen notification (passbook.notification) or Google Wallet message
notifies the holder, and only that needs allow_messaging (otherwise the record is
rejected with a reason naming the setting). Null clears a field in Vibes, an omitted
field stays. Items exist only once someone installed the pass, so a 404 rejects the
record. Google Wallet items go through the client's 20 requests/s bucket.
"""

from __future__ import annotations

from typing import Any

from target_vibes.mapping import WalletItemWrite, wallet_item_write
from target_vibes.mapping.campaigns import notifies, wallet_item_changes
from target_vibes.outcomes import Result
from target_vibes.routing import Messaging, RouteOption
from target_vibes.sinks.base import MessagingRefused, VibesSink
from vibes_api import endpoints
from vibes_api.client import VibesClient


class WalletItemsSink(VibesSink):
    resource = "wallet_items"
    route_options = {"wallet_id": RouteOption()}
    messages_people = Messaging.SOME_RECORDS
    messaging_note = "changed wallet item notifications"

    def prepare(self, record: dict[str, Any]) -> tuple[str | None, Any]:
        write = wallet_item_write(record, wallet_id=self.route.option("wallet_id"))
        return f"{write.wallet_id}/{write.item_id}", write

    async def _apply(self, client: VibesClient, write: WalletItemWrite, *, send: bool) -> Result:
        api = self.api(client)
        current = await endpoints.wallet_item(
            api, write.wallet_id, write.item_id, google=write.google
        )
        if current is None:
            return Result.rejected(
                "wallet item does not exist (items come from installs)", status=404
            )
        item = current.data if isinstance(current.data, dict) else {}
        changes = wallet_item_changes(write.body, item)
        if not changes:
            return Result.unchanged("update", current.status, "same as Vibes has")
        if notifies(changes) and not self.allow_messaging:
            return Result.rejected(
                str(MessagingRefused("a changed wallet item notification (passbook/google_wallet)"))
            )
        if not send:
            return Result.written("update")
        response = await endpoints.update_wallet_item(
            api, write.wallet_id, write.item_id, changes, google=write.google
        )
        return Result.written("update", response.status)

    async def write(self, client: VibesClient, write: WalletItemWrite) -> Result:
        return await self._apply(client, write, send=True)

    async def plan(self, client: VibesClient, write: WalletItemWrite) -> Result:
        return await self._apply(client, write, send=False)
