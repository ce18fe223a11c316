"""Wallet items (FACTS §2.7): newest-updated first, token paging, filters, partial PUT.

Paging: ``X-Next-Page-Token`` encodes the position ``(updated_at, wallet_item_id)`` of the
last item returned, and the next page continues strictly after it in
``(updated_at desc, wallet_item_id desc)`` order. That is how a database cursor over
``updated_at`` behaves under concurrent updates: an item updated while a client pages moves
to the front and is not seen again in that pass (the client finds it next run, since it is
newer than its bookmark); nothing is returned twice.
"""

from __future__ import annotations

import base64
import re
from bisect import bisect_left
from collections.abc import Mapping
from datetime import date
from typing import Any

from vibes_emulator.errors import ApiError, bad_request, json_object, not_found

from .clock import MILLI, fmt_millis
from .state import CompanyState, Core, Record, join_id
from .wallet_campaigns import WalletCampaigns

DEFAULT_PAGE = 50
MAX_PAGE = 1000
FIRST_CLASS_FIELDS = (
    "uuid", "email_address", "external_email_id", "first_name", "last_name", "code",
    "expiration_date", "account_number", "balance", "tier", "offer_value", "loyalty_tier",
    "loyalty_balance", "loyalty_unit_of_measure", "strip_image_code",
)  # fmt: skip
_PAGING = ("page_size", "page_token")
_PROVIDERS = {"google": "google_wallet", "google_wallet": "google_wallet", "passbook": "passbook"}
_READ_ONLY = ("wallet_item_id", "campaign_ref", "url", "provider", "created_at", "updated_at")
_WRITABLE = ("group_code", "active", "tokens", "locations", "passbook", "google_wallet")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def encode_token(updated_at: int, item_id: str) -> str:
    return base64.urlsafe_b64encode(f"{updated_at}:{item_id}".encode()).decode().rstrip("=")


def decode_token(token: str) -> tuple[int, str]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        stamp, item_id = raw.split(":", 1)
        return int(stamp), item_id
    except (ValueError, UnicodeDecodeError) as error:
        raise bad_request("Invalid page_token") from error


def _page_size(raw: str | None) -> int:
    """50 by default; over 1000 is clamped to 1000; anything unparsable is ignored."""
    try:
        size = int(raw) if raw is not None else DEFAULT_PAGE
    except ValueError:
        return DEFAULT_PAGE
    return DEFAULT_PAGE if size < 1 else min(size, MAX_PAGE)


def _valid_date(text: str) -> bool:
    if not _DATE.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _provider_block(name: str, block: Any) -> dict[str, Any] | None:
    """A ``passbook`` / ``google_wallet`` block as stored: its documented fields only (FACTS
    §2.7); ``null``, or a block whose every field is cleared, clears it."""
    if not isinstance(block, dict):
        return None
    if name == "passbook":
        note = block.get("notification")
        return {"notification": note} if isinstance(note, str) else None
    messages = block.get("messages")
    if not isinstance(messages, dict):
        return None
    kept = {key: messages[key] for key in ("header", "body") if isinstance(messages.get(key), str)}
    return {"messages": kept} if kept else None


