"""Deterministic seed data: persons, lists, subscriptions, acquisition campaigns.

``build(state, persons, seed, now_ms)`` fills an empty company. Everything derives from
``random.Random(seed)`` and from ``now_ms`` truncated to the day, so the same seed gives the
same data all day long (timestamps spread over the two years before that day).
Broadcasts and wallet data come from :mod:`seed_campaigns`.
"""

from __future__ import annotations

import random
from typing import Any

from . import ids, seed_campaigns, seed_events, seed_incentives, seed_wallet_extras
from .persons import zone_for
from .seed_tools import Weighted
from .seed_tools import pick as _pick
from .seed_tools import rand as _rand
from .state import CompanyState, Record, join_id

DAY = 86_400_000
HOUR = 3_600_000
SPAN = 730 * DAY
# An MDN that every seeded confirmation campaign has blocked (a documented test fixture).
BLOCKED_MDN = "+13125550199"

FIRST_NAMES = (
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Charles", "Karen", "Olivia", "Liam", "Emma", "Noah", "Sofia", "Mateo", "Amelia",
    "Oliver", "Chloe", "Lukas", "Hannah", "Jack", "Isla", "Lucas", "Mia",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore",
    "Martin", "Lee", "Walker", "Muller", "Schmidt", "Dubois", "Nguyen", "O'Brien", "Kelly",
)  # fmt: skip
# (country code, national digits, weight); +1 dominates as it does for Vibes' customers.
COUNTRIES = (
    ("+1", 10, 80),
    ("+44", 10, 6),
    ("+52", 10, 5),
    ("+61", 9, 4),
    ("+49", 11, 3),
    ("+33", 9, 2),
)
US_CARRIERS = ("104", "105", "106", "383", "777")
LISTS = (
    ("1201", "Promotions"),
    ("1202", "Order Updates"),
    ("1203", "VIP Club"),
    ("1204", "Store Events"),
    ("1205", "Spanish Offers"),
    ("1206", "Weekly Newsletter"),
)
OPT_OUT_WEIGHTS = (
    ("user_opt_out", 40), ("keyword_opt_out", 15), ("api_opt_out", 10), ("disconnect", 8),
    ("failed_at_carrier", 6), ("bulk_opt_out", 5), ("list_archived", 3), ("obsolete_carrier", 3),
    ("platform_opt_out", 5), ("button_opt_out", 5),
)  # fmt: skip

_COUNTRY = Weighted([(c, n) for c, n, _ in COUNTRIES], [w for _, _, w in COUNTRIES])
_TIER = Weighted(("bronze", "silver", "gold", "platinum", None), (40, 25, 15, 5, 15))
_LIST_COUNT = Weighted((0, 1, 2, 3), (10, 45, 30, 15))
_REASON = Weighted([r for r, _ in OPT_OUT_WEIGHTS], [w for _, w in OPT_OUT_WEIGHTS])


def _mdn(rng: random.Random, used: set[str]) -> str:
    while True:
        code, size = _COUNTRY.draw(rng)
        if code == "+1":
            area = _rand(rng, 201, 990)
            if area % 100 == 11:
                continue
            national = f"{area}{_rand(rng, 200, 1000)}{_rand(rng, 10000):04d}"
        else:
            national = str(_rand(rng, 1, 10)) + "".join(
                str(_rand(rng, 10)) for _ in range(size - 1)
            )
        number = code + national
        if number not in used and number != BLOCKED_MDN:
            used.add(number)
            return number


def _custom_fields(
    rng: random.Random, first: str, last: str, mdn: str | None, born: int
) -> dict[str, Any]:
    values: dict[str, Any] = {"first_name": first, "last_name": last}
    roll = rng.random()
    if roll < 0.8:
        values["email"] = f"{first}.{last}{_rand(rng, 100)}@example.com".lower().replace("'", "")
    elif roll < 0.9:
        values["email"] = None
    if mdn is not None and mdn.startswith("+1"):
        values["zip_code"] = f"{_rand(rng, 1000, 99999):05d}"
    if rng.random() < 0.75:
        values["birthdate"] = born
    elif rng.random() < 0.5:
        values["birthdate"] = None
    gender = rng.random()
    if gender < 0.85:
        values["gender"] = _pick(rng, ("male", "female", "non_binary"))
    elif gender < 0.92:
        values["gender"] = None
    values["loyalty_tier"] = _TIER.draw(rng)
    interests = rng.sample(
        ("sports", "music", "travel", "food", "fashion", "technology"), _rand(rng, 0, 4)
    )
    values["interests"] = interests
    return values


def _external_id(rng: random.Random, index: int, first: str, last: str) -> str | None:
    roll = rng.random()
    if roll < 0.10:
        return None
    if roll < 0.13:
        # Some CRMs use ids that need URL encoding (space, slash, plus, at).
        return f"acct/{index} {last[:3].lower()}+{_rand(rng, 100)}@crm"
    return f"crm-{index:07d}"


def build_persons(state: CompanyState, rng: random.Random, count: int, now: int) -> list[Record]:
    used: set[str] = set()
    persons = state.tables["person"]
    out = []
    for index in range(count):
        person_id = 100_001 + index
        first, last = _pick(rng, FIRST_NAMES), _pick(rng, LAST_NAMES)
        mdn = _mdn(rng, used) if rng.random() > 0.02 else None
        created = now - _rand(rng, SPAN)
        updated = created + _rand(rng, now - created + 1) if rng.random() < 0.7 else created
        born = (now - _rand(rng, 18 * 365, 80 * 365) * DAY) // DAY * DAY
        person: Record = {
            "person_id": person_id,
            "person_key": ids.person_key(state.key, person_id),
            "external_person_id": _external_id(rng, person_id, first, last),
            "mdn": mdn,
            "carrier_code": _pick(rng, US_CARRIERS) if mdn and mdn.startswith("+1") else None,
            "timezone": zone_for(mdn),
            "timezone_source": _pick(rng, ("area_code", "area_code", "api")) if mdn else None,
            "custom_fields": _custom_fields(rng, first, last, mdn, born),
            "created_at": created // 1000 * 1000,
            "updated_at": updated // 1000 * 1000,
        }
        persons.put(person["person_key"], person)
        out.append(person)
    state.tables["seq"].put("person_id", {"value": 100_000 + count})
    return out


