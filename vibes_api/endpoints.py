"""One function per Vibes operation the plugins use, each of its quirks handled here once.

The plugins say what they want (a person by MDN, a list's subscriptions, an unsubscribe);
the path, how an id is quoted into it, what a 404 means for that operation, the answer
that may be an array or an object, the rate bucket and whether a write may be repeated
after an ambiguous failure are Vibes knowledge and live here (FACTS.md sections named at
each function). Every function takes ``call``, a coroutine function with the signature of
``VibesClient.request``: the client's own, or a plugin's wrapper that counts the request in
its metrics or refuses writes in a dry run.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import orjson

from vibes_api.client import VibesResponse
from vibes_api.encoding import quote_id
from vibes_api.errors import VibesConflict, VibesNotFound, VibesResponseError

# (method, path, **options) -> the answer, as VibesClient.request takes them.
Call = Callable[..., Awaitable[VibesResponse]]


PERSONS = "/mobiledb/persons"
SUBSCRIPTION_LISTS = "/mobiledb/subscription_lists/"
ACQUISITION_CAMPAIGNS = "/campaigns/acquisition"
WALLET_CAMPAIGNS = "/campaigns/wallet"
BROADCASTS = "/mobiledb/broadcasts"
CALLBACKS = "/config/callbacks/"
EVENTS = "/events"
SOURCE_CODES = "/sourcecodes"
INCENTIVE_POOLS = "/incentives/pools"
INCENTIVE_CODES = "/incentives/codes"


# ---- persons (FACTS §2.1) -----------------------------------------------------------------
def person_path(kind: str, value: str) -> str:
    """The path of a person named by ``person_key`` or ``external_person_id``."""
    if kind == "external_person_id":
        return f"{PERSONS}/external/{quote_id(value)}"
    if kind == "person_key":
        return f"{PERSONS}/{quote_id(value)}"
    raise ValueError("an MDN names no person path; find the person first")


def one_person(data: Any) -> dict[str, Any] | None:
    """The person of an answer: OAS documents an object, the Ruby gem an array (§8.4)."""
    if isinstance(data, list):
        data = data[0] if data else None
    return data if isinstance(data, dict) else None


async def find_person(call: Call, kind: str, value: str) -> dict[str, Any] | None:
    """The person named by key, external id or MDN; None when Vibes knows none (404).

    The MDN goes in the query string, where the client sends E.164's '+' as %2B (§1.4).
    """
    try:
        if kind == "mdn":
            response = await call("GET", PERSONS, params={"mdn": value})
        else:
            response = await call("GET", person_path(kind, value))
    except VibesNotFound:
        return None
    return one_person(response.data)


async def person_ref(call: Call, kind: str, value: str) -> str | None:
    """A path for the person, looking an MDN up first; None when there is no such person."""
    if kind != "mdn":
        return person_path(kind, value)
    person = await find_person(call, kind, value)
    key = person.get("person_key") if person else None
    return person_path("person_key", str(key)) if key else None


async def create_person(call: Call, body: dict[str, Any]) -> VibesResponse:
    """POST a person: 201 new, 200 merged into the person with the same MDN, so repeating
    it after a lost answer is harmless."""
    return await call("POST", f"{PERSONS}/", json=body, retry_unsafe=True)


async def update_person(call: Call, kind: str, value: str, body: dict[str, Any]) -> VibesResponse:
    """PUT a person by key, or add-or-update by external id; VibesNotFound for an unknown
    key, VibesConflict (409) for a changed MDN."""
    return await call("PUT", person_path(kind, value), json=body)


# ---- subscriptions (FACTS §2.3) -------------------------------------------------------------
async def subscriptions(call: Call, person: str) -> list[Any] | None:
    """Every subscription of the person at path ``person``, opted-out ones included; None
    for an unknown person."""
    try:
        response = await call("GET", f"{person}/subscriptions", params={"active_only": "false"})
    except VibesNotFound:
        return None
    return response.data if isinstance(response.data, list) else []


async def unsubscribe(call: Call, person: str, list_id: str) -> VibesResponse | None:
    """Unsubscribe; None when Vibes says the person was not subscribed (404 = done)."""
    try:
        return await call("DELETE", f"{person}/subscriptions/{quote_id(list_id)}")
    except VibesNotFound:
        return None


async def subscription_lists(call: Call) -> list[Any]:
    response = await call("GET", SUBSCRIPTION_LISTS)
    return response.data if isinstance(response.data, list) else []


# ---- acquisition (FACTS §2.4) ---------------------------------------------------------------
async def acquisition_campaign(call: Call, acquisition_id: str) -> dict[str, Any] | None:
    return await _object(call, f"{ACQUISITION_CAMPAIGNS}/{quote_id(acquisition_id)}")


async def add_participant(call: Call, acquisition_id: str, body: dict[str, Any]) -> int:
    """Add a participant; the status says what happened: 201 added, 200 already pending
    confirmation, 409 already subscribed. The last two make a repeat harmless."""
    path = f"{ACQUISITION_CAMPAIGNS}/{quote_id(acquisition_id)}/participants"
    try:
        response = await call("POST", path, json=body, retry_unsafe=True)
    except VibesConflict:
        return 409
    return response.status


# ---- wallet (FACTS §2.6-2.8) ----------------------------------------------------------------
def wallet_item_path(wallet_id: str, item_id: str) -> str:
    return f"{WALLET_CAMPAIGNS}/{quote_id(wallet_id)}/items/{quote_id(item_id)}"


def _wallet_bucket(google: bool) -> str:
    # Google Wallet updates have their own limit of 20 requests/s (§1.5).
    return "google_wallet" if google else "default"


async def wallet_item(
    call: Call, wallet_id: str, item_id: str, *, google: bool = False
) -> VibesResponse | None:
    try:
        return await call("GET", wallet_item_path(wallet_id, item_id), limit=_wallet_bucket(google))
    except VibesNotFound:
        return None


async def update_wallet_item(
    call: Call, wallet_id: str, item_id: str, body: dict[str, Any], *, google: bool = False
) -> VibesResponse:
    path = wallet_item_path(wallet_id, item_id)
    return await call("PUT", path, json=body, limit=_wallet_bucket(google))


async def wallet_campaign(call: Call, wallet_id: str) -> dict[str, Any] | None:
    return await _object(call, f"{WALLET_CAMPAIGNS}/{quote_id(wallet_id)}")


async def send_wallet_message(call: Call, wallet_id: str, body: dict[str, Any]) -> VibesResponse:
    """Create (and so send) a wallet message; never repeated after an ambiguous failure."""
    path = f"{WALLET_CAMPAIGNS}/{quote_id(wallet_id)}/messages"
    return await call("POST", path, json=body, retry_unsafe=False)


# ---- store locations (FACTS §2.9) ------------------------------------------------------------
# Vibes publishes no page size limit (§8 gap 3); 100 a page is modest and needs few requests.
LOCATION_PAGE_SIZE = 100
MAX_LOCATIONS_PER_ADD = 1000


def wallet_locations_path(wallet_id: str) -> str:
    return f"{WALLET_CAMPAIGNS}/{quote_id(wallet_id)}/locations"


async def wallet_location_pages(
    call: Call, wallet_id: str, page_size: int = LOCATION_PAGE_SIZE
) -> AsyncIterator[list[Any]]:
    """Each page of a campaign's store locations, from page 1 until a page shorter than
    ``page_size`` (Vibes gives no total). A page equal to the one before means ``page`` is
    ignored; that raises rather than loop for ever."""
    path = wallet_locations_path(wallet_id)
    previous: list[Any] | None = None
    page = 1
    while True:
        response = await call("GET", path, params={"page": page, "page_size": page_size})
        items = response.data
        if not isinstance(items, list):
            raise VibesResponseError("GET", path, f"page {page} is not a list")
        if items and items == previous:
            raise VibesResponseError("GET", path, f"page {page} repeats page {page - 1}")
        yield items
        if len(items) < page_size:
            return
        previous = items
        page += 1


async def wallet_locations(call: Call, wallet_id: str) -> list[Any]:
    """Every store location of a campaign."""
    return [item async for page in wallet_location_pages(call, wallet_id) for item in page]


def locations_idempotency_key(wallet_id: str, locations: Sequence[dict[str, Any]]) -> str:
    """The Idempotency-Key of a bulk add: derived from the campaign and the batch, so the
    same batch sent again (a retry, a rerun) is the same request to Vibes and adds nothing."""
    canonical = orjson.dumps(
        {"wallet_id": wallet_id, "locations": list(locations)}, option=orjson.OPT_SORT_KEYS
    )
    return "locations-" + hashlib.sha256(canonical).hexdigest()


async def add_wallet_locations(
    call: Call, wallet_id: str, locations: Sequence[dict[str, Any]]
) -> VibesResponse:
    """Add up to 1000 locations in one request (201). Its Idempotency-Key (required by
    Vibes) makes repeating it after an ambiguous failure harmless."""
    if len(locations) > MAX_LOCATIONS_PER_ADD:
        raise ValueError(f"at most {MAX_LOCATIONS_PER_ADD} locations per request")
    key = locations_idempotency_key(wallet_id, locations)
    return await call(
        "POST",
        f"{wallet_locations_path(wallet_id)}/bulk",
        json={"locations": list(locations)},
        headers={"Idempotency-Key": key},
        retry_unsafe=True,
    )


async def delete_wallet_location(call: Call, wallet_id: str, location: int | str) -> bool:
    """Delete one location by Vibes' ``id``; False when it was already gone (404)."""
    try:
        await call("DELETE", f"{wallet_locations_path(wallet_id)}/{quote_id(str(location))}")
    except VibesNotFound:
        return False
    return True


