"""The demo's CRM export, demo/data/crm_contacts.csv, and how it was made.

Twenty contacts are persons of the demo company (``vibes-emulator --seed 3000``, seed value
1), matched by ``external_person_id`` and carrying the same phone number Vibes has (Vibes
never changes a person's MDN); the CRM gives them new names, emails and loyalty tiers. Four
contacts are new to Vibes, and one has a phone number that is no number at all, so that the
demo shows a rejected record landing in the dead-letter file instead of vanishing.

The emulator's seed data is deterministic; when it changes, ``python -m demo.crm_file``
writes the file again (a test says so when it is stale).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from demo.readback import CRM_CONTACTS

DEMO_PERSONS = 3000
SEED_VALUE = 1
HEADER = ("contact_id", "phone", "first_name", "last_name", "email", "loyalty_tier")
EXISTING = 20
FIRST = [
    "Ava",
    "Liam",
    "Mia",
    "Noah",
    "Zoe",
    "Ethan",
    "Lily",
    "Mason",
    "Chloe",
    "Lucas",
    "Emma",
    "Owen",
    "Nora",
    "Leo",
    "Ruby",
    "Caleb",
    "Ivy",
    "Hugo",
    "Stella",
    "Miles",
]
LAST = [
    "Hart",
    "Nguyen",
    "Patel",
    "Brooks",
    "Rivera",
    "Kim",
    "Foster",
    "Reyes",
    "Bennett",
    "Shah",
    "Cole",
    "Ortiz",
    "Price",
    "Wood",
    "Hayes",
    "Lam",
    "Reed",
    "Diaz",
    "Grant",
    "Quinn",
]
TIERS = ("Gold", "Platinum", "Silver", "Gold", "Bronze")
NEW_CONTACTS = (
    ("crm-0900001", "+14155550142", "Grace", "Hopper", "grace.hopper@example.com", "Platinum"),
    ("crm-0900002", "+13125550178", "Alan", "Kay", "alan.kay@example.com", "Silver"),
    ("crm-0900003", "+12065550113", "Barbara", "Liskov", "barbara.liskov@example.com", "Gold"),
    ("crm-0900004", "+16175550190", "Ken", "Thompson", "ken.thompson@example.com", "Bronze"),
)
# Rejected on purpose: not a phone number in any country.
BAD_CONTACT = ("crm-0900005", "555-0199", "Dennis", "Typo", "dennis.typo@example.com", "Gold")


def contact_rows(persons: Sequence[dict[str, Any]]) -> list[tuple[str, ...]]:
    """The CRM's rows for the persons of the seeded demo company (in the emulator's order)."""
    known = [p for p in persons if p.get("external_person_id") and p.get("mdn")]
    step = max(1, len(known) // EXISTING)
    picked = known[::step][:EXISTING]
    rows = []
    for index, person in enumerate(picked):
        first, last = FIRST[index], LAST[index]
        email = f"{first.lower()}.{last.lower()}@example.com"
        tier = TIERS[index % len(TIERS)]
        rows.append((person["external_person_id"], person["mdn"], first, last, email, tier))
    return [*rows, *NEW_CONTACTS, BAD_CONTACT]


def render(rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue()


def seeded_persons() -> list[dict[str, Any]]:
    """The persons of the demo company, from an in-process emulator seeded like the demo's."""
    from vibes_emulator.testing import RunningEmulator

    with RunningEmulator(seed=DEMO_PERSONS, seed_value=SEED_VALUE) as emulator:
        return emulator.control.persons()


def main() -> None:
    text = render(contact_rows(seeded_persons()))
    CRM_CONTACTS.write_text(text, encoding="utf-8")
    print(f"wrote {CRM_CONTACTS} ({text.count(chr(10)) - 1} contacts)")


if __name__ == "__main__":
    main()
