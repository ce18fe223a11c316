"""Callback registrations (FACTS §2.10, §3.1) and the test-event endpoint.

A registration remembers the X-API-Version it was created or last updated with: Vibes
formats MDNs in deliveries by that version (FACTS §1.4).
"""

from __future__ import annotations

import uuid
from typing import Any

from vibes_emulator.errors import ApiError, json_object, not_found

from .clock import SECOND, fmt_seconds, parse_iso
from .state import CompanyState, Core, Record

MAX_REGISTRATIONS = 50
# callback_type -> (required selector fields, or None when the type takes no selector object)
SELECTORS: dict[str, tuple[str, ...] | None] = {
    "person_added": None,
    "person_updated": None,
    "subscription_added": ("list_id",),
    "subscription_removed": ("list_id",),
    "subscription_list_added": None,
    "subscription_list_updated": None,
    "ack_participant_added": ("campaign_id",),
    "ack_participant_changed": ("campaign_id",),
    "company_participant_added": None,
    "company_participant_changed": None,
    "event_processed": (),
    "device_added": ("app_id",),
    "device_removed": ("app_id",),
    "device_updated": ("app_id",),
    "unmatched_message_received": ("source_code",),
    "wallet_item_install": ("campaign_token",),
    "wallet_item_remove": ("campaign_token",),
}
CALLBACKS_TO_SEND = ("all", "only_failures", "routing", "carrier_dlr", "handset_dlr")
# Test events name the selector of some types differently (OAS testcallbackRequest).
_TEST_SELECTOR_KEYS = {
    "ack_participant_added": ("acquisition_campaign_changed", "ack_participant_added"),
    "ack_participant_changed": ("acquisition_campaign_changed", "ack_participant_changed"),
    "device_removed": ("device_added", "device_removed"),
    "device_updated": ("device_added", "device_updated"),
    "wallet_item_remove": ("wallet_item_install", "wallet_item_remove"),
}


def _callback_type(body: dict[str, Any]) -> str:
    """``callback_type``, or its deprecated alias ``event_type``."""
    kind = body.get("callback_type")
    alias = body.get("event_type")
    if kind is not None and alias is not None and kind != alias:
        raise ApiError(422, "callback_type and event_type disagree")
    kind = kind if kind is not None else alias
    if kind not in SELECTORS:
        raise ApiError(422, f"callback_type must be one of {', '.join(SELECTORS)}")
    return str(kind)


