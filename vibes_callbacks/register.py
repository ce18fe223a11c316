"""Register callbacks, once each, per list, campaign, app or source code (FACTS §2.10, §3.1).

Any of Vibes' callback types may be registered; by default, the ones the tap reads (the
device types too when app ids are given: Vibes lists no apps). Vibes
wants one registration per type for persons (one per mobile database) and lists, one per
subscription list for subscriptions, one per acquisition campaign for participants, one per
wallet campaign for passes, one per source code for unmatched texts, one per mobile app for
devices, and one for processed events (all event types unless one is named, with the
``callbacks_to_send`` wanted). Selector values may be given; otherwise
``register_callbacks`` lists those objects through the API (Vibes lists no mobile apps, so
app ids must be given), reads the existing registrations first, keeps those with the same
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


@dataclass(frozen=True)
class Selector:
    """A type's selector field, and where its values are listed when none are given."""

    field: str
    option: str
    listed: tuple[str, str] | None  # (path of the list, id field there); None: not listable


LIST = Selector("list_id", "--list-id", (endpoints.SUBSCRIPTION_LISTS, "id"))
ACQUISITION = Selector(
    "campaign_id", "--campaign-id", (endpoints.ACQUISITION_CAMPAIGNS, "acquisition_id")
)
WALLET = Selector("campaign_token", "--campaign-token", (endpoints.WALLET_CAMPAIGNS, "wallet_id"))
SOURCE_CODE = Selector("source_code", "--source-code", (endpoints.SOURCE_CODES, "sourcecode"))
# Vibes lists no mobile apps: their ids must be given.
APP = Selector("app_id", "--app-id", None)
EVENT = "event_processed"  # one registration, {event_type?, callbacks_to_send}
CALLBACKS_TO_SEND = ("all", "only_failures", "routing", "carrier_dlr", "handset_dlr")

# Every callback type (FACTS §3.1) -> its selector (None: the type takes none).
CALLBACK_TYPES: dict[str, Selector | None] = {
    "person_added": None,
    "person_updated": None,
    "subscription_added": LIST,
    "subscription_removed": LIST,
    "subscription_list_added": None,
    "subscription_list_updated": None,
    "ack_participant_added": ACQUISITION,
    "ack_participant_changed": ACQUISITION,
    "company_participant_added": None,
    "company_participant_changed": None,
    EVENT: None,
    "device_added": APP,
    "device_removed": APP,
    "device_updated": APP,
    "unmatched_message_received": SOURCE_CODE,
    "wallet_item_install": WALLET,
    "wallet_item_remove": WALLET,
}
# What tap-vibes reads from the journal: registered when no types are named.
TAP_CALLBACK_TYPES = (
    "person_added",
    "person_updated",
    "subscription_added",
    "subscription_removed",
    "ack_participant_added",
    "ack_participant_changed",
    "wallet_item_install",
    "wallet_item_remove",
    "unmatched_message_received",
    "subscription_list_added",
    "subscription_list_updated",
    EVENT,
)
DEVICE_TYPES = ("device_added", "device_removed", "device_updated")


@dataclass(frozen=True)
class SelectorValues:
    """Selector values given by the user; an empty tuple means every listed object."""

    list_ids: tuple[str, ...] = ()
    campaign_ids: tuple[str, ...] = ()
    campaign_tokens: tuple[str, ...] = ()
    app_ids: tuple[str, ...] = ()
    source_codes: tuple[str, ...] = ()
    country_code: str | None = None
    event_type: str | None = None
    callbacks_to_send: str = "all"

    def given(self, selector: Selector) -> tuple[str, ...]:
        return {
            "list_id": self.list_ids,
            "campaign_id": self.campaign_ids,
            "campaign_token": self.campaign_tokens,
            "app_id": self.app_ids,
            "source_code": self.source_codes,
        }[selector.field]

    def event_selector(self) -> dict[str, str]:
        """event_processed's object: every event type unless one is named (FACTS §3.1)."""
        if self.callbacks_to_send not in CALLBACKS_TO_SEND:
            raise ValueError(
                f"callbacks_to_send must be one of {', '.join(CALLBACKS_TO_SEND)}, "
                f"got {self.callbacks_to_send!r}"
            )
        selector = {"callbacks_to_send": self.callbacks_to_send}
        if self.event_type:
            selector["event_type"] = self.event_type
        return selector


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