# ---- broadcasts and events (FACTS §2.5, §2.11) ----------------------------------------------
async def create_broadcast(call: Call, body: dict[str, Any]) -> VibesResponse:
    """Create a broadcast; never repeated after an ambiguous failure (it would text twice)."""
    return await call("POST", f"{BROADCASTS}/", json=body, retry_unsafe=False)


async def post_event(call: Call, body: dict[str, Any]) -> VibesResponse:
    """Send an event (300 requests/s bucket); its ``event_id`` makes a repeat harmless."""
    return await call("POST", EVENTS, json=body, limit="events", retry_unsafe=True)


# ---- incentives (FACTS §2.12, §7) -----------------------------------------------------------
def incentive_code_path(code: str) -> str:
    return f"{INCENTIVE_CODES}/{quote_id(code)}"


async def incentive_pool(call: Call, pool_id: str) -> dict[str, Any] | None:
    return await _object(call, f"{INCENTIVE_POOLS}/{quote_id(pool_id)}")


async def incentive_code(call: Call, code: str) -> dict[str, Any] | None:
    return await _object(call, incentive_code_path(code))


async def code_issuances(call: Call, code: str) -> list[Any] | None:
    """Every issuance of the code; None for a code Vibes does not know (404)."""
    return await _list(call, f"{incentive_code_path(code)}/issuances")


