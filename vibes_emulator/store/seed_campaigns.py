"""Deterministic seed data: broadcasts, wallet campaigns with items and messages, callbacks."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from . import ids
from .seed_tools import Weighted
from .seed_tools import pick as _pick
from .seed_tools import rand as _rand
from .state import CompanyState, Record, join_id

DAY = 86_400_000
SPAN = 730 * DAY
# Status mix: "sent" dominates so that with 1000+ persons it exceeds the 100-record cap.
BROADCAST_STATUSES = (
    ("sent", 60), ("scheduled", 12), ("paused", 5), ("canceled", 6), ("deleted", 6),
    ("failed", 5), ("in_progress", 6),
)  # fmt: skip
SEASONS = ("Spring", "Summer", "Fall", "Holiday", "Flash")
_STATUS = Weighted([s for s, _ in BROADCAST_STATUSES], [w for _, w in BROADCAST_STATUSES])
USERS = ("marketing@example.com", "ops@example.com", "api-user@example.com")
TEMPLATES = (
    "Hi {{ first_name }}, our spring sale starts today! Reply STOP to opt out.",
    "Your order is on its way. Track it at https://example.com/t",
    "VIP early access: 30% off this weekend only.",
    "Join us at the store on Saturday for free samples!",
)


def build_broadcasts(state: CompanyState, rng: random.Random, count: int, now: int) -> None:
    statuses = [s for s, _ in BROADCAST_STATUSES]
    lists = sorted(state.tables["list"])
    for index in range(count):
        broadcast_id = str(1001 + index)
        # The first few cycle through every status so small seeds still show all of them.
        status = statuses[index] if index < len(statuses) else _STATUS.draw(rng)
        created = now - _rand(rng, SPAN)
        if status == "scheduled":
            send_at = now + _rand(rng, 1, 60) * DAY + _rand(rng, DAY)
            created = now - _rand(rng, 30 * DAY)
        elif status == "in_progress":
            send_at = now - _rand(rng, 3_600_000)
            created = send_at - _rand(rng, 1, 10) * DAY
        else:
            send_at = created + _rand(rng, 1, 20) * DAY
        send_at = min(send_at, now) if status != "scheduled" else send_at
        send_at = send_at // 60_000 * 60_000
        delivery: dict[str, Any] | None = None
        if status in ("sent", "in_progress", "failed", "paused", "canceled"):
            delivery = {
                "send_start_date": send_at + _rand(rng, 5, 90) * 1000,
                "enqueue_completed_date": None
                if status in ("in_progress", "paused")
                else send_at + 120_000,
                "recipient_count": _rand(rng, 1, 5000),
            }
        touched = max(send_at, created) if status != "scheduled" else created
        short_code = _pick(rng, ("65301", None, "77777"))
        state.tables["broadcast"].put(
            broadcast_id,
            {
                "broadcast_id": broadcast_id,
                "status": status,
                "name": f"{_pick(rng, SEASONS)} alert {index + 1}",
                "send_scheduled_date": send_at,
                "send_schedule": {"method": "by_date"},
                "created_by": _pick(rng, USERS),
                "created_by_application": _pick(rng, (None, "api")),
                "targeting": {
                    "message_template": _pick(rng, TEMPLATES),
                    "short_url_base": "http://vbs.cm/",
                    "shorten_urls": rng.random() < 0.5,
                    "channel": "sms" if rng.random() < 0.9 else "push",
                    "source_short_code": short_code,
                    "source_lists": rng.sample(lists, _rand(rng, 1, 3)),
                    "filters": [],
                },
                "delivery": delivery,
                "recipient_estimate": _rand(rng, 1, 5000),
                "created_at": created // 1000 * 1000,
                "updated_at": min(now, touched + _rand(rng, DAY)) // 1000 * 1000,
            },
        )
    state.tables["seq"].put("broadcast", {"value": 1000 + count})


WALLET_PLANS = (
    # (name, type, provider mix (google share), expires in days or None)
    ("Rewards Card", "loyalty", 0.5, None),
    ("Spring Sale 20% Off", "offer", 0.4, 90),
    ("Summer Concert Ticket", "event_ticket", 0.3, 45),
    ("Birthday Treat", "offer", 0.6, 365),
    ("Gold Member Pass", "loyalty", 0.2, None),
    ("Last Year's Clearance", "offer", 0.5, -30),
)


def _item_tokens(
    rng: random.Random, person: Record, kind: str, expires: int | None
) -> dict[str, str]:
    custom = person["custom_fields"]
    tokens = {
        "first_name": str(custom.get("first_name") or ""),
        "last_name": str(custom.get("last_name") or ""),
        "barcode_value": ids.uuid_for("barcode", person["person_key"], _rand(rng, 10**9)),
    }
    if kind == "loyalty":
        tokens["loyalty_balance"] = str(_rand(rng, 0, 5000))
        tokens["loyalty_tier"] = str(custom.get("loyalty_tier") or "bronze").title()
    if expires is not None:
        day = expires // DAY * DAY - _rand(rng, 0, 3) * DAY
        tokens["expiration_date"] = _token_date(day)
    return tokens


def _token_date(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S+0:00")


def build_wallet(state: CompanyState, rng: random.Random, persons: list[Record], now: int) -> None:
    total_items = max(60, int(len(persons) * 0.6))
    # The first campaign holds 40% of the items, so paging (50 by default, 1000 at most)
    # is exercised: >50 items from 150 persons on, >1000 from about 4,200 persons on.
    shares = [0.4] + [0.6 / (len(WALLET_PLANS) - 1)] * (len(WALLET_PLANS) - 1)
    item_number = 0
    message_number = 5000
    for number, (name, kind, google_share, expires_days) in enumerate(WALLET_PLANS, start=1):
        wallet_id = ids.short_token("wallet", state.key, number, 6)
        created = now - _rand(rng, 200, 700) * DAY
        expires = None if expires_days is None else now + expires_days * DAY
        state.tables["wallet_campaign"].put(
            wallet_id,
            {
                "wallet_id": wallet_id,
                "name": name,
                "type": kind,
                "description": f"{name} for our customers" if rng.random() < 0.7 else None,
                "expiration_date": expires,
                "redirect_link": "https://example.com/expired" if expires else None,
                "created_at": created + _rand(rng, 1000),
                "updated_at": now - _rand(rng, 1, 150) * DAY + _rand(rng, DAY),
            },
        )
        holders = rng.sample(persons, min(len(persons), int(total_items * shares[number - 1])))
        for person in holders:
            item_number += 1
            item_created = max(created, person["created_at"]) + _rand(rng, 30 * DAY)
            item_created = min(item_created, now - DAY) + _rand(rng, 1000)
            google = rng.random() < google_share
            item_id = (
                f"member-{person['person_id']}"
                if rng.random() < 0.2
                else ids.uuid_for("wallet_item", state.key, item_number)
            )
            state.tables["wallet_item"].put(
                join_id(wallet_id, item_id),
                {
                    "wallet_item_id": item_id,
                    "wallet_id": wallet_id,
                    "group_code": _pick(rng, ("vip", "regular", "regular", "new", None)),
                    "active": rng.random() < 0.9,
                    "tokens": _item_tokens(rng, person, kind, expires),
                    "locations": [],
                    "provider": "google_wallet" if google else "passbook",
                    "passbook": None
                    if google or rng.random() < 0.5
                    else {"notification": "Thanks for visiting!"},
                    "google_wallet": (
                        {"messages": {"header": "Hello", "body": "Your pass was updated"}}
                        if google and rng.random() < 0.5
                        else None
                    ),
                    "created_at": item_created,
                    "updated_at": item_created + _rand(rng, max(1, now - item_created)),
                },
            )
        # The big campaign gets more than the 50-message cap.
        messages = 60 + len(persons) // 100 if number == 1 else _rand(rng, 2, 9)
        for _ in range(messages):
            message_number += 1
            sent = now - _rand(rng, SPAN // 2)
            state.tables["wallet_message"].put(
                join_id(wallet_id, str(message_number)),
                {
                    "wallet_message_id": str(message_number),
                    "wallet_id": wallet_id,
                    "message": {
                        "template": "Hi {{first_name}}, new rewards await!",
                        "header": "News",
                    },
                    "filters": [{"name": "group_code", "selector": "=", "value": "vip"}]
                    if rng.random() < 0.4
                    else [],
                    "created_at": sent,
                    "updated_at": sent,
                },
            )
    state.tables["seq"].put("wallet_campaign", {"value": len(WALLET_PLANS)})
    state.tables["seq"].put("wallet_message", {"value": message_number})


def build_callbacks(state: CompanyState, now: int) -> None:
    registrations = (
        ("person_updated", None),
        ("subscription_added", {"list_id": "1201"}),
    )
    for number, (kind, selector) in enumerate(registrations, start=101):
        state.tables["callback"].put(
            str(number),
            {
                "callback_id": str(number),
                "callback_type": kind,
                "selector": selector,
                "destination": {
                    "url": f"https://hooks.example.com/vibes/{kind}",
                    "method": "POST",
                    "content_type": "application/json",
                },
                "start_date": None,
                "end_date": None,
                "api_version": 2,
                "created_at": now - 100 * DAY,
                "updated_at": now - 50 * DAY,
            },
        )
    state.tables["seq"].put("callback", {"value": 100 + len(registrations)})


def build(state: CompanyState, rng: random.Random, persons: list[Record], now: int) -> None:
    build_broadcasts(state, rng, 30 + len(persons) // 6, now)
    build_wallet(state, rng, persons, now)
    build_callbacks(state, now)
