"""Read the CRM's contacts back from Vibes (the emulator) after the reverse-ETL leg.

A plain Vibes API client on purpose: the demo checks what target-vibes wrote with requests of
its own, not through the code under demonstration.
"""

from __future__ import annotations

import base64
import csv
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

CRM_CONTACTS = Path(__file__).resolve().parent / "data" / "crm_contacts.csv"


@dataclass(frozen=True)
class Contact:
    """One row of the CRM export, in the CRM's own column names."""

    contact_id: str
    phone: str
    first_name: str
    last_name: str
    email: str
    loyalty_tier: str


def read_contacts(path: Path = CRM_CONTACTS) -> list[Contact]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [Contact(**row) for row in csv.DictReader(handle)]


def get_person(api_url: str, company_key: str, auth: tuple[str, str], external_id: str) -> Any:
    """GET a person by external id; None when Vibes answers 404."""
    url = (
        f"{api_url}/companies/{company_key}/mobiledb/persons/external/{quote(external_id, safe='')}"
    )
    token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    request = urllib.request.Request(  # noqa: S310 - the demo's loopback emulator
        url,
        headers={"Authorization": f"Basic {token}", "X-API-Version": "2"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


def _field(person: dict[str, Any], name: str) -> str:
    value = (person.get("custom_fields") or {}).get(name)
    if isinstance(value, dict):  # single-selects read back as option objects
        value = value.get("name")
    return "" if value is None else str(value)


@dataclass(frozen=True)
class ReadBack:
    """One contact as Vibes now holds it (``person`` None: not in Vibes)."""

    contact: Contact
    person: dict[str, Any] | None

    @property
    def matches(self) -> bool:
        """Does Vibes hold what the CRM says (names, email, tier)?"""
        if self.person is None:
            return False
        wanted = {
            "first_name": self.contact.first_name,
            "last_name": self.contact.last_name,
            "email": self.contact.email,
            "loyalty_tier": self.contact.loyalty_tier,
        }
        return all(_field(self.person, k) == v for k, v in wanted.items())

    def row(self) -> list[str]:
        person = self.person or {}
        return [
            self.contact.contact_id,
            (person.get("mobile_phone") or {}).get("mdn", "") if person else "",
            _field(person, "first_name"),
            _field(person, "last_name"),
            _field(person, "loyalty_tier"),
            str(person.get("updated_at", "")) if person else "(not in Vibes)",
        ]


def read_back(api_url: str, company_key: str, auth: tuple[str, str]) -> list[ReadBack]:
    return [
        ReadBack(contact, get_person(api_url, company_key, auth, contact.contact_id))
        for contact in read_contacts()
    ]
