"""What a wallet campaign looks like (FACTS §2.9): its Google Wallet template
(``wallet_template``), its Apple Wallet template (``passbook_template``), one each per
campaign, and its location selector page.

POST creates (201), PUT changes (only the fields sent), GET reads; a second POST and a PUT
or GET of what does not exist are the emulator's choices (docs/emulator-choices.md): 422
"already exists, use PUT" and 404 naming the resource.
"""

from __future__ import annotations

from typing import Any

from vibes_emulator.errors import ApiError, not_found

from . import ids
from .clock import MILLI, fmt_millis
from .state import CompanyState, Core, Record, join_id
from .wallet_campaigns import WalletCampaigns

# kind -> (the request's wrapping key, the resource's name in errors)
DESIGNS: dict[str, tuple[str, str]] = {
    "wallet_template": ("wallet_template", "Wallet template"),
    "passbook_template": ("passbook_template", "Passbook template"),
    "location_selector": ("location_selector", "Location selector"),
}


class WalletDesigns:
    def __init__(self, core: Core, campaigns: WalletCampaigns) -> None:
        self.core = core
        self.campaigns = campaigns

    def render(self, state: CompanyState, kind: str, record: Record) -> dict[str, Any]:
        wallet_id = record["wallet_id"]
        if kind == "location_selector":
            head: dict[str, Any] = {
                "token": wallet_id,
                "url": f"https://vbs.cm/l/{wallet_id}",
            }
        else:
            head = {"id": record["id"], "active": True}
        head["created_at"] = fmt_millis(record["created_at"])
        head["updated_at"] = fmt_millis(record["updated_at"])
        return {**head, **record["body"]}

    def _existing(self, state: CompanyState, kind: str, wallet_id: str) -> Record | None:
        self.campaigns.campaign(state, wallet_id)  # 404 for an unknown campaign
        record: Record | None = state.tables["wallet_design"].get(join_id(wallet_id, kind))
        return record

    @staticmethod
    def _fields(kind: str, body: Any) -> dict[str, Any]:
        key = DESIGNS[kind][0]
        fields = body.get(key) if isinstance(body, dict) else None
        if not isinstance(fields, dict):
            raise ApiError(422, f'Request body must be {{"{key}": {{...}}}}')
        return fields

    def get(self, company_key: str, kind: str, wallet_id: str) -> dict[str, Any]:
        state = self.core.company(company_key)
        record = self._existing(state, kind, wallet_id)
        if record is None:
            raise not_found(DESIGNS[kind][1])
        return self.render(state, kind, record)

    def create(self, company_key: str, kind: str, wallet_id: str, body: Any) -> dict[str, Any]:
        state = self.core.company(company_key)
        if self._existing(state, kind, wallet_id) is not None:
            raise ApiError(422, f"{DESIGNS[kind][1]} already exists for this campaign; use PUT")
        fields = self._fields(kind, body)
        now = self.core.clock.now_ms()
        number = self.core.next_seq(state, "wallet_design")
        record: Record = {
            "id": ids.uuid_for(kind, state.key, number),
            "wallet_id": wallet_id,
            "body": dict(fields),
            "created_at": now,
            "updated_at": now,
        }
        self.core.save(state, "wallet_design", join_id(wallet_id, kind), record)
        return self.render(state, kind, record)

    def update(self, company_key: str, kind: str, wallet_id: str, body: Any) -> dict[str, Any]:
        state = self.core.company(company_key)
        record = self._existing(state, kind, wallet_id)
        if record is None:
            raise not_found(DESIGNS[kind][1])
        merged = {**record["body"], **self._fields(kind, body)}
        if merged != record["body"]:
            record["body"] = merged
            record["updated_at"] = self.core.clock.touch(record["updated_at"], MILLI)
            self.core.save(state, "wallet_design", join_id(wallet_id, kind), record)
        return self.render(state, kind, record)

    def delete(self, company_key: str, kind: str, wallet_id: str) -> None:
        state = self.core.company(company_key)
        if self._existing(state, kind, wallet_id) is None:
            raise not_found(DESIGNS[kind][1])
        self.core.remove(state, "wallet_design", join_id(wallet_id, kind))
