"""Wallet messages (FACTS §2.8): create (sent at once), the 50 most recent, one by id."""

from __future__ import annotations

from typing import Any

from vibes_emulator.errors import ApiError, json_object, not_found

from .clock import fmt_millis
from .state import CompanyState, Core, Record, join_id
from .wallet_campaigns import WalletCampaigns

LIST_CAP = 50
SELECTORS = ("starts_with", "between", "=", "<", "<=", ">", ">=", "before", "after", "on", "any")
FILTER_NAMES = ("group_code", "provider", "providers", "expiration_date", "first_class_field")


def _check_filters(filters: Any) -> list[str]:
    if filters is None:
        return []
    if not isinstance(filters, list):
        return ["filters must be an array"]
    problems = []
    for index, item in enumerate(filters):
        where = f"filters[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where} must be an object")
            continue
        if item.get("name") not in FILTER_NAMES:
            problems.append(f"{where}.name must be one of {', '.join(FILTER_NAMES)}")
        if item.get("name") == "first_class_field" and not isinstance(item.get("field_name"), str):
            problems.append(f"{where}.field_name is required for first_class_field filters")
        if item.get("selector") not in SELECTORS:
            problems.append(f"{where}.selector must be one of {', '.join(SELECTORS)}")
        if "value" not in item:
            problems.append(f"{where}.value is required")
    return problems


class WalletMessages:
    def __init__(self, core: Core, campaigns: WalletCampaigns) -> None:
        self.core = core
        self.campaigns = campaigns

    def render(self, state: CompanyState, m: Record, campaign: Record) -> dict[str, Any]:
        wallet_id = m["wallet_id"]
        campaign_url = f"/companies/{state.key}/campaigns/wallet/{wallet_id}"
        return {
            "wallet_message_id": m["wallet_message_id"],
            "message": dict(m["message"]),
            "campaign_ref": {"id": wallet_id, "type": campaign["type"], "url": campaign_url},
            "filters": list(m["filters"]),
            "created_at": fmt_millis(m["created_at"]),
            "updated_at": fmt_millis(m["updated_at"]),
            "url": f"{campaign_url}/messages/{m['wallet_message_id']}",
        }

    def listing(self, company_key: str, wallet_id: str) -> list[dict[str, Any]]:
        state = self.core.company(company_key)
        campaign = self.campaigns.campaign(state, wallet_id)
        messages = list(state.tables["wallet_message"].group("by_campaign", wallet_id).values())
        messages.sort(key=lambda m: (m["created_at"], int(m["wallet_message_id"])), reverse=True)
        return [self.render(state, m, campaign) for m in messages[:LIST_CAP]]

    def get(self, company_key: str, wallet_id: str, message_id: str) -> dict[str, Any]:
        state = self.core.company(company_key)
        campaign = self.campaigns.campaign(state, wallet_id)
        message = state.tables["wallet_message"].group("by_campaign", wallet_id).get(message_id)
        if message is None:
            raise not_found("Wallet message")
        return self.render(state, message, campaign)

    def create(self, company_key: str, wallet_id: str, body: Any) -> dict[str, Any]:
        state = self.core.company(company_key)
        campaign = self.campaigns.campaign(state, wallet_id)
        body = json_object(body)
        message = body.get("message")
        problems: list[str] = []
        if (
            not isinstance(message, dict)
            or not isinstance(message.get("template"), str)
            or not message["template"]
        ):
            problems.append("message.template is required")
            message = {}
        for name in ("header", "message_type"):
            if message.get(name) is not None and not isinstance(message[name], str):
                problems.append(f"message.{name} must be a string")
        problems += _check_filters(body.get("filters"))
        if problems:
            raise ApiError(422, *problems)
        number = self.core.next_seq(state, "wallet_message", start=5001)
        now = self.core.clock.now_ms()
        record: Record = {
            "wallet_message_id": str(number),
            "wallet_id": wallet_id,
            "message": {
                k: message[k] for k in ("template", "header", "message_type") if k in message
            },
            "filters": body.get("filters") or [],
            "created_at": now,
            "updated_at": now,
        }
        self.core.save(
            state, "wallet_message", join_id(wallet_id, record["wallet_message_id"]), record
        )
        return self.render(state, record, campaign)
