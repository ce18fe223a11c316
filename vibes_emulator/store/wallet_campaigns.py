"""Wallet campaigns (FACTS §2.6): the 50 most recently updated active ones, one by id,
create and update (``type`` immutable)."""

from __future__ import annotations

from typing import Any

from vibes_emulator.errors import ApiError, not_found

from . import ids
from .clock import MILLI, fmt_millis, parse_iso
from .state import CompanyState, Core, Record

LIST_CAP = 50
TYPES = ("offer", "loyalty", "event_ticket")
_ALGORITHMS = ("RS256", "HS256")
_OPTIONAL = ("description", "redirect_link", "ignore_unsecure_params")


def is_active(campaign: Record, now_ms: int) -> bool:
    expires = campaign.get("expiration_date")
    return expires is None or expires > now_ms


class WalletCampaigns:
    def __init__(self, core: Core) -> None:
        self.core = core

    def render(self, state: CompanyState, c: Record) -> dict[str, Any]:
        wallet_id = c["wallet_id"]
        out: dict[str, Any] = {
            "wallet_id": wallet_id,
            "name": c["name"],
            "type": c["type"],
            "smartlink_url": f"https://vbs.cm/w/{wallet_id}",
            "url": f"/companies/{state.key}/campaigns/wallet/{wallet_id}",
        }
        # Optional attributes are "returned only when set" (OAS).
        for name in _OPTIONAL:
            if c.get(name) is not None:
                out[name] = c[name]
        if c.get("expiration_date") is not None:
            out["expiration_date"] = fmt_millis(c["expiration_date"])
        security = c.get("security_configuration")
        if security:
            out["security_configuration"] = {
                "public_key": "[REDACTED]",
                "jwt_algorithm": security.get("jwt_algorithm", "RS256"),
            }
        out["created_at"] = fmt_millis(c["created_at"])
        out["updated_at"] = fmt_millis(c["updated_at"])
        return out

    def campaign(self, state: CompanyState, wallet_id: str) -> Record:
        campaign = state.tables["wallet_campaign"].get(wallet_id)
        if campaign is None:
            raise not_found("Wallet campaign")
        return campaign

    def listing(self, company_key: str) -> list[dict[str, Any]]:
        state = self.core.company(company_key)
        now = self.core.clock.now_ms()
        active = [c for c in state.tables["wallet_campaign"].values() if is_active(c, now)]
        if not active:
            raise not_found("Wallet campaign")
        active.sort(key=lambda c: (c["updated_at"], c["wallet_id"]), reverse=True)
        return [self.render(state, c) for c in active[:LIST_CAP]]

    def get(self, company_key: str, wallet_id: str) -> dict[str, Any]:
        state = self.core.company(company_key)
        return self.render(state, self.campaign(state, wallet_id))

    def _parse(self, body: Any, existing: Record | None) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("campaign"), dict):
            raise ApiError(422, 'Request body must be {"campaign": {...}}')
        fields = body["campaign"]
        problems: list[str] = []
        out: dict[str, Any] = {}
        if "name" in fields or existing is None:
            if not isinstance(fields.get("name"), str) or not fields["name"].strip():
                problems.append("campaign.name is required")
            out["name"] = fields.get("name")
        if "type" in fields or existing is None:
            # Older docs capitalise the type ("Offer"); accept both spellings.
            kind = str(fields.get("type", "")).lower()
            if kind not in TYPES:
                problems.append(f"campaign.type must be one of {', '.join(TYPES)}")
            elif existing is not None and kind != existing["type"]:
                problems.append("campaign.type cannot be changed")
            out["type"] = kind
        if "expiration_date" in fields:
            raw = fields["expiration_date"]
            instant = None if raw is None else parse_iso(raw)
            if raw is not None and instant is None:
                problems.append("campaign.expiration_date must be ISO-8601")
            out["expiration_date"] = instant
        final_type = out.get("type") or (existing or {}).get("type")
        expires = out.get("expiration_date", (existing or {}).get("expiration_date"))
        if final_type in ("offer", "event_ticket") and expires is None:
            problems.append(f"campaign.expiration_date is required for {final_type} campaigns")
        for name in _OPTIONAL:
            if name in fields:
                out[name] = fields[name]
        if "security_configuration" in fields:
            security = fields["security_configuration"]
            if security is not None and (
                not isinstance(security, dict)
                or security.get("jwt_algorithm", "RS256") not in _ALGORITHMS
            ):
                problems.append(
                    "campaign.security_configuration.jwt_algorithm must be RS256 or HS256"
                )
            out["security_configuration"] = security
        if problems:
            raise ApiError(422, *problems)
        return out

    def create(self, company_key: str, body: Any) -> dict[str, Any]:
        state = self.core.company(company_key)
        fields = self._parse(body, None)
        wallet_id = ids.short_token(
            "wallet", state.key, self.core.next_seq(state, "wallet_campaign"), 6
        )
        while wallet_id in state.tables["wallet_campaign"]:  # a 6-letter token can collide
            wallet_id = ids.short_token(
                "wallet", state.key, self.core.next_seq(state, "wallet_campaign"), 6
            )
        now = self.core.clock.now_ms()
        campaign: Record = {
            "wallet_id": wallet_id,
            **fields,
            "created_at": now,
            "updated_at": now,
        }
        self.core.save(state, "wallet_campaign", campaign["wallet_id"], campaign)
        return self.render(state, campaign)

    def update(self, company_key: str, wallet_id: str, body: Any) -> dict[str, Any]:
        state = self.core.company(company_key)
        campaign = self.campaign(state, wallet_id)
        updated = {**campaign, **self._parse(body, campaign)}
        if updated != campaign:
            updated["updated_at"] = self.core.clock.touch(campaign["updated_at"], MILLI)
            campaign.update(updated)
            self.core.save(state, "wallet_campaign", wallet_id, campaign)
        return self.render(state, campaign)
