"""Seed data for store locations, templates, location selectors and source codes.

Drawn from their own generator (``random.Random(f"{seed}:wallet_extras")``) after the rest
of the seed, so adding them changed none of the data seeded before them. Every wallet
campaign gets enough locations for several pages (the list pages by page/page_size).
"""

from __future__ import annotations

import random

from . import ids
from .seed_tools import pick, rand
from .state import CompanyState, join_id

DAY = 86_400_000
_CITIES = (
    ("Chicago", "IL", "606"),
    ("Austin", "TX", "787"),
    ("Denver", "CO", "802"),
    ("Portland", "OR", "972"),
    ("Atlanta", "GA", "303"),
)
_STREETS = ("Main St", "Oak Ave", "Market St", "Elm St", "2nd Ave", "Lake Dr")
SOURCE_CODES = (
    # (code, country, type, country name, mms, end in days or None, default response)
    ("22022", "US", "SC", "United States", True, None, None),
    ("65301", "US", "SC", "United States", True, None, "Thanks! Reply HELP for help."),
    ("77777", "US", "SC", "United States", False, None, None),
    ("60777", "CA", "SC", "Canada", False, 400, "Merci! Reply STOP to end."),
    ("18885550123", "US", "ANC", "United States", True, None, None),
)
LOCATIONS_PER_CAMPAIGN = (120, 260)


def _coordinate(rng: random.Random, base: float) -> str:
    return f"{base + rng.random() - 0.5:.6f}"


def build_locations(state: CompanyState, rng: random.Random) -> None:
    number = 0
    for wallet_id in sorted(state.tables["wallet_campaign"]):
        for position in range(rand(rng, *LOCATIONS_PER_CAMPAIGN)):
            number += 1
            city, region, zip_head = pick(rng, _CITIES)
            # Several stores share a zip code, so the zip filter finds more than one.
            zip_code = f"{zip_head}{rand(rng, 10, 16):02d}"
            state.tables["wallet_location"].put(
                str(number),
                {
                    "id": number,
                    "wallet_id": wallet_id,
                    "location_id": f"store-{position + 1:04d}",
                    "name": f"{city} #{position + 1}",
                    "address": f"{rand(rng, 1, 9999)} {pick(rng, _STREETS)}",
                    "address_2": f"Suite {rand(rng, 100, 999)}" if rng.random() < 0.2 else None,
                    "city": city,
                    "state": region,
                    "zip": zip_code,
                    "phone_number": f"+1{rand(rng, 201, 990)}555{rand(rng, 10000):04d}",
                    "store_hours": "Mon-Sat 9-21, Sun 10-18",
                    "latitude": _coordinate(rng, 40.0),
                    "longitude": _coordinate(rng, -90.0),
                    "notification_message": "You're near us: show your pass!"
                    if rng.random() < 0.5
                    else None,
                },
            )
    state.tables["seq"].put("wallet_location", {"value": number})


def build_designs(state: CompanyState, rng: random.Random, now: int) -> None:
    number = 0
    for index, wallet_id in enumerate(sorted(state.tables["wallet_campaign"])):
        campaign = state.tables["wallet_campaign"][wallet_id]
        bodies = {
            "wallet_template": {
                "title": campaign["name"],
                "issuer": "Example Stores",
                "logo": {"url": "https://example.com/logo.png"},
                "barcode": {"type": "qrCode", "value": "{{uuid}}"},
            },
            "passbook_template": {
                "pass_description": campaign["name"],
                "colors": {"background": "#1f2a44", "foreground": "#ffffff", "label": "#c0c0c0"},
                "images": {"logo": {"url": "https://example.com/logo.png"}},
            },
            "location_selector": {
                "header": {"title": "Find your store", "tagline": campaign["name"]},
                "colors": {"background": "#ffffff", "foreground": "#000000", "label": "#555555"},
                "fontsize": 14,
                "include_zipcode": True,
                "add_to_wallet_language": pick(rng, ("en-US", "es-ES", "es-419", "fr-FR")),
            },
        }
        for kind, body in bodies.items():
            if index % 3 == 2 and kind != "wallet_template":  # not every campaign has all
                continue
            number += 1
            created = now - rand(rng, 30, 300) * DAY
            state.tables["wallet_design"].put(
                join_id(wallet_id, kind),
                {
                    "id": ids.uuid_for(kind, state.key, number),
                    "wallet_id": wallet_id,
                    "body": body,
                    "created_at": created,
                    "updated_at": created + rand(rng, 30 * DAY),
                },
            )
    state.tables["seq"].put("wallet_design", {"value": number})


def build_source_codes(state: CompanyState, now: int) -> None:
    for code, country, kind, name, mms, ends, response in SOURCE_CODES:
        state.tables["source_code"].put(
            join_id(code, country),
            {
                "sourcecode": code,
                "country_code": country,
                "sourcecode_type": kind,
                "primary_country_name": name,
                "sms_enabled": True,
                "mms_enabled": mms,
                "sourcecode_end_date": None if ends is None else now + ends * DAY,
                "default_response": response,
            },
        )


def build(state: CompanyState, seed: int, now: int) -> None:
    rng = random.Random(f"{seed}:wallet_extras")
    build_locations(state, rng)
    build_designs(state, rng, now)
    build_source_codes(state, now)
