"""Register the callbacks the tap reads, once each, per list and campaign (FACTS §2.10, §3.1).

Vibes wants one registration per type for persons (one per mobile database), one per
subscription list for subscriptions, one per acquisition campaign for participants, one per
wallet campaign for passes, one for event_processed and one per mobile app for push devices
(apps are not listed by Vibes: the caller names them). ``register_callbacks`` lists those
objects through the API, reads the existing registrations first, keeps those with the same
type, selector and URL, renews ones whose ``end_date`` has passed, and creates only what is
missing, so running it again changes nothing. Registrations for other URLs are left alone.

The client sends ``X-API-Version: 2``, so Vibes formats MDNs in the callbacks as E.164 (§1.4).
Acquisition and wallet campaign lists hold only *currently active* campaigns (at most 50):
run this again when campaigns start.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from vibes_api import endpoints
from vibes_api.client import VibesClient
from vibes_api.errors import VibesRequestError

CALLBACKS_PATH = endpoints.CALLBACKS
# callback_type -> (selector field, path of the list that names the objects, id field there)
TAP_CALLBACK_TYPES: dict[str, tuple[str, str, str] | None] = {
    "person_added": None,
    "person_updated": None,
    "subscription_added": ("list_id", endpoints.SUBSCRIPTION_LISTS, "id"),
    "subscription_removed": ("list_id", endpoints.SUBSCRIPTION_LISTS, "id"),
    "ack_participant_added": ("campaign_id", endpoints.ACQUISITION_CAMPAIGNS, "acquisition_id"),
    "ack_participant_changed": ("campaign_id", endpoints.ACQUISITION_CAMPAIGNS, "acquisition_id"),
    "wallet_item_install": ("campaign_token", endpoints.WALLET_CAMPAIGNS, "wallet_id"),
    "wallet_item_remove": ("campaign_token", endpoints.WALLET_CAMPAIGNS, "wallet_id"),
    "event_processed": None,
}
# Types registered once whose registration still needs a selector object: event_processed
# requires one (OAS callbackRequest-Event); without event_type it covers every event (§3.1).
FIXED_SELECTORS: dict[str, dict[str, str]] = {"event_processed": {"callbacks_to_send": "all"}}
# Push device types are registered per mobile app, and Vibes lists no apps: they are
# registered only for the app ids the caller names (``app_ids``, the CLI's --app-id).
PER_APP_TYPES = ("device_added", "device_removed", "device_updated")
ALL_TYPES = (*TAP_CALLBACK_TYPES, *PER_APP_TYPES)
MAX_URL_LENGTH = 1024

Outcome = Literal["created", "kept", "renewed", "planned", "failed"]


@dataclass(frozen=True)
class Registration:
    """What happened to one wanted registration."""

    callback_type: str
    selector: dict[str, str] | None
    outcome: Outcome
    callback_id: str | None = None
    message: str = ""

    def describe(self) -> str:
        where = "".join(f" {k}={v}" for k, v in (self.selector or {}).items())
        ident = f" (callback_id {self.callback_id})" if self.callback_id else ""
        note = f": {self.message}" if self.message else ""
        return f"{self.outcome:8} {self.callback_type}{where}{ident}{note}"


@dataclass
class RegistrationReport:
    url: str
    registrations: list[Registration] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.registrations if r.outcome == outcome)

    @property
    def ok(self) -> bool:
        return self.count("failed") == 0

    def lines(self) -> list[str]:
        summary = ", ".join(
            f"{self.count(o)} {o}"
            for o in ("created", "kept", "renewed", "planned", "failed")
            if self.count(o)
        )
        return [r.describe() for r in self.registrations] + [
            f"{len(self.registrations)} registrations for {self.url}: {summary or 'none'}"
        ]


def check_destination(url: str) -> str:
    """The URL Vibes will call: http(s), at most 1024 characters (§3.1)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("the callback URL must be an http(s) URL")
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"the callback URL is longer than {MAX_URL_LENGTH} characters")
    return url


def registration_body(
    callback_type: str, selector: dict[str, str] | None, url: str
) -> dict[str, Any]:
    """The POST/PUT body of one registration (pure)."""
    body: dict[str, Any] = {"callback_type": callback_type}
    if selector is not None:
        body[callback_type] = dict(selector)
    body["destination"] = {"url": url, "method": "POST", "content_type": "application/json"}
    return body


