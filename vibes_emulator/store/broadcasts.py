"""Broadcasts (FACTS §2.5): list by status (default ``scheduled``, first 100), create,
update while scheduled, cancel.

A scheduled broadcast whose send time has passed is sent when it is next read, so broadcasts
created through the API move on to ``sent`` as they would on the real platform.
"""

from __future__ import annotations

from typing import Any

from vibes_emulator.errors import (
    ApiError,
    bad_request,
    forbidden,
    json_object,
    not_found,
    required_text,
)

from .clock import SECOND, fmt_seconds, parse_iso
from .state import CompanyState, Core, Record

STATUSES = ("scheduled", "in_progress", "sent", "canceled", "failed", "paused", "deleted")
LIST_CAP = 100
_CHANNELS = {"sms": "sms", "push": "push", "mms": "mms"}
_METHODS = ("by_date", "by_time_zone")


def _send(broadcast: Record, now_ms: int) -> bool:
    """Move a due scheduled broadcast to ``sent``; True when it changed."""
    if broadcast["status"] != "scheduled" or broadcast["send_scheduled_date"] > now_ms:
        return False
    sent_at = broadcast["send_scheduled_date"]
    broadcast["status"] = "sent"
    broadcast["delivery"] = {
        "send_start_date": sent_at,
        "enqueue_completed_date": sent_at + 2 * SECOND,
        "recipient_count": broadcast.get("recipient_estimate", 0),
    }
    broadcast["updated_at"] = max(broadcast["updated_at"] + SECOND, sent_at + 2 * SECOND)
    return True