class WalletItems:
    def __init__(self, core: Core, campaigns: WalletCampaigns) -> None:
        self.core = core
        self.campaigns = campaigns

    def render(self, state: CompanyState, item: Record, campaign: Record) -> dict[str, Any]:
        wallet_id, item_id = item["wallet_id"], item["wallet_item_id"]
        campaign_url = f"/companies/{state.key}/campaigns/wallet/{wallet_id}"
        out: dict[str, Any] = {
            "wallet_item_id": item_id,
            "group_code": item.get("group_code"),
            "campaign_ref": {"id": wallet_id, "type": campaign["type"], "url": campaign_url},
            "active": item["active"],
            "tokens": dict(item["tokens"]),
            "locations": list(item.get("locations") or []),
            "provider": item["provider"],
        }
        # Provider-specific blocks are returned only for their provider (OAS).
        if item["provider"] == "passbook":
            out["passbook"] = item.get("passbook")
        else:
            out["google_wallet"] = item.get("google_wallet")
        out["created_at"] = fmt_millis(item["created_at"])
        out["updated_at"] = fmt_millis(item["updated_at"])
        out["url"] = f"{campaign_url}/items/{item_id}"
        return out

    def _order(
        self, state: CompanyState, wallet_id: str, items: Mapping[str, Record]
    ) -> list[tuple[int, str]]:
        order = state.item_order.get(wallet_id)
        if order is None:
            order = sorted((i["updated_at"], i["wallet_item_id"]) for i in items.values())
            state.item_order[wallet_id] = order
            names: set[str] = set(FIRST_CLASS_FIELDS)
            for item in items.values():
                names.update(item["tokens"])
            state.item_token_names[wallet_id] = names
        return order

    def _filters(
        self, state: CompanyState, wallet_id: str, query: Mapping[str, str]
    ) -> list[tuple[str, str]]:
        """(kind, value) filters; invalid ones are silently ignored, as Vibes does."""
        filters: list[tuple[str, str]] = []
        token_names = state.item_token_names.get(wallet_id, set())
        for name, value in query.items():
            if name in _PAGING:
                continue
            if name == "group_code":
                filters.append(("group_code", value))
            elif name == "provider":
                if value in _PROVIDERS:
                    filters.append(("provider", _PROVIDERS[value]))
            elif name == "expiration_date":
                if _valid_date(value):
                    filters.append(("expiration_date", value))
            elif name in token_names:
                filters.append(("token:" + name, value))
        return filters

    @staticmethod
    def _matches(item: Record, filters: list[tuple[str, str]]) -> bool:
        for kind, value in filters:
            if kind == "group_code":
                ok = item.get("group_code") == value
            elif kind == "provider":
                ok = item["provider"] == value
            elif kind == "expiration_date":
                ok = str(item["tokens"].get("expiration_date", ""))[:10] == value
            else:
                ok = item["tokens"].get(kind[6:]) == value
            if not ok:
                return False
        return True

    def listing(
        self, company_key: str, wallet_id: str, query: Mapping[str, str]
    ) -> tuple[list[dict[str, Any]], str]:
        """One page of items and the next page token ("" on the last page)."""
        state = self.core.company(company_key)
        campaign = self.campaigns.campaign(state, wallet_id)
        items = state.tables["wallet_item"].group("by_campaign", wallet_id)
        if not items:
            raise not_found("Wallet items")
        order = self._order(state, wallet_id, items)
        size = _page_size(query.get("page_size"))
        filters = self._filters(state, wallet_id, query)
        token = query.get("page_token")
        position = bisect_left(order, decode_token(token)) if token else len(order)
        page: list[Record] = []
        more = False
        for index in range(position - 1, -1, -1):
            item = items[order[index][1]]
            if filters and not self._matches(item, filters):
                continue
            if len(page) == size:
                more = True
                break
            page.append(item)
        next_token = (
            encode_token(page[-1]["updated_at"], page[-1]["wallet_item_id"]) if more else ""
        )
        return [self.render(state, i, campaign) for i in page], next_token

    def _item(self, state: CompanyState, wallet_id: str, item_id: str) -> tuple[Record, Record]:
        campaign = self.campaigns.campaign(state, wallet_id)
        item = state.tables["wallet_item"].group("by_campaign", wallet_id).get(item_id)
        if item is None:
            raise not_found("Wallet item")
        return item, campaign

    def get(self, company_key: str, wallet_id: str, item_id: str) -> dict[str, Any]:
        state = self.core.company(company_key)
        item, campaign = self._item(state, wallet_id, item_id)
        return self.render(state, item, campaign)

    def provider_of(self, company_key: str, wallet_id: str, item_id: str) -> str | None:
        state = self.core.companies.get(company_key)
        if state is None:
            return None
        item = state.tables["wallet_item"].group("by_campaign", wallet_id).get(item_id)
        return None if item is None else str(item["provider"])

    def update(self, company_key: str, wallet_id: str, item_id: str, body: Any) -> dict[str, Any]:
        """Partial update: present fields overwrite, ``null`` clears, omitted stay; tokens
        merge key by key (a ``null`` token value removes that token)."""
        state = self.core.company(company_key)
        item, campaign = self._item(state, wallet_id, item_id)
        body = json_object(body)
        current = self.render(state, item, campaign)
        problems = [
            f"{name} cannot be changed"
            for name in _READ_ONLY
            if name in body and body[name] != current.get(name)
        ]
        problems += [
            f"Unknown field {name}" for name in body if name not in (*_READ_ONLY, *_WRITABLE)
        ]
        updated = {**item, "tokens": dict(item["tokens"])}
        if "tokens" in body:
            tokens = body["tokens"]
            if tokens is None:
                updated["tokens"] = {}
            elif not isinstance(tokens, dict):
                problems.append("tokens must be an object")
            else:
                for name, value in tokens.items():
                    if value is None:
                        updated["tokens"].pop(name, None)
                    elif isinstance(value, dict | list):
                        problems.append(f"tokens.{name} must be a string")
                    else:
                        updated["tokens"][name] = value if isinstance(value, str) else str(value)
        if "active" in body and not isinstance(body["active"], bool):
            problems.append("active must be true or false")
        if "locations" in body and not isinstance(body["locations"], list | None):
            problems.append("locations must be an array")
        if "group_code" in body and not isinstance(body["group_code"], str | None):
            problems.append("group_code must be a string or null")
        for name in ("group_code", "active", "locations"):
            if name in body:
                updated[name] = body[name]
        for name in ("passbook", "google_wallet"):
            if name in body and not isinstance(body[name], dict | None):
                problems.append(f"{name} must be an object or null")
            elif name in body:
                updated[name] = _provider_block(name, body[name])
        if problems:
            raise ApiError(422, *problems)
        if updated != item:
            updated["updated_at"] = self.core.clock.touch(item["updated_at"], MILLI)
            item.update(updated)
            self.core.save(state, "wallet_item", join_id(wallet_id, item_id), item)
        return self.render(state, item, campaign)