async def wanted_registrations(
    client: VibesClient, types: Iterable[str], app_ids: Sequence[str] = ()
) -> list[tuple[str, dict[str, str] | None]]:
    """(type, selector) for every registration the tap needs, listing lists and campaigns."""
    listed: dict[str, list[str]] = {}
    wanted: list[tuple[str, dict[str, str] | None]] = []
    for kind in types:
        if kind in PER_APP_TYPES:
            wanted += [(kind, {"app_id": app_id}) for app_id in app_ids]
            continue
        spec = TAP_CALLBACK_TYPES[kind]
        if spec is None:
            wanted.append((kind, FIXED_SELECTORS.get(kind)))
            continue
        selector_field, path, id_field = spec
        if path not in listed:
            items = await client.get_list(path, empty_on_404=True)
            ids = {
                str(item[id_field])
                for item in items
                if isinstance(item, dict) and item.get(id_field)
            }
            listed[path] = sorted(ids)
        wanted += [(kind, {selector_field: value}) for value in listed[path]]
    return wanted


def _selector_field(callback_type: str) -> str | None:
    """The selector field that tells two registrations of a type apart (None: one each)."""
    if callback_type in PER_APP_TYPES:
        return "app_id"
    spec = TAP_CALLBACK_TYPES.get(callback_type)
    return None if spec is None else spec[0]


def _match_key(callback_type: str, selector: dict[str, Any] | None, url: str) -> tuple[str, ...]:
    field = _selector_field(callback_type)
    value = "" if field is None or not selector else str(selector.get(field, ""))
    return (callback_type, value, url)


def _existing_key(registration: dict[str, Any]) -> tuple[str, ...] | None:
    kind = registration.get("callback_type") or registration.get("event_type")
    if kind not in ALL_TYPES:
        return None
    destination = registration.get("destination") or {}
    selector = registration.get(kind)
    return _match_key(
        str(kind), selector if isinstance(selector, dict) else None, str(destination.get("url", ""))
    )


def _has_ended(registration: dict[str, Any], now: datetime.datetime) -> bool:
    raw = registration.get("end_date")
    if not isinstance(raw, str) or not raw.strip():
        return False
    try:
        end = datetime.datetime.fromisoformat(raw.strip().replace("z", "Z"))
    except ValueError:
        return False
    if end.tzinfo is None:
        end = end.replace(tzinfo=datetime.UTC)
    return end <= now


async def register_callbacks(
    client: VibesClient,
    url: str,
    types: Sequence[str] | None = None,
    *,
    dry_run: bool = False,
    app_ids: Sequence[str] = (),
) -> RegistrationReport:
    """Make sure each wanted registration exists once for ``url``; see the module notes.
    Without ``types``: every type the tap reads, push device types only for ``app_ids``."""
    check_destination(url)
    if not types:
        chosen = [*TAP_CALLBACK_TYPES, *(PER_APP_TYPES if app_ids else ())]
    else:
        chosen = list(dict.fromkeys(types))
    unknown = [t for t in chosen if t not in ALL_TYPES]
    if unknown:
        raise ValueError(f"unknown callback types {unknown}; choose from {list(ALL_TYPES)}")
    if not app_ids and any(t in PER_APP_TYPES for t in chosen):
        raise ValueError("push device callbacks are registered per app: name the app ids")
    existing: dict[tuple[str, ...], dict[str, Any]] = {}
    for registration in await client.get_list(CALLBACKS_PATH, empty_on_404=True):
        key = _existing_key(registration) if isinstance(registration, dict) else None
        if key is not None:
            existing.setdefault(key, registration)
    now = datetime.datetime.now(datetime.UTC)
    report = RegistrationReport(url)
    for kind, selector in await wanted_registrations(client, chosen, app_ids):
        found = existing.get(_match_key(kind, selector, url))
        found_id = str(found["callback_id"]) if found and found.get("callback_id") else None
        if found is not None and not _has_ended(found, now):
            report.registrations.append(Registration(kind, selector, "kept", found_id))
            continue
        if dry_run:
            note = "would renew (ended)" if found else "would create"
            report.registrations.append(Registration(kind, selector, "planned", found_id, note))
            continue
        body = registration_body(kind, selector, url)
        try:
            if found is not None and found_id is not None:
                body["end_date"] = ""
                await client.put(f"{CALLBACKS_PATH}{found_id}", json=body)
                report.registrations.append(Registration(kind, selector, "renewed", found_id))
            else:
                response = await client.post(CALLBACKS_PATH, json=body)
                data = response.data if isinstance(response.data, dict) else {}
                new_id = str(data["callback_id"]) if data.get("callback_id") else None
                report.registrations.append(Registration(kind, selector, "created", new_id))
        except VibesRequestError as exc:
            report.registrations.append(Registration(kind, selector, "failed", found_id, str(exc)))
    return report
