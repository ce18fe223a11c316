"""Acquisition campaigns and their participants (FACTS §2.4).

Campaigns are built in the platform (here: seeded). Adding a participant finds or creates the
person and either starts a confirmation (``PENDING``) or, for campaigns without
confirmation, subscribes the person to the campaign's list at once (``SUBSCRIBED``).
"""

from __future__ import annotations

from typing import Any

from vibes_emulator.errors import bad_request, conflict, json_object, not_found, unprocessable

from .clock import fmt_minutes
from .custom_fields import normalize_values
from .mdn import parse_mdn
from .persons import Persons
from .state import CompanyState, Core, Record, join_id
from .subscriptions import Subscriptions

LIST_CAP = 50
PENDING_HOURS = 24
_IDENTIFIERS = ("person_key", "person_id", "external_person_id", "mdn")


def campaign_status(campaign: Record, now_ms: int) -> str:
    """Status as of now: deleted stays deleted; otherwise derived from the dates."""
    if campaign["status"] == "deleted":
        return "deleted"
    if now_ms < campaign["start_date"]:
        return "scheduled"
    end = campaign.get("end_date")
    if end is not None and now_ms >= end:
        return "past"
    return "active"


class Acquisitions:
    def __init__(self, core: Core, persons: Persons, subscriptions: Subscriptions) -> None:
        self.core = core
        self.persons = persons
        self.subscriptions = subscriptions

    def render(self, state: CompanyState, campaign: Record) -> dict[str, Any]:
        acquisition_id = campaign["acquisition_id"]
        return {
            "acquisition_id": acquisition_id,
            "description": campaign["description"],
            "campaign_type": {"code": "ACQUISITION"},
            "status": campaign_status(campaign, self.core.clock.now_ms()),
            "start_date": fmt_minutes(campaign["start_date"]),
            "end_date": fmt_minutes(campaign.get("end_date")),
            "created_date": fmt_minutes(campaign["created_date"]),
            "updated_date": fmt_minutes(campaign["updated_date"]),
            "acquisition_campaign": {"keywords": list(campaign["keywords"])},
            "sourcecode": campaign.get("sourcecode"),
            "url": f"/companies/{state.key}/campaigns/acquisition/{acquisition_id}",
        }

    def _campaign(self, state: CompanyState, acquisition_id: str) -> Record:
        campaign = state.tables["acquisition"].get(acquisition_id)
        if campaign is None:
            raise not_found("Acquisition campaign")
        return campaign

    def _active(self, state: CompanyState) -> list[Record]:
        now = self.core.clock.now_ms()
        active = [
            c for c in state.tables["acquisition"].values() if campaign_status(c, now) == "active"
        ]
        # Which 50 Vibes returns is unstated; the emulator returns the most recently updated.
        active.sort(key=lambda c: (c["updated_date"], c["acquisition_id"]), reverse=True)
        return active

    def listing(self, company_key: str) -> list[dict[str, Any]]:
        state = self.core.company(company_key)
        active = self._active(state)[:LIST_CAP]
        if not active:
            raise not_found("Acquisition campaign")
        return [self.render(state, c) for c in active]

    def get(self, company_key: str, acquisition_id: str) -> dict[str, Any]:
        state = self.core.company(company_key)
        return self.render(state, self._campaign(state, acquisition_id))

    def for_list(self, company_key: str, list_id: str) -> list[dict[str, Any]]:
        """Active campaigns that subscribe to ``list_id`` (empty array when none)."""
        state = self.core.company(company_key)
        self.subscriptions.list_record(state, list_id)
        return [self.render(state, c) for c in self._active(state) if c["list_id"] == list_id]

    # ---- participants ----------------------------------------------------------------
    def render_participant(self, state: CompanyState, record: Record) -> dict[str, Any]:
        person = state.tables["person"][record["person_key"]]
        return {
            "person": {
                "person_id": str(person["person_id"]),
                "person_key": person["person_key"],
                "external_person_id": person.get("external_person_id"),
                "url": f"/companies/{state.key}/mobiledb/persons/{person['person_key']}",
            },
            "participation_date": fmt_minutes(record["participation_date"]),
            "expire_date": fmt_minutes(record.get("expire_date")),
            "status": record["status"],
        }

    def _pending(self, record: Record | None) -> bool:
        if record is None or record["status"] != "PENDING":
            return False
        return bool(record["expire_date"] > self.core.clock.now_ms())

    def search(
        self, company_key: str, acquisition_id: str, query: dict[str, str], version: int
    ) -> list[dict[str, Any]]:
        """Pending participants matching one identifier; empty array when none."""
        state = self.core.company(company_key)
        self._campaign(state, acquisition_id)
        if not any(name in query for name in _IDENTIFIERS):
            raise bad_request("One of mdn, person_id, person_key or external_person_id is required")
        person = self.subscriptions.person_from_query(state, query, version)
        if person is None or not self.persons.visible_to(person, version):
            return []
        record = state.tables["participant"].get(join_id(acquisition_id, person["person_key"]))
        return [self.render_participant(state, record)] if record and self._pending(record) else []

    def _find_person(
        self, state: CompanyState, body: dict[str, Any], version: int
    ) -> Record | None:
        """The participant's person; 404/400/422 per the identifier rules."""
        for name in ("person_id", "person_key"):
            if body.get(name) is not None:
                person = self.persons.by_key_or_id(state, str(body[name]))
                if person is None:
                    raise not_found("Person")
                return person
        phone = body.get("mobile_phone")
        raw_mdn = phone.get("mdn") if isinstance(phone, dict) else None
        external = body.get("external_person_id")
        if raw_mdn is None and external is None:
            raise unprocessable(
                "One of person_id, person_key, external_person_id or mobile_phone.mdn is required"
            )
        by_mdn = (
            self.persons.by_mdn(state, parse_mdn(raw_mdn, version)) if raw_mdn is not None else None
        )
        by_external = (
            self.persons.by_external(state, str(external)) if external is not None else None
        )
        claimed_elsewhere = by_external is not None or (
            by_mdn is not None and by_mdn.get("external_person_id")
        )
        if (
            by_mdn is not None
            and external is not None
            and by_mdn is not by_external
            and claimed_elsewhere
        ):
            raise unprocessable("EXTERNALPERSONIDMISMATCH")
        if (
            by_external is not None
            and raw_mdn is not None
            and by_mdn is None
            and by_external.get("mdn")
        ):
            raise unprocessable("EXTERNALPERSONIDMISMATCH")
        return by_mdn or by_external

    def add_participant(
        self, company_key: str, acquisition_id: str, body: Any, version: int
    ) -> tuple[int, dict[str, Any]]:
        state = self.core.company(company_key)
        campaign = self._campaign(state, acquisition_id)
        body = json_object(body)
        custom = normalize_values(state.tables["field"], body.get("custom_fields"))
        if campaign_status(campaign, self.core.clock.now_ms()) != "active":
            raise unprocessable("Acquisition campaign is not active")
        person = self._find_person(state, body, version)
        if person is not None and not self.persons.visible_to(person, version):
            raise not_found("Person")
        phone = body.get("mobile_phone")
        raw_mdn = phone.get("mdn") if isinstance(phone, dict) else None
        body_mdn = parse_mdn(raw_mdn, version) if raw_mdn is not None else None
        mdn = person["mdn"] if person is not None and person["mdn"] else body_mdn
        if mdn is None:
            raise unprocessable("The person has no mobile phone to confirm the subscription")
        if join_id(acquisition_id, mdn) in state.tables["block"]:
            raise unprocessable("MDNHASCONFIRMATIONBLOCK")
        list_id = campaign["list_id"]
        if person is not None and self.subscriptions.active_subscription(
            state, person["person_key"], list_id
        ):
            raise conflict("Person is already subscribed")
        # Body follows the person format: fill what the person lacks, overwrite custom fields.
        external = body.get("external_person_id")
        changes: dict[str, Any] = {"custom_fields": custom}
        if person is None or person.get("mdn") is None:
            changes["mdn"] = mdn
        if external is not None and (person is None or person.get("external_person_id") is None):
            changes["external_person_id"] = str(external)
        self.persons.check_unique(state, person, changes)
        created = person is None
        if person is None:
            person = self.persons.create_record(state, changes)
        else:
            self.persons.apply(state, person, changes)
        record_id = join_id(acquisition_id, person["person_key"])
        existing = state.tables["participant"].get(record_id)
        if not created and existing is not None and self._pending(existing):
            return 200, self.render_participant(state, existing)
        now = self.core.clock.now_ms()
        record: Record = {
            "acquisition_id": acquisition_id,
            "person_key": person["person_key"],
            "participation_date": now,
            "expire_date": now + PENDING_HOURS * 3600 * 1000,
            "status": "PENDING",
        }
        if not campaign["requires_confirmation"]:
            record["status"] = "SUBSCRIBED"
            self.subscriptions.subscribe(state, person["person_key"], list_id, acquisition_id)
        self.core.save(state, "participant", record_id, record)
        self.core.emit(state, "ack_participant_added", record)
        return 201, self.render_participant(state, record)