def build_subscriptions(
    state: CompanyState, rng: random.Random, persons: list[Record], now: int
) -> None:
    for list_id, name in LISTS:
        state.tables["list"].put(list_id, {"id": list_id, "name": name})
    table = state.tables["subscription"]
    number = 0
    for person in persons:
        if person["mdn"] is None:
            continue
        for list_id, _ in rng.sample(LISTS, _LIST_COUNT.draw(rng)):
            opt_in = person["created_at"] + _rand(rng, max(1, now - person["created_at"]))
            history = [opt_in]
            if rng.random() < 0.18:
                # Opted out; a few came back later (a second record, as Vibes keeps it).
                history.append(opt_in + _rand(rng, max(1, now - opt_in)))
                if rng.random() < 0.2:
                    history.append(history[1] + _rand(rng, max(1, now - history[1])))
            for position in range(0, len(history), 2):
                number += 1
                ended = history[position + 1] if position + 1 < len(history) else None
                table.put(
                    str(number),
                    {
                        "id": str(number),
                        "person_key": person["person_key"],
                        "list_id": list_id,
                        "acquisition_id": None,
                        "opt_in_date": history[position] // 1000 * 1000,
                        "opt_out_date": ended,
                        "opt_out_reason": _REASON.draw(rng) if ended else None,
                    },
                )
    state.tables["seq"].put("subscription", {"value": number})


def build_acquisitions(
    state: CompanyState, rng: random.Random, persons: list[Record], now: int
) -> None:
    plans = (
        # (description, list, confirmation, start offset days, end offset days or None)
        ("Spring Promotions Sign-up", "1201", True, -200, None),
        ("Order Updates Opt-in", "1202", False, -400, None),
        ("VIP Club Web Form", "1203", True, -90, 120),
        ("In-Store Event Text-to-Join", "1204", False, -30, 30),
        ("Ofertas en Espanol", "1205", True, -300, None),
        ("Holiday 2025 Sweepstakes", "1201", True, -500, -380),
        ("Summer Newsletter Drive", "1206", False, -250, -100),
        ("Next Season Preview", "1206", True, 20, 200),
    )
    with_mdn = [p for p in persons if p["mdn"] is not None and p["mdn"].startswith("+1")]
    for number, (description, list_id, confirm, start, end) in enumerate(plans, start=1):
        acquisition_id = ids.short_token("acquisition", state.key, number, 8).upper()
        created = now + (start - _rand(rng, 5, 30)) * DAY
        state.tables["acquisition"].put(
            acquisition_id,
            {
                "acquisition_id": acquisition_id,
                "description": description,
                "status": "active",
                "start_date": now + start * DAY,
                "end_date": None if end is None else now + end * DAY,
                "created_date": created,
                "updated_date": created + _rand(rng, max(1, min(now, now + start * DAY) - created)),
                "keywords": [description.split()[0].upper(), f"JOIN{number}"],
                "sourcecode": _pick(rng, ("65301", "77777", "22022")),
                "list_id": list_id,
                "requires_confirmation": confirm,
            },
        )
        if not confirm:
            continue
        state.tables["block"].put(join_id(acquisition_id, BLOCKED_MDN), {"mdn": BLOCKED_MDN})
        for person in rng.sample(with_mdn, min(len(with_mdn), 3)):
            blocked = {"mdn": person["mdn"]}
            state.tables["block"].put(join_id(acquisition_id, person["mdn"]), blocked)
        subscribed = {
            s["person_key"]
            for s in state.tables["subscription"].values()
            if s["list_id"] == list_id
        }
        candidates = [p for p in with_mdn if p["person_key"] not in subscribed]
        for person in rng.sample(candidates, min(len(candidates), max(3, len(persons) // 40))):
            # Most are still pending (joined in the last day); some timed out.
            joined = (
                now - _rand(rng, 20 * HOUR) if rng.random() < 0.7 else now - _rand(rng, 2, 60) * DAY
            )
            state.tables["participant"].put(
                join_id(acquisition_id, person["person_key"]),
                {
                    "acquisition_id": acquisition_id,
                    "person_key": person["person_key"],
                    "participation_date": joined,
                    "expire_date": joined + 24 * HOUR,
                    "status": "PENDING",
                },
            )


def build(state: CompanyState, persons: int, seed: int, now_ms: int) -> None:
    """Fill ``state`` (already cleared) with a data set around ``persons`` persons."""
    rng = random.Random(seed)
    now = now_ms // DAY * DAY
    # Seeded data lives in the past and near future of "today" at midnight UTC; keep it
    # before the real now so that nothing seeded claims to have happened later than now.
    people = build_persons(state, rng, persons, now)
    build_subscriptions(state, rng, people, now)
    build_acquisitions(state, rng, people, now)
    seed_campaigns.build(state, rng, people, now)
    seed_wallet_extras.build(state, seed, now)
    # Own RNGs: adding events, devices and incentives leaves every other seeded record as it was.
    seed_events.build(state, random.Random(f"{seed}:events_devices"), people, now)
    seed_incentives.build(state, random.Random(f"{seed}:incentives"), people, now)