async def code_redemptions(call: Call, code: str) -> list[Any] | None:
    """Every redemption of the code; None for a code Vibes does not know (404)."""
    return await _list(call, f"{incentive_code_path(code)}/redemptions")


async def issue_incentive_code(call: Call, pool_id: str, body: dict[str, Any]) -> VibesResponse:
    """Issue a code from a pool: it uses up a finite pool and cannot be undone, so it is
    never repeated after an ambiguous failure (422: the pool has no code left)."""
    path = f"{INCENTIVE_POOLS}/{quote_id(pool_id)}/issuances"
    return await call("POST", path, json=body, retry_unsafe=False)


async def redeem_incentive_code(call: Call, code: str, body: dict[str, Any]) -> VibesResponse:
    """Redeem a code; never repeated after an ambiguous failure (422 says it is already
    redeemed, or the issuee is not the code's)."""
    path = f"{incentive_code_path(code)}/redemptions"
    return await call("POST", path, json=body, retry_unsafe=False)


async def _list(call: Call, path: str) -> list[Any] | None:
    """The bare array at ``path``; None when Vibes answers 404 (unknown id)."""
    try:
        response = await call("GET", path)
    except VibesNotFound:
        return None
    return response.data if isinstance(response.data, list) else []


async def _object(call: Call, path: str) -> dict[str, Any] | None:
    """The object at ``path``; None when Vibes answers 404 (unknown id)."""
    try:
        response = await call("GET", path)
    except VibesNotFound:
        return None
    return response.data if isinstance(response.data, dict) else {}


