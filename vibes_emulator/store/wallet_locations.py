"""Store locations of a wallet campaign (FACTS §2.9): paged list with exact-match filters,
bulk add behind an Idempotency-Key, delete one, delete all (or all in one zip code).

Locations carry no timestamps. Vibes publishes no page defaults (§8 gap 3) and does not say
what a bulk add does with a ``location_id`` already present; the emulator's choices are in
docs/emulator-choices.md: page 1 and 50 per page by default, at most 1000 per page, and a
bulk add always adds (so the Idempotency-Key is what keeps a retried request from adding
twice).
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from vibes_emulator.errors import ApiError, bad_request, not_found

from .state import CompanyState, Core, Record, join_id
from .wallet_campaigns import WalletCampaigns

FIELDS = (
    "location_id",
    "name",
    "address",
    "address_2",
    "city",
    "state",
    "zip",
    "phone_number",
    "store_hours",
    "latitude",
    "longitude",
    "notification_message",
)
FILTERS = ("zip", "latitude", "longitude")
MAX_BULK = 1000
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def _positive(query: dict[str, str], name: str, default: int, high: int | None = None) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be a positive integer") from None
    if value < 1:
        raise bad_request(f"{name} must be a positive integer")
    return value if high is None else min(value, high)


def request_digest(body: Any) -> str:
    """What an Idempotency-Key is bound to: the request body, canonically."""
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


class WalletLocations:
    def __init__(self, core: Core, campaigns: WalletCampaigns) -> None:
        self.core = core
        self.campaigns = campaigns

    @staticmethod
    def render(location: Record) -> dict[str, Any]:
        # Fields never given are left out, as wallet campaigns leave out unset attributes.
        out: dict[str, Any] = {"id": location["id"]}
        out.update((name, location[name]) for name in FIELDS if location.get(name) is not None)
        return out

    def _of_campaign(self, state: CompanyState, wallet_id: str) -> list[Record]:
        self.campaigns.campaign(state, wallet_id)  # 404 for an unknown campaign
        located = state.tables["wallet_location"].group("by_campaign", wallet_id)
        return sorted(located.values(), key=lambda r: r["id"])

    def listing(
        self, company_key: str, wallet_id: str, query: dict[str, str]
    ) -> list[dict[str, Any]]:
        state = self.core.company(company_key)
        page = _positive(query, "page", 1)
        size = _positive(query, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        wanted = {name: query[name] for name in FILTERS if query.get(name)}
        found = [
            r
            for r in self._of_campaign(state, wallet_id)
            if all(str(r.get(name)) == value for name, value in wanted.items())
        ]
        return [self.render(r) for r in found[(page - 1) * size : page * size]]

    def bulk_add(
        self, company_key: str, wallet_id: str, body: Any, idempotency_key: str | None
    ) -> dict[str, Any]:
        """Add every location of the body; a key seen before adds nothing again."""
        state = self.core.company(company_key)
        self.campaigns.campaign(state, wallet_id)
        if not idempotency_key or not idempotency_key.strip():
            raise bad_request("The Idempotency-Key header is required")
        locations = body.get("locations") if isinstance(body, dict) else None
        if not isinstance(locations, list):
            raise ApiError(422, 'Request body must be {"locations": [...]}')
        if len(locations) > MAX_BULK:
            raise ApiError(422, f"At most {MAX_BULK} locations per request")
        digest = request_digest(body)
        seen_id = join_id(wallet_id, idempotency_key.strip())
        seen = state.tables["location_request"].get(seen_id)
        if seen is not None:
            if seen["digest"] != digest:
                raise ApiError(422, "This Idempotency-Key was already used for another request")
            return {"created": seen["created"], "replayed": True}
        for location in locations:
            number = self.core.next_seq(state, "wallet_location")
            record: Record = {"id": number, "wallet_id": wallet_id}
            record.update((name, _text(location.get(name))) for name in FIELDS)
            self.core.save(state, "wallet_location", str(number), record)
        answer = {"digest": digest, "created": len(locations)}
        self.core.save(state, "location_request", seen_id, answer)
        return {"created": len(locations), "replayed": False}

    def delete(self, company_key: str, wallet_id: str, location_id: str) -> None:
        state = self.core.company(company_key)
        self.campaigns.campaign(state, wallet_id)
        located = state.tables["wallet_location"].group("by_campaign", wallet_id)
        if location_id not in located:
            raise not_found("Location")
        self.core.remove(state, "wallet_location", location_id)

    def delete_all(self, company_key: str, wallet_id: str, zip_code: str | None) -> dict[str, int]:
        state = self.core.company(company_key)
        doomed = [
            r
            for r in self._of_campaign(state, wallet_id)
            if not zip_code or str(r.get("zip")) == zip_code
        ]
        for record in doomed:
            self.core.remove(state, "wallet_location", str(record["id"]))
        return {"deleted": len(doomed)}


def _text(value: Any) -> str | None:
    """Locations are text throughout (latitude and longitude too, FACTS §2.9)."""
    return None if value is None else str(value)