class Broadcasts:
    def __init__(self, core: Core) -> None:
        self.core = core

    def render(self, state: CompanyState, b: Record) -> dict[str, Any]:
        delivery = b.get("delivery") or {}
        return {
            "broadcast_id": b["broadcast_id"],
            "status": b["status"],
            "name": b["name"],
            "send_scheduled_date": fmt_seconds(b["send_scheduled_date"]),
            "created_by": b.get("created_by"),
            "created_by_application": b.get("created_by_application"),
            "targeting": dict(b["targeting"]),
            "delivery": {
                "send_start_date": fmt_seconds(delivery.get("send_start_date")),
                "enqueue_completed_date": fmt_seconds(delivery.get("enqueue_completed_date")),
                "recipient_count": delivery.get("recipient_count"),
            },
            "url": f"/companies/{state.key}/mobiledb/broadcasts/{b['broadcast_id']}",
            "created_at": fmt_seconds(b["created_at"]),
            "updated_at": fmt_seconds(b["updated_at"]),
        }

    def _advance(self, state: CompanyState, broadcast: Record) -> Record:
        if _send(broadcast, self.core.clock.now_ms()):
            self.core.save(state, "broadcast", broadcast["broadcast_id"], broadcast)
        return broadcast

    def _broadcast(self, state: CompanyState, broadcast_id: str) -> Record:
        broadcast = state.tables["broadcast"].get(broadcast_id)
        if broadcast is None:
            raise not_found("Broadcast")
        return self._advance(state, broadcast)

    def listing(self, company_key: str, status: str | None) -> list[dict[str, Any]]:
        state = self.core.company(company_key)
        # Absent means scheduled (FACTS §2.5); an empty value is a value, and not a status.
        wanted = "scheduled" if status is None else status
        if wanted not in STATUSES:
            raise bad_request(f"status must be one of {', '.join(STATUSES)}")
        picked = []
        # "The first 100" in creation order: the table declares id order (see CompanyState).
        for broadcast in state.tables["broadcast"].values():
            if broadcast["status"] == "scheduled":
                self._advance(state, broadcast)
            if broadcast["status"] == wanted:
                picked.append(broadcast)
                if len(picked) == LIST_CAP:
                    break
        return [self.render(state, b) for b in picked]

    def get(self, company_key: str, broadcast_id: str) -> dict[str, Any]:
        state = self.core.company(company_key)
        return self.render(state, self._broadcast(state, broadcast_id))

    def _parse(self, state: CompanyState, body: Any) -> dict[str, Any]:
        """Validate a broadcastRequest; 422 listing every problem."""
        body = json_object(body)
        problems: list[str] = []
        name = required_text(body, "name", problems)
        send_at = parse_iso(body.get("send_scheduled_date"))
        if send_at is None:
            problems.append("send_scheduled_date is required (ISO-8601)")
        elif send_at <= self.core.clock.now_ms():
            problems.append("send_scheduled_date must be in the future")
        targeting = body.get("targeting")
        if not isinstance(targeting, dict):
            targeting = {}  # reported below as its two required members
        template = targeting.get("message_template")
        if not isinstance(template, str) or not template:
            problems.append("targeting.message_template is required")
        lists = targeting.get("source_lists")
        if not isinstance(lists, list) or not lists:
            problems.append("targeting.source_lists is required")
            lists = []
        source_lists = [str(x) for x in lists]
        unknown = [x for x in source_lists if x not in state.tables["list"]]
        if unknown:
            problems.append(f"targeting.source_lists has unknown lists: {', '.join(unknown)}")
        channel = _CHANNELS.get(str(targeting.get("channel", "sms")).lower())
        if channel is None:
            problems.append("targeting.channel must be SMS or Push")
        schedule = body.get("send_schedule")
        if schedule is not None and (
            not isinstance(schedule, dict) or schedule.get("method", "by_date") not in _METHODS
        ):
            problems.append("send_schedule.method must be by_date or by_time_zone")
        filters = targeting.get("filters", [])
        if not isinstance(filters, list):
            problems.append("targeting.filters must be an array")
        if problems:
            raise ApiError(422, *problems)
        short_code = targeting.get("source_short_code")
        if isinstance(short_code, dict):
            short_code = short_code.get("short_code")
        return {
            "name": name,
            "send_scheduled_date": send_at,
            "send_schedule": schedule,
            "targeting": {
                "message_template": template,
                "short_url_base": targeting.get("short_url_base"),
                "shorten_urls": bool(targeting.get("shorten_urls", False)),
                "channel": channel,
                "source_short_code": None if short_code is None else str(short_code),
                "source_lists": source_lists,
                "filters": filters,
            },
        }

    def _estimate(self, state: CompanyState, list_ids: list[str]) -> int:
        wanted = set(list_ids)
        return sum(
            1
            for s in state.tables["subscription"].values()
            if s["list_id"] in wanted and s.get("opt_out_date") is None
        )

    def create(self, company_key: str, body: Any, created_by: str) -> dict[str, Any]:
        state = self.core.company(company_key)
        fields = self._parse(state, body)
        broadcast_id = str(self.core.next_seq(state, "broadcast", start=1001))
        now = self.core.clock.now_ms()
        broadcast: Record = {
            "broadcast_id": broadcast_id,
            "status": "scheduled",
            **fields,
            "created_by": created_by,
            "created_by_application": "api",
            "delivery": None,
            "recipient_estimate": self._estimate(state, fields["targeting"]["source_lists"]),
            "created_at": now,
            "updated_at": now,
        }
        self.core.save(state, "broadcast", broadcast_id, broadcast)
        return self.render(state, broadcast)

    def update(self, company_key: str, broadcast_id: str, body: Any) -> dict[str, Any]:
        state = self.core.company(company_key)
        broadcast = self._broadcast(state, broadcast_id)
        if broadcast["status"] != "scheduled":
            raise forbidden(
                f"Broadcast is {broadcast['status']}; only scheduled broadcasts can be updated"
            )
        fields = self._parse(state, body)
        broadcast.update(fields)
        broadcast["recipient_estimate"] = self._estimate(state, fields["targeting"]["source_lists"])
        broadcast["updated_at"] = self.core.clock.touch(broadcast["updated_at"], SECOND)
        self.core.save(state, "broadcast", broadcast_id, broadcast)
        return self.render(state, broadcast)

    def cancel(self, company_key: str, broadcast_id: str) -> dict[str, Any]:
        """Cancel: a scheduled one becomes ``deleted`` (canceled before sending), one that is
        sending or paused becomes ``canceled``; anything else is 403."""
        state = self.core.company(company_key)
        broadcast = self._broadcast(state, broadcast_id)
        new_status = {"scheduled": "deleted", "in_progress": "canceled", "paused": "canceled"}
        if broadcast["status"] not in new_status:
            raise forbidden(f"Broadcast is {broadcast['status']} and cannot be canceled")
        broadcast["status"] = new_status[broadcast["status"]]
        broadcast["updated_at"] = self.core.clock.touch(broadcast["updated_at"], SECOND)
        self.core.save(state, "broadcast", broadcast_id, broadcast)
        return self.render(state, broadcast)
