"""Seeded incentive pools with codes, and some issuances and redemptions of them.

Drawn from their own ``random.Random(f"{seed}:incentives")`` so that the rest of the seeded
data is the same with or without them. Issuees are seeded persons' external ids.
"""

from __future__ import annotations

import random

from .incentives import issuee_id
from .seed_tools import pick as _pick
from .seed_tools import rand as _rand
from .state import CompanyState, Record

DAY = 86_400_000
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# (name, method, codes, share issued, share of issuances redeemed, issuance/redemption allowed)
POOLS = (
    ("Spring 20% Off", "unique", 60, 0.5, 0.4, True, True),
    ("Free Shipping", "multi", 1, 0.0, 0.5, True, True),
    ("VIP Welcome Gift", "unique", 25, 0.8, 0.3, True, True),
    ("Holiday 2025 Voucher", "unique", 30, 0.6, 0.5, False, False),
    ("Store Opening Coupon", "unique", 12, 0.0, 0.0, True, True),
)
MULTI_ISSUANCES = 20
APPLICATIONS = ("broadcast", "acquisition_campaign", "event_triggered_message")


def _code(rng: random.Random, length: int, used: set[str]) -> str:
    while True:
        code = "".join(_pick(rng, _ALPHABET) for _ in range(length))
        if code not in used:
            used.add(code)
            return code


def build(state: CompanyState, rng: random.Random, persons: list[Record], now: int) -> None:
    issuees = [p["external_person_id"] for p in persons if p.get("external_person_id")]
    used: set[str] = set()
    issuance_number, redemption_number = 700_000, 900_000
    for number, (name, method, size, issued, redeemed, issue_ok, redeem_ok) in enumerate(
        POOLS, start=301
    ):
        created = now - _rand(rng, 100, 600) * DAY
        pool_id = str(number)
        codes = [_code(rng, 8, used) for _ in range(size)]
        if method == "multi":
            codes = [name.upper().replace(" ", "")[:12]]
            used.add(codes[0])
        for code in codes:
            state.tables["incentive_code"].put(
                code,
                {"code": code, "pool_id": pool_id, "created_at": created, "updated_at": created},
            )
        handed_out = int(size * issued) if method == "unique" else MULTI_ISSUANCES
        last_change = created
        for index in range(handed_out if issuees else 0):
            code = codes[index] if method == "unique" else codes[0]
            at = (created + _rand(rng, now - created)) // 1000 * 1000
            issuance_number += 1
            event: Record = {
                "id": issuance_number,
                "code": code,
                "pool_id": pool_id,
                "external_issuee_id": _pick(rng, issuees),
                "issuee_id": "",
                "referring_application": _pick(rng, APPLICATIONS),
                "referring_application_ref_id": str(_rand(rng, 1000, 9999)),
                "created_at": at,
                "updated_at": at,
            }
            event["issuee_id"] = issuee_id(state, event["external_issuee_id"], issuance_number)
            state.tables["incentive_issuance"].put(str(issuance_number), event)
            changed = at
            if rng.random() < redeemed:
                redemption_number += 1
                at = at + _rand(rng, max(1, now - at)) // 1000 * 1000
                state.tables["incentive_redemption"].put(
                    str(redemption_number),
                    {
                        **event,
                        "id": redemption_number,
                        "issuance_id": event["id"],
                        "created_at": at,
                        "updated_at": at,
                    },
                )
                changed = at
            record = state.tables["incentive_code"][code]
            record["updated_at"] = max(record["updated_at"], changed)
            state.tables["incentive_code"].put(code, record)
            last_change = max(last_change, event["created_at"])
        state.tables["incentive_pool"].put(
            pool_id,
            {
                "id": number,
                "name": name,
                "issuance_allowed": issue_ok,
                "redemption_allowed": redeem_ok,
                "low_threshold": max(1, size // 10),
                "max_characters": 12,
                "method": method,
                "notification_email_address": "incentives@example.com",
                "created_at": created,
                "updated_at": last_change,
            },
        )
    seq = state.tables["seq"]
    seq.put("incentive_pool", {"value": 300 + len(POOLS)})
    seq.put("incentive_issuance", {"value": issuance_number})
    seq.put("incentive_redemption", {"value": redemption_number})
