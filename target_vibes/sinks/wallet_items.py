"""wallet_items: PUT only the fields a record gives, by wallet id and item id.

Null clears a field in Vibes, an omitted field stays. Items exist only once someone
installed the pass, so a 404 rejects the record. A record that sets a lock-screen
notification (passbook.notification) or Google Wallet messages notifies the pass holder:
without allow_messaging it is rejected with a reason naming the setting. Google Wallet
items go through the client's 20 requests/s bucket.
"""

from __future__ import annotations

from typing import Any

from target_vibes.mapping import WalletItemWrite, wallet_item_write
from target_vibes.outcomes import Result
from target_vibes.sinks.base import MessagingRefused, VibesSink
from vibes_api.client import VibesClient
from vibes_api.errors import VibesNotFound


class WalletItemsSink(VibesSink):
    resource = "wallet_items"

    def prepare(self, record: dict[str, Any]) -> tuple[str | None, Any]:
        write = wallet_item_write(record, wallet_id=self.route.wallet_id)
        if write.notifies and not self.allow_messaging:
            raise MessagingRefused("a wallet item notification (passbook/google_wallet)")
        return f"{write.wallet_id}/{write.item_id}", write

    async def write(self, client: VibesClient, write: WalletItemWrite) -> Result:
        limit = "google_wallet" if write.google else "default"
        response = await self.call(client, "PUT", write.path, json=write.body, limit=limit)
        return Result.written("update", response.status)

    async def plan(self, client: VibesClient, write: WalletItemWrite) -> Result:
        try:
            await self.call(client, "GET", write.path)
        except VibesNotFound:
            return Result.rejected(
                "wallet item does not exist (items come from installs)", status=404
            )
        return Result.written("update")
