"""Source codes (FACTS §2.12) and the texts people send to them (FACTS §3.4).

``GET /sourcecodes`` lists the company's short and long codes. A text sent to one of them
that matches no active acquisition keyword on that code is what Vibes reports as
``unmatched_message_received``; the emulator receives such texts through its control plane
(``POST /_emulator/inbound_messages``), as it receives other end-user activity.
"""

from __future__ import annotations

import uuid
from typing import Any

from vibes_emulator.errors import ApiError, not_found

from .acquisition import campaign_status
from .clock import fmt_date
from .mdn import parse_mdn
from .state import CompanyState, Core, Record

UNMATCHED = "unmatched_message_received"


class SourceCodes:
    def __init__(self, core: Core) -> None:
        self.core = core

    @staticmethod
    def render(record: Record) -> dict[str, Any]:
        out = {
            "sourcecode": record["sourcecode"],
            "country_code": record["country_code"],
            "sourcecode_type": record["sourcecode_type"],
            "primary_country_name": record["primary_country_name"],
            "sms_enabled": record["sms_enabled"],
            "mms_enabled": record["mms_enabled"],
        }
        if record.get("sourcecode_end_date") is not None:  # only codes that end have one
            out["sourcecode_end_date"] = fmt_date(record["sourcecode_end_date"])
        return out

    def listing(self, company_key: str) -> list[dict[str, Any]]:
        state = self.core.company(company_key)
        records = sorted(state.tables["source_code"].values(), key=lambda r: r["sourcecode"])
        return [self.render(r) for r in records]

    def _source_code(self, state: CompanyState, code: str, country: str | None) -> Record:
        for record in state.tables["source_code"].values():
            if record["sourcecode"] == code and country in (None, record["country_code"]):
                return record
        raise not_found("Source code")

    @staticmethod
    def matched_keyword(state: CompanyState, code: str, text: str, now_ms: int) -> str | None:
        """The active acquisition keyword the text starts with on that code, if any."""
        words = text.strip().split()
        first = words[0].upper() if words else ""
        for campaign in state.tables["acquisition"].values():
            if campaign.get("sourcecode") != code or campaign_status(campaign, now_ms) != "active":
                continue
            if first in (k.upper() for k in campaign.get("keywords") or ()):
                return first
        return None

    def receive(self, company_key: str, body: dict[str, Any]) -> dict[str, Any]:
        """One text from ``mdn`` to ``source_code``: an unmatched one fires the callback."""
        state = self.core.company(company_key)
        text = body.get("message")
        if not isinstance(text, str):
            raise ApiError(400, "message must be a string")
        code = str(body.get("source_code") or "")
        country = body.get("country_code")
        source = self._source_code(state, code, None if country is None else str(country))
        mdn = parse_mdn(body.get("mdn"), 2, status=400)
        now = self.core.clock.now_ms()
        keyword = self.matched_keyword(state, code, text, now)
        if keyword is not None:
            return {"unmatched": False, "keyword": keyword}
        person = state.tables["person"].find("by_mdn", mdn) or {}
        message_id = str(uuid.uuid4())
        record: Record = {
            "source": source,
            "mdn": mdn,
            "carrier_id": person.get("carrier_code"),
            "message": text,
            "message_id": message_id,
            "txn_id": str(uuid.uuid5(uuid.NAMESPACE_URL, "vibes-emulator:txn:" + message_id)),
            "receipt_date": now,
        }
        self.core.emit(state, UNMATCHED, record)
        return {"unmatched": True, "message_id": message_id}