def check_types(types: Sequence[str] | None, values: SelectorValues) -> list[str]:
    """The chosen types (default: what the tap reads), or ValueError naming what is wrong."""
    if types:
        chosen = list(dict.fromkeys(types))
    else:  # what the tap reads; device events only for the apps named
        chosen = [*TAP_CALLBACK_TYPES, *(DEVICE_TYPES if values.app_ids else ())]
    unknown = [t for t in chosen if t not in CALLBACK_TYPES]
    if unknown:
        raise ValueError(f"unknown callback types {unknown}; choose from {list(CALLBACK_TYPES)}")
    for kind in chosen:
        selector = CALLBACK_TYPES[kind]
        if selector is not None and selector.listed is None and not values.given(selector):
            raise ValueError(
                f"{kind} is registered per {selector.field} and Vibes lists none: "
                f"give {selector.option}"
            )
    if EVENT in chosen:
        values.event_selector()
    return chosen


async def _listed(
    client: VibesClient, selector: Selector, values: SelectorValues
) -> list[dict[str, str]]:
    """Selector objects for every object the list names (sorted), or for the given values."""
    given = values.given(selector)
    extra = {}
    if selector is SOURCE_CODE and values.country_code:
        extra["country_code"] = values.country_code
    if given:
        return [{selector.field: value, **extra} for value in given]
    assert selector.listed is not None
    path, id_field = selector.listed
    found: dict[str, dict[str, str]] = {}
    for item in await client.get_list(path, empty_on_404=True):
        if isinstance(item, dict) and item.get(id_field):
            one = {selector.field: str(item[id_field])}
            if selector is SOURCE_CODE and item.get("country_code"):
                # One registration per code, on the code's own country (FACTS §3.1).
                one["country_code"] = str(item["country_code"])
            found[str(sorted(one.items()))] = one
    return [found[key] for key in sorted(found)]


async def wanted_registrations(
    client: VibesClient, types: Iterable[str], values: SelectorValues | None = None
) -> list[tuple[str, dict[str, str] | None]]:
    """(type, selector) for every registration wanted, listing lists and campaigns once."""
    values = values or SelectorValues()
    listed: dict[str, list[dict[str, str]]] = {}
    wanted: list[tuple[str, dict[str, str] | None]] = []
    for kind in types:
        selector = CALLBACK_TYPES[kind]
        if kind == EVENT:
            wanted.append((kind, values.event_selector()))
        elif selector is None:
            wanted.append((kind, None))
        else:
            if selector.field not in listed:
                listed[selector.field] = await _listed(client, selector, values)
            wanted += [(kind, dict(one)) for one in listed[selector.field]]
    return wanted


def _matches(
    registration: dict[str, Any], kind: str, selector: dict[str, str] | None, url: str
) -> bool:
    """Whether an existing registration is this wanted one (its type, URL and selector
    fields; fields Vibes fills in by default, like callbacks_to_send, are not compared
    unless wanted)."""
    if (registration.get("callback_type") or registration.get("event_type")) != kind:
        return False
    destination = registration.get("destination") or {}
    if str(destination.get("url", "")) != url:
        return False
    found = registration.get(kind)
    found = found if isinstance(found, dict) else {}
    return all(str(found.get(k, "")) == str(v) for k, v in (selector or {}).items())


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
    values: SelectorValues | None = None,
) -> RegistrationReport:
    """Make sure each wanted registration exists once for ``url``; see the module notes."""
    check_destination(url)
    values = values or SelectorValues()
    chosen = check_types(types, values)
    existing = [
        r for r in await client.get_list(CALLBACKS_PATH, empty_on_404=True) if isinstance(r, dict)
    ]
    now = datetime.datetime.now(datetime.UTC)
    report = RegistrationReport(url)
    for kind, selector in await wanted_registrations(client, chosen, values):
        found = next((r for r in existing if _matches(r, kind, selector, url)), None)
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