class Callbacks:
    def __init__(self, core: Core) -> None:
        self.core = core

    def render(self, state: CompanyState, c: Record) -> dict[str, Any]:
        kind = c["callback_type"]
        out: dict[str, Any] = {
            "callback_id": c["callback_id"],
            "callback_type": kind,
            "event_type": kind,
        }
        if c.get("selector") is not None:
            out[kind] = dict(c["selector"])
        out["destination"] = dict(c["destination"])
        out["start_date"] = fmt_seconds(c.get("start_date"))
        out["end_date"] = fmt_seconds(c.get("end_date"))
        out["url"] = f"/companies/{state.key}/config/callbacks/{c['callback_id']}"
        out["created_at"] = fmt_seconds(c["created_at"])
        out["updated_at"] = fmt_seconds(c["updated_at"])
        return out

    def _parse(self, state: CompanyState, body: Any) -> dict[str, Any]:
        body = json_object(body)
        kind = _callback_type(body)
        problems: list[str] = []
        required = SELECTORS[kind]
        selector = body.get(kind)
        if required is not None:
            if not isinstance(selector, dict):
                problems.append(f"{kind} object is required")
                selector = {}
            problems += [
                f"{kind}.{name} is required" for name in required if not selector.get(name)
            ]
            problems += self._check_references(state, kind, selector)
            if kind == "event_processed":
                selector = {"callbacks_to_send": "all", **selector}
                if selector["callbacks_to_send"] not in CALLBACKS_TO_SEND:
                    problems.append("event_processed.callbacks_to_send is invalid")
        else:
            selector = None
        destination = body.get("destination")
        if not isinstance(destination, dict):
            problems.append("destination is required")
            destination = {}
        url = destination.get("url")
        if (
            not isinstance(url, str)
            or not url.startswith(("http://", "https://"))
            or len(url) > 1024
        ):
            problems.append("destination.url must be an http(s) URL of at most 1024 characters")
        method = destination.get("method", "POST")
        if method not in ("POST", "PUT"):
            problems.append("destination.method must be POST or PUT")
        content_type = destination.get("content_type", "application/json")
        if content_type not in ("application/json", "text/json"):
            problems.append("destination.content_type must be application/json or text/json")
        dates: dict[str, int | None] = {}
        for name in ("start_date", "end_date"):
            raw = body.get(name)
            dates[name] = None if raw in (None, "") else parse_iso(raw)
            if raw not in (None, "") and dates[name] is None:
                problems.append(f"{name} must be an ISO-8601 date")
        if problems:
            raise ApiError(422, *problems)
        return {
            "callback_type": kind,
            "selector": selector,
            "destination": {"url": url, "method": method, "content_type": content_type},
            **dates,
        }

    @staticmethod
    def _check_references(state: CompanyState, kind: str, selector: dict[str, Any]) -> list[str]:
        checks = {
            "list_id": ("list", "subscription list"),
            "campaign_id": ("acquisition", "acquisition campaign"),
            "campaign_token": ("wallet_campaign", "wallet campaign"),
        }
        problems = []
        for name, (table, label) in checks.items():
            value = selector.get(name)
            if value and str(value) not in state.tables[table]:
                problems.append(f"{kind}.{name}: unknown {label} {value}")
        code = selector.get("source_code")
        if code and not any(
            str(code) == s["sourcecode"]
            and selector.get("country_code") in (None, "", s["country_code"])
            for s in state.tables["source_code"].values()
        ):
            # Registered on the code's own (parent) company only (FACTS §3.1).
            problems.append(f"{kind}.source_code: {code} is not a source code of this company")
        return problems

    def _callback(self, state: CompanyState, callback_id: str) -> Record:
        record = state.tables["callback"].get(callback_id)
        if record is None:
            raise not_found("Callback")
        return record

    def listing(self, company_key: str) -> list[dict[str, Any]]:
        state = self.core.company(company_key)
        records = sorted(state.tables["callback"].values(), key=lambda c: int(c["callback_id"]))
        return [self.render(state, c) for c in records]

    def get(self, company_key: str, callback_id: str) -> dict[str, Any]:
        state = self.core.company(company_key)
        return self.render(state, self._callback(state, callback_id))

    def create(self, company_key: str, body: Any, version: int) -> dict[str, Any]:
        state = self.core.company(company_key)
        fields = self._parse(state, body)
        existing = state.tables["callback"].values()
        if len(existing) >= MAX_REGISTRATIONS:
            raise ApiError(422, f"At most {MAX_REGISTRATIONS} callback registrations are allowed")
        for other in existing:
            same = (other["callback_type"], other["selector"], other["destination"]["url"])
            if same == (fields["callback_type"], fields["selector"], fields["destination"]["url"]):
                raise ApiError(422, "This callback is already registered for that destination")
        callback_id = str(self.core.next_seq(state, "callback", start=101))
        now = self.core.clock.now_ms()
        record: Record = {"callback_id": callback_id, **fields, "api_version": version}
        record.update(created_at=now, updated_at=now)
        self.core.save(state, "callback", callback_id, record)
        return self.render(state, record)

    def update(self, company_key: str, callback_id: str, body: Any, version: int) -> dict[str, Any]:
        state = self.core.company(company_key)
        record = self._callback(state, callback_id)
        updated = {**record, **self._parse(state, body), "api_version": version}
        if updated != record:
            updated["updated_at"] = self.core.clock.touch(record["updated_at"], SECOND)
            record.update(updated)
            self.core.save(state, "callback", callback_id, record)
        return self.render(state, record)

    def delete(self, company_key: str, callback_id: str) -> dict[str, Any]:
        state = self.core.company(company_key)
        rendered = self.render(state, self._callback(state, callback_id))
        self.core.remove(state, "callback", callback_id)
        return rendered

    def test(self, company_key: str, body: Any) -> dict[str, Any]:
        """Queue a test event for an active registration of that type (404 when none)."""
        state = self.core.company(company_key)
        body = json_object(body)
        kind = _callback_type(body)
        selector = None
        for key in _TEST_SELECTOR_KEYS.get(kind, (kind,)):
            if isinstance(body.get(key), dict):
                selector = body[key]
                break
        now = self.core.clock.now_ms()
        for record in state.tables["callback"].values():
            if record["callback_type"] != kind or not self._live(record, now):
                continue
            wanted = record.get("selector") or {}
            if selector is None or all(
                str(selector.get(k)) == str(v) for k, v in wanted.items() if k in selector
            ):
                return {"message": f"Test {kind} callback queued", "event_id": str(uuid.uuid4())}
        raise not_found(f"Active {kind} callback registration")

    @staticmethod
    def _live(record: Record, now_ms: int) -> bool:
        start, end = record.get("start_date"), record.get("end_date")
        return (start is None or start <= now_ms) and (end is None or end > now_ms)