# ---- event-triggered campaigns (FACTS §2.11) ------------------------------------------------
EVENT_TRIGGERED_MESSAGES = "/mobiledb/event_triggered_messages"


def event_campaign_path(campaign_id: str | int) -> str:
    return f"{EVENT_TRIGGERED_MESSAGES}/{quote_id(str(campaign_id))}"


async def event_campaign(call: Call, campaign_id: str | int) -> dict[str, Any] | None:
    """One campaign; None for an id the company does not have (404)."""
    return await _object(call, event_campaign_path(campaign_id))


async def event_campaigns(call: Call) -> list[Any]:
    """Every event-triggered campaign (no status filter: all of them)."""
    response = await call("GET", EVENT_TRIGGERED_MESSAGES)
    return response.data if isinstance(response.data, list) else []


async def create_event_campaign(call: Call, body: dict[str, Any]) -> VibesResponse:
    """Create a campaign (202); never repeated after an ambiguous failure: a second one
    would text every person the event names twice."""
    return await call("POST", EVENT_TRIGGERED_MESSAGES, json=body, retry_unsafe=False)


async def update_event_campaign(
    call: Call, campaign_id: str | int, body: dict[str, Any]
) -> VibesResponse:
    """Replace a campaign's definition; 422 (VibesUnprocessable) once it is canceled."""
    return await call("PUT", event_campaign_path(campaign_id), json=body)


# ---- push devices (FACTS §2.12) -------------------------------------------------------------
def device_path(app_id: str, device_id: str) -> str:
    """Push device paths name no company: they are not under /companies/{company_key}."""
    return f"/mobile_apps/{quote_id(app_id)}/devices/{quote_id(device_id)}"


def device_of_url(url: Any) -> tuple[str, str] | None:
    """(app_id, vibes_device_id) of a device ``url`` (``/mobile_apps/{app}/devices/{id}``)."""
    parts = url.strip("/").split("/") if isinstance(url, str) else []
    if len(parts) == 4 and parts[0] == "mobile_apps" and parts[2] == "devices":
        return parts[1], parts[3]
    return None


def device_list(data: Any) -> list[dict[str, Any]]:
    """A person's devices: OAS documents one device object, the path and the spec's
    pushDevicesResponse an array, and DW wraps a device in ``{"device": {...}}`` (§2.12)."""
    if isinstance(data, dict):
        inner = data.get("devices", data.get("device", data))
        data = inner if isinstance(inner, list) else [inner]
    if not isinstance(data, list):
        return []
    return [
        d["device"] if isinstance(d.get("device"), dict) else d for d in data if isinstance(d, dict)
    ]


async def push_device(call: Call, app_id: str, device_id: str) -> dict[str, Any] | None:
    """One device of an app; None when Vibes knows no such device (404)."""
    return await _object(call, device_path(app_id, device_id))


async def push_devices(call: Call, person: str) -> list[dict[str, Any]] | None:
    """The push devices of the person at path ``person``; None for an unknown person."""
    try:
        response = await call("GET", f"{person}/push_devices")
    except VibesNotFound:
        return None
    return device_list(response.data)


async def assign_push_device(
    call: Call, app_id: str, device_id: str, kind: str, value: str
) -> VibesResponse:
    """Attach a device to the person named by ``person_key`` or ``external_person_id``; the
    same assignment again changes nothing, so a repeat is harmless."""
    if kind not in ("person_key", "external_person_id"):
        raise ValueError("a device is assigned by person_key or external_person_id")
    path = f"{device_path(app_id, device_id)}/assign"
    return await call("POST", path, json={kind: value}, retry_unsafe=True)
