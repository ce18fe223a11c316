"""Seed event-triggered campaigns and push devices, from their own RNG.

Drawn from ``random.Random(f"{seed}:events_devices")`` after everything else is seeded,
so adding them changed no earlier seeded record. Campaign statuses cover every value;
about a third of the persons have one or two devices, and a few devices belong to nobody
yet (the SDK registered them before the app knew who uses it), so they can be assigned.
"""

from __future__ import annotations

import random
import uuid

from .seed_tools import pick, rand
from .state import CompanyState, Record, join_id

DAY = 86_400_000
APPS = ("a1b2c3d4-shop-ios", "e5f6a7b8-shop-android")
OS_OF_APP = {APPS[0]: "iOS", APPS[1]: "Android"}
HARDWARE = {
    "iOS": (("Apple", "iPhone14,5"), ("Apple", "iPhone15,2")),
    "Android": (("samsung", "SM-G991U"), ("Google", "Pixel 7"), ("motorola", "moto g power")),
}
LOCALES = ("en_US", "es_US", "en_GB", "fr_FR")
ZONES = ("America/Chicago", "America/New_York", "America/Los_Angeles", "Europe/London")
Plan = tuple[str, str, str, str | None, int, int | None, bool]
# (name, event_type, channel, list filter, start offset days, end offset days or None, canceled)
CAMPAIGNS: tuple[Plan, ...] = (
    ("Order shipped", "order_shipped", "sms", None, -300, None, False),
    ("Day of delivery", "day_of_delivery", "sms", "1202", -200, 60, False),
    ("Cart abandoned (push)", "cart_abandoned", "push", None, -120, None, False),
    ("Back in stock", "back_in_stock", "sms", "1201", -400, -100, False),
    ("Holiday returns", "return_received", "sms", None, -90, 30, True),
    ("Loyalty tier up", "tier_upgraded", "sms", "1203", 10, 200, False),
)


def _campaign(number: int, plan: Plan, rng: random.Random, now: int) -> Record:
    name, event_type, channel, list_id, start, end, canceled = plan
    targeting: Record = {
        "message_template": f"{name}: see your account for details. Reply STOP to opt out.",
        "short_url_base": None,
        "shorten_urls": False,
        "channel": channel,
        "message_format": str(channel).upper(),
        "filters": []
        if list_id is None
        else [{"name": "subscription_list", "selector": "in", "value": [list_id]}],
    }
    if channel == "push":
        targeting["push"] = {"app_id": APPS[0], "silent_push": False}
    else:
        targeting["sms"] = {"sourcecode": "27245", "country_code": "US", "sourcecode_type": "SC"}
    created = now + (start - rand(rng, 5, 30)) * DAY
    return {
        "event_triggered_message_id": number,
        "name": name,
        "event_type": event_type,
        "start_date": now + start * DAY,
        "end_date": None if end is None else now + end * DAY,
        "targeting": targeting,
        "canceled": canceled,
        "created_by": "demo",
        "created_by_application": pick(rng, ("api", "platform_ui")),
        "created_at": created,
        "updated_at": created + rand(rng, 0, 5) * DAY,
    }


def _device(rng: random.Random, app_id: str, person_key: str | None) -> Record:
    os_name = OS_OF_APP[app_id]
    make, model = pick(rng, HARDWARE[os_name])
    return {
        "app_id": app_id,
        "vibes_device_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "person_key": person_key,
        "OS": os_name,
        "os_version": "17.4" if os_name == "iOS" else str(rand(rng, 12, 15)),
        "sdk_version": pick(rng, ("4.8.0", "4.9.1", "5.0.2")),
        "app_version": f"3.{rand(rng, 0, 9)}.{rand(rng, 0, 20)}",
        "push_token": f"{rng.getrandbits(256):064x}",
        "hardware_make": make,
        "hardware_model": model,
        "advertising_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "locale": pick(rng, LOCALES),
        "location": {
            "latitude": round(rng.uniform(25.0, 48.0), 4),
            "longitude": round(rng.uniform(-122.0, -71.0), 4),
        },
        "timezone": pick(rng, ZONES),
    }


def build(state: CompanyState, rng: random.Random, persons: list[Record], now: int) -> None:
    for number, plan in enumerate(CAMPAIGNS, start=501):
        state.tables["event_triggered_message"].put(str(number), _campaign(number, plan, rng, now))
    state.tables["seq"].put("event_triggered_message", {"value": 500 + len(CAMPAIGNS)})
    owners: list[str | None] = [p["person_key"] for p in persons if rng.random() < 0.33]
    owners += [None] * max(2, len(persons) // 20)
    for owner in owners:
        for app_id in APPS if rng.random() < 0.25 else (pick(rng, APPS),):
            device = _device(rng, app_id, owner)
            state.tables["push_device"].put(join_id(app_id, device["vibes_device_id"]), device)
