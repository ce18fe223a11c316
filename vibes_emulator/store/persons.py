"""Persons: lookups by key, person_id, external id and MDN; create/update/upsert rules.

Rules (FACTS §1.7, §2.1): POST is 201 for a new person, 200 when a person with the same MDN
exists (merged; fields the body omits stay as they are), 409 when the body's
``external_person_id`` belongs to another person than the MDN's. PUT changes the named
fields only: ``null`` clears, omitted keeps; an MDN cannot change (409) but can be nulled.
PUT by external id adds the person when nobody has that id (201).
"""

from __future__ import annotations

from typing import Any

from vibes_emulator.errors import ApiError, conflict, json_object, not_found, unprocessable

from . import ids
from .clock import SECOND, fmt_seconds
from .custom_fields import normalize_values, render_values
from .mdn import parse_mdn, render_mdn, visible
from .state import CompanyState, Core, Record

_US_ZONES = ("US/Eastern", "US/Central", "US/Mountain", "US/Pacific")
_COUNTRY_ZONES = {
    "+44": "Europe/London",
    "+49": "Europe/Berlin",
    "+52": "America/Mexico_City",
    "+61": "Australia/Sydney",
    "+33": "Europe/Paris",
}
_ABSENT = object()


def zone_for(mdn: str | None) -> str | None:
    """A plausible time zone from the number, as Vibes' ``area_code`` source does."""
    if mdn is None:
        return None
    if mdn.startswith("+1"):
        return _US_ZONES[int(mdn[2:5]) % len(_US_ZONES)]
    return _COUNTRY_ZONES.get(mdn[:3])


