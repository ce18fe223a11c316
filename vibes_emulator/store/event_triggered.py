"""Event-triggered campaigns (FACTS §2.11): list with ``?status=&event_type=``, create (202),
read, update (422 once canceled), cancel.

The status follows the campaign's dates the way a broadcast's follows its send time: it is
``scheduled`` before ``start_date``, ``in_progress`` from then until the end of ``end_date``
and ``ended`` after; DELETE makes it ``canceled`` for good. A campaign may target a
subscription list through a ``subscription_list`` filter (docs/emulator-choices.md).
"""

from __future__ import annotations

import re
from typing import Any

from vibes_emulator.errors import ApiError, bad_request, json_object, not_found, required_text

from .clock import SECOND, fmt_date, fmt_seconds, parse_iso
from .state import CompanyState, Core, Record

DAY = 86_400_000
STATUSES = ("scheduled", "in_progress", "ended", "canceled")
CHANNELS = ("sms", "mms", "push")
EVENT_TYPE = re.compile(r"^[A-Za-z0-9_-]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LIST_FILTER = "subscription_list"
_CHANNEL_NEEDS = {
    "sms": ("sourcecode", "country_code", "sourcecode_type"),
    "mms": ("sourcecode", "country_code", "sourcecode_type"),
    "push": ("app_id",),
}


def status_of(campaign: Record, now_ms: int) -> str:
    if campaign.get("canceled"):
        return "canceled"
    if campaign["start_date"] > now_ms:
        return "scheduled"
    end = campaign.get("end_date")
    if end is not None and end + DAY <= now_ms:
        return "ended"
    return "in_progress"


def target_lists(campaign: Record) -> list[str]:
    """The subscription lists a campaign is limited to (none: every person)."""
    lists: list[str] = []
    for entry in campaign["targeting"].get("filters") or []:
        if isinstance(entry, dict) and entry.get("name") == LIST_FILTER:
            lists += [str(v) for v in entry.get("value") or []]
    return lists


def _date(body: dict[str, Any], name: str, problems: list[str]) -> int | None:
    raw = body.get(name)
    if raw in (None, ""):
        return None
    if not isinstance(raw, str) or not _DATE.match(raw) or parse_iso(raw) is None:
        problems.append(f"{name} must be a date (yyyy-mm-dd)")
        return None
    return parse_iso(raw)


class EventTriggeredMessages:
    def __init__(self, core: Core) -> None:
        self.core = core

    def render(self, state: CompanyState, c: Record) -> dict[str, Any]:
        number = c["event_triggered_message_id"]
        return {
            "event_triggered_message_id": number,
            "name": c["name"],
            "status": status_of(c, self.core.clock.now_ms()),
            "event_type": c["event_type"],
            "start_date": fmt_date(c["start_date"]),
            "end_date": fmt_date(c.get("end_date")),
            "created_by": c.get("created_by"),
            "created_by_application": c.get("created_by_application"),
            "targeting": dict(c["targeting"]),
            "url": f"/companies/{state.key}/mobiledb/event_triggered_messages/{number}",
            "created_at": fmt_seconds(c["created_at"]),
            "updated_at": fmt_seconds(c["updated_at"]),
        }

    def _campaign(self, state: CompanyState, campaign_id: str) -> Record:
        campaign = state.tables["event_triggered_message"].get(campaign_id.strip())
        if campaign is None:
            raise not_found("Event triggered message")
        return campaign

    def active_for(self, state: CompanyState, event_type: str) -> list[Record]:
        """Campaigns in progress now for this (lower-cased) event type, oldest first."""
        now = self.core.clock.now_ms()
        return [
            c
            for c in state.tables["event_triggered_message"].values()
            if c["event_type"].lower() == event_type and status_of(c, now) == "in_progress"
        ]

    def listing(
        self, company_key: str, status: str | None, event_type: str | None
    ) -> list[dict[str, Any]]:
        state = self.core.company(company_key)
        if status is not None and status not in STATUSES:
            raise bad_request(f"status must be one of {', '.join(STATUSES)}")
        now = self.core.clock.now_ms()
        wanted_type = None if event_type is None else event_type.lower()
        return [
            self.render(state, c)
            for c in state.tables["event_triggered_message"].values()
            if (status is None or status_of(c, now) == status)
            and (wanted_type is None or c["event_type"].lower() == wanted_type)
        ]

    def get(self, company_key: str, campaign_id: str) -> dict[str, Any]:
        state = self.core.company(company_key)
        return self.render(state, self._campaign(state, campaign_id))

    def _parse(self, state: CompanyState, body: Any) -> dict[str, Any]:
        """Validate an eventTriggeredRequest (sms, mms or push); 422 listing every problem."""
        body = json_object(body)
        problems: list[str] = []
        name = required_text(body, "name", problems)
        event_type = body.get("event_type")
        if not isinstance(event_type, str) or not EVENT_TYPE.match(event_type):
            problems.append("event_type is required and may only contain letters, digits, - and _")
        start = _date(body, "start_date", problems)
        if start is None and not any(p.startswith("start_date") for p in problems):
            problems.append("start_date is required (yyyy-mm-dd)")
        end = _date(body, "end_date", problems)
        if start is not None and end is not None and end < start:
            problems.append("end_date must not be before start_date")
        targeting = body.get("targeting")
        if not isinstance(targeting, dict):
            targeting = {}
        template = targeting.get("message_template")
        if not isinstance(template, str) or not template:
            problems.append("targeting.message_template is required")
        channel = str(targeting.get("channel") or "sms").lower()
        if channel not in CHANNELS:
            problems.append("targeting.channel must be sms, mms or push")
        else:
            detail = targeting.get(channel)
            if not isinstance(detail, dict):
                detail = {}
            problems += [
                f"targeting.{channel}.{field} is required"
                for field in _CHANNEL_NEEDS[channel]
                if not detail.get(field)
            ]
        filters = targeting.get("filters", [])
        if not isinstance(filters, list):
            problems.append("targeting.filters must be an array")
            filters = []
        unknown = [
            x
            for x in target_lists({"targeting": {"filters": filters}})
            if x not in state.tables["list"]
        ]
        if unknown:
            problems.append(f"targeting.filters names unknown lists: {', '.join(unknown)}")
        if problems:
            raise ApiError(422, *problems)
        kept = {k: v for k, v in targeting.items() if k != "channel"}
        return {
            "name": name,
            "event_type": event_type,
            "start_date": start,
            "end_date": end,
            "targeting": {
                **kept,
                "channel": channel,
                "message_format": "MMS" if channel == "mms" else channel.upper(),
                "filters": filters,
            },
        }

    def create(self, company_key: str, body: Any, created_by: str) -> dict[str, Any]:
        state = self.core.company(company_key)
        fields = self._parse(state, body)
        number = self.core.next_seq(state, "event_triggered_message", start=501)
        now = self.core.clock.now_ms()
        campaign: Record = {
            "event_triggered_message_id": number,
            **fields,
            "canceled": False,
            "created_by": created_by,
            "created_by_application": "api",
            "created_at": now,
            "updated_at": now,
        }
        self.core.save(state, "event_triggered_message", str(number), campaign)
        return self.render(state, campaign)

    def update(self, company_key: str, campaign_id: str, body: Any) -> dict[str, Any]:
        state = self.core.company(company_key)
        campaign = self._campaign(state, campaign_id)
        if campaign.get("canceled"):
            raise ApiError(422, "Event triggered message is canceled and cannot be updated")
        fields = self._parse(state, body)
        if any(campaign.get(k) != v for k, v in fields.items()):
            campaign.update(fields)
            campaign["updated_at"] = self.core.clock.touch(campaign["updated_at"], SECOND)
            self.core.save(state, "event_triggered_message", str(campaign_id).strip(), campaign)
        return self.render(state, campaign)

    def cancel(self, company_key: str, campaign_id: str) -> dict[str, Any]:
        state = self.core.company(company_key)
        campaign = self._campaign(state, campaign_id)
        if not campaign.get("canceled"):
            campaign["canceled"] = True
            campaign["updated_at"] = self.core.clock.touch(campaign["updated_at"], SECOND)
            self.core.save(state, "event_triggered_message", str(campaign_id).strip(), campaign)
        return self.render(state, campaign)