class Persons:
    def __init__(self, core: Core) -> None:
        self.core = core

    # ---- rendering and lookup -------------------------------------------------------
    def render(self, state: CompanyState, person: Record, version: int) -> dict[str, Any]:
        key = person["person_key"]
        return {
            "person_id": str(person["person_id"]),
            "person_key": key,
            "external_person_id": person.get("external_person_id"),
            "mobile_phone": {
                "mdn": render_mdn(person.get("mdn"), version),
                "carrier_code": person.get("carrier_code"),
            },
            "timezone": person.get("timezone"),
            "timezone_source": person.get("timezone_source"),
            "custom_fields": render_values(state.tables["field"], person["custom_fields"]),
            "created_at": fmt_seconds(person["created_at"]),
            "updated_at": fmt_seconds(person["updated_at"]),
            "url": f"/companies/{state.key}/mobiledb/persons/{key}",
        }

    def by_key_or_id(self, state: CompanyState, ident: str) -> Record | None:
        """``person_key``, or the deprecated numeric ``person_id`` in the same slot."""
        table = state.tables["person"]
        return table.get(ident) or table.find("by_id", ident)

    def by_external(self, state: CompanyState, external_id: str) -> Record | None:
        return state.tables["person"].find("by_external", external_id)

    def by_mdn(self, state: CompanyState, e164: str) -> Record | None:
        return state.tables["person"].find("by_mdn", e164)

    def visible_to(self, person: Record, version: int) -> bool:
        return visible(person.get("mdn"), version)

    def visible_or_404(self, person: Record | None, version: int) -> Record:
        # Under v1, persons with international numbers are not returned (FACTS §1.4).
        if person is None or not visible(person.get("mdn"), version):
            raise not_found("Person")
        return person

    def get(self, company_key: str, ident: str, version: int) -> dict[str, Any]:
        state = self.core.company(company_key)
        person = self.visible_or_404(self.by_key_or_id(state, ident), version)
        return self.render(state, person, version)

    def get_external(self, company_key: str, external_id: str, version: int) -> dict[str, Any]:
        state = self.core.company(company_key)
        person = self.visible_or_404(self.by_external(state, external_id), version)
        return self.render(state, person, version)

    def find_by_mdn(self, company_key: str, raw_mdn: str | None, version: int) -> dict[str, Any]:
        state = self.core.company(company_key)
        if raw_mdn is None:
            raise not_found("Person")
        person = self.visible_or_404(self.by_mdn(state, parse_mdn(raw_mdn, version)), version)
        return self.render(state, person, version)

    # ---- writes ----------------------------------------------------------------------
    def parse_body(self, state: CompanyState, body: Any, version: int) -> dict[str, Any]:
        """The changes a person body asks for; keys absent from the result were omitted."""
        body = json_object(body)
        changes: dict[str, Any] = {}
        problems: list[str] = []
        if "external_person_id" in body:
            external = body["external_person_id"]
            if external is not None and (not isinstance(external, str) or not external):
                problems.append("external_person_id must be a non-empty string")
            elif external is not None and len(external) > 128:
                problems.append("external_person_id must be at most 128 characters")
            changes["external_person_id"] = external
        if "mobile_phone" in body:
            phone = body["mobile_phone"]
            if phone is None:
                changes["mdn"] = None
            elif not isinstance(phone, dict):
                problems.append("mobile_phone must be an object")
            else:
                if "mdn" in phone:
                    try:
                        mdn = phone["mdn"]
                        changes["mdn"] = (
                            None if mdn is None else parse_mdn(mdn, version, status=422)
                        )
                    except ApiError as error:
                        problems.extend(error.messages)
                if "carrier_code" in phone:
                    changes["carrier_code"] = phone["carrier_code"]
        try:
            custom = normalize_values(state.tables["field"], body.get("custom_fields"))
        except ApiError as error:
            problems.extend(error.messages)
            custom = {}
        if problems:
            raise ApiError(422, *problems)
        changes["custom_fields"] = custom
        return changes

    def create_record(self, state: CompanyState, changes: dict[str, Any]) -> Record:
        """A new person from parsed changes (saved and indexed)."""
        person_id = self.core.next_seq(state, "person_id", start=100_001)
        now = self.core.clock.now_ms()
        mdn = changes.get("mdn")
        person: Record = {
            "person_id": person_id,
            "person_key": ids.person_key(state.key, person_id),
            "external_person_id": changes.get("external_person_id"),
            "mdn": mdn,
            "carrier_code": changes.get("carrier_code"),
            "timezone": zone_for(mdn),
            "timezone_source": "area_code" if mdn else None,
            "custom_fields": dict(changes.get("custom_fields", {})),
            "created_at": now,
            "updated_at": now,
        }
        self.core.save(state, "person", person["person_key"], person)
        self.core.emit(state, "person_added", person)
        return person

    def apply(self, state: CompanyState, person: Record, changes: dict[str, Any]) -> bool:
        """Apply parsed changes to an existing person; True when anything changed.

        Callers have already checked identity conflicts; this enforces MDN immutability.
        """
        new_mdn = changes.get("mdn", _ABSENT)
        if (
            new_mdn is not _ABSENT
            and new_mdn is not None
            and person.get("mdn") not in (None, new_mdn)
        ):
            raise conflict("MDN cannot be changed; set it to null to remove it")
        updated = dict(person)
        if new_mdn is not _ABSENT:
            updated["mdn"] = new_mdn
            if new_mdn is None:
                updated["carrier_code"] = None
        if "carrier_code" in changes and updated.get("mdn") is not None:
            updated["carrier_code"] = changes["carrier_code"]
        if "external_person_id" in changes:
            updated["external_person_id"] = changes["external_person_id"]
        if updated.get("mdn") != person.get("mdn") and updated.get("mdn") is not None:
            updated["timezone"] = zone_for(updated["mdn"])
            updated["timezone_source"] = "area_code"
        custom = dict(person["custom_fields"])
        custom.update(changes.get("custom_fields", {}))
        updated["custom_fields"] = custom
        if updated == person:
            return False
        updated["updated_at"] = self.core.clock.touch(person["updated_at"], SECOND)
        person.clear()
        person.update(updated)
        self.core.save(state, "person", person["person_key"], person)
        self.core.emit(state, "person_updated", person)
        return True

    def _taken(self, state: CompanyState, index: str, value: str, own: Record | None) -> bool:
        holder = state.tables["person"].find(index, value)
        return holder is not None and (own is None or holder["person_key"] != own["person_key"])

    def check_unique(
        self, state: CompanyState, person: Record | None, changes: dict[str, Any]
    ) -> None:
        """409 when the body's MDN or external id already belongs to someone else."""
        mdn = changes.get("mdn")
        if mdn is not None and self._taken(state, "by_mdn", mdn, person):
            raise conflict("MDN belongs to another person")
        external = changes.get("external_person_id")
        if external is not None and self._taken(state, "by_external", external, person):
            raise conflict("external_person_id belongs to another person")

    def create(self, company_key: str, body: Any, version: int) -> tuple[int, dict[str, Any]]:
        state = self.core.company(company_key)
        changes = self.parse_body(state, body, version)
        mdn = changes.get("mdn")
        if mdn is None and changes.get("external_person_id") is None:
            raise unprocessable("A new person needs mobile_phone.mdn or external_person_id")
        existing = self.by_mdn(state, mdn) if mdn is not None else None
        if existing is None:
            self.check_unique(state, None, changes)
            return 201, self.render(state, self.create_record(state, changes), version)
        # Same MDN: merge into that person (the external id must not point elsewhere).
        external = changes.get("external_person_id")
        current = existing.get("external_person_id")
        if external is not None and current is not None and external != current:
            raise conflict("MDN belongs to a person with another external_person_id")
        self.check_unique(state, existing, changes)
        self.apply(state, existing, changes)
        return 200, self.render(state, existing, version)

    def update(
        self, company_key: str, ident: str, body: Any, version: int
    ) -> tuple[int, dict[str, Any]]:
        state = self.core.company(company_key)
        person = self.visible_or_404(self.by_key_or_id(state, ident), version)
        changes = self.parse_body(state, body, version)
        self.check_unique(state, person, changes)
        self.apply(state, person, changes)
        return 200, self.render(state, person, version)

    def upsert_external(
        self, company_key: str, external_id: str, body: Any, version: int
    ) -> tuple[int, dict[str, Any]]:
        state = self.core.company(company_key)
        changes = self.parse_body(state, body, version)
        person = self.by_external(state, external_id)
        if person is None:
            changes["external_person_id"] = external_id
            self.check_unique(state, None, changes)
            return 201, self.render(state, self.create_record(state, changes), version)
        self.visible_or_404(person, version)
        self.check_unique(state, person, changes)
        self.apply(state, person, changes)
        return 200, self.render(state, person, version)
