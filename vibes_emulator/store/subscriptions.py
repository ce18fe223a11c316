"""Subscription lists and the subscriptions of persons to them (FACTS §2.2, §2.3).

Lists are created in the Vibes UI (here: by the seed). A subscription record is one opt-in
and its opt-out, so unsubscribing and subscribing again leaves two records.
"""

from __future__ import annotations

from typing import Any

from vibes_emulator.errors import ApiError, not_found

from .clock import fmt_millis, fmt_seconds
from .mdn import parse_mdn
from .persons import Persons
from .state import CompanyState, Core, Record

OPT_OUT_REASONS = (
    "user_opt_out",
    "disconnect",
    "list_archived",
    "bulk_opt_out",
    "failed_at_carrier",
    "obsolete_carrier",
    "platform_opt_out",
    "keyword_opt_out",
    "api_opt_out",
    "button_opt_out",
)


class Subscriptions:
    def __init__(self, core: Core, persons: Persons) -> None:
        self.core = core
        self.persons = persons

    # ---- lists -----------------------------------------------------------------------
    def render_list(self, state: CompanyState, record: Record) -> dict[str, Any]:
        url = f"/companies/{state.key}/mobiledb/subscription_lists/{record['id']}"
        return {
            "id": record["id"],
            "name": record["name"],
            "url": url,
            "subscribers_url": f"{url}/subscribers",
            "acquisition_campaigns_url": f"{url}/acquisition_campaigns",
        }

    def list_record(self, state: CompanyState, list_id: str) -> Record:
        record = state.tables["list"].get(list_id)
        if record is None:
            raise not_found("Subscription list")
        return record

    def lists(self, company_key: str) -> list[dict[str, Any]]:
        state = self.core.company(company_key)
        records = sorted(state.tables["list"].values(), key=lambda r: int(r["id"]))
        return [self.render_list(state, r) for r in records]

    def get_list(self, company_key: str, list_id: str) -> dict[str, Any]:
        state = self.core.company(company_key)
        return self.render_list(state, self.list_record(state, list_id))

    # Lists are made and renamed in the Vibes UI; the control plane stands in for it
    # (POST /_emulator/subscription_lists), and Vibes calls back for both (FACTS §3.4).
    def add_list(self, company_key: str, name: Any) -> dict[str, Any]:
        state = self.core.company(company_key)
        record: Record = {"id": str(self._next_list_id(state)), "name": _list_name(name)}
        self.core.save(state, "list", record["id"], record)
        self.core.emit(state, "subscription_list_added", record)
        return self.render_list(state, record)

    def rename_list(self, company_key: str, list_id: str, name: Any) -> dict[str, Any]:
        state = self.core.company(company_key)
        record = self.list_record(state, list_id)
        new_name = _list_name(name)
        if new_name != record["name"]:
            record["name"] = new_name
            self.core.save(state, "list", list_id, record)
            self.core.emit(state, "subscription_list_updated", record)
        return self.render_list(state, record)

    @staticmethod
    def _next_list_id(state: CompanyState) -> int:
        numbers = [int(i) for i in state.tables["list"] if i.isdigit()]
        return max(numbers, default=1200) + 1

    def subscriber(
        self, company_key: str, list_id: str, query: dict[str, str], version: int
    ) -> dict[str, Any]:
        """Membership check: the person when actively subscribed to the list, else 404."""
        state = self.core.company(company_key)
        self.list_record(state, list_id)
        person = self.person_from_query(state, query, version)
        if person is None or self.active_subscription(state, person["person_key"], list_id) is None:
            raise not_found("Subscriber")
        self.persons.visible_or_404(person, version)
        return self.persons.render(state, person, version)

    def person_from_query(
        self, state: CompanyState, query: dict[str, str], version: int
    ) -> Record | None:
        """The person a query names by ``person_key``, ``person_id``, ``external_person_id``
        or ``mdn`` (first present wins, in that order); None when nobody matches."""
        if "person_key" in query:
            return state.tables["person"].get(query["person_key"])
        if "person_id" in query:
            return self.persons.by_key_or_id(state, query["person_id"])
        if "external_person_id" in query:
            return self.persons.by_external(state, query["external_person_id"])
        if "mdn" in query:
            return self.persons.by_mdn(state, parse_mdn(query["mdn"], version))
        return None

    # ---- subscriptions ---------------------------------------------------------------
    def render(self, state: CompanyState, sub: Record) -> dict[str, Any]:
        ck, person_key, list_id = state.key, sub["person_key"], sub["list_id"]
        return {
            "person": {"id": person_key, "url": f"/companies/{ck}/mobiledb/persons/{person_key}"},
            "subscription_list": {
                "id": list_id,
                "url": f"/companies/{ck}/mobiledb/subscription_lists/{list_id}",
            },
            "opt_in_date": fmt_seconds(sub["opt_in_date"]),
            "opt_out_date": fmt_millis(sub.get("opt_out_date")),
            "opt_out_reason": sub.get("opt_out_reason"),
            "url": f"/companies/{ck}/mobiledb/persons/{person_key}/subscriptions/{list_id}",
        }

    def records_of(self, state: CompanyState, person_key: str) -> list[Record]:
        return list(state.tables["subscription"].group("by_person", person_key).values())

    def active_subscription(
        self, state: CompanyState, person_key: str, list_id: str
    ) -> Record | None:
        for sub in self.records_of(state, person_key):
            if sub["list_id"] == list_id and sub.get("opt_out_date") is None:
                return sub
        return None

    def subscribe(
        self, state: CompanyState, person_key: str, list_id: str, acquisition_id: str | None
    ) -> Record:
        """A new active subscription record (callers check it does not exist yet)."""
        sub_id = str(self.core.next_seq(state, "subscription"))
        sub: Record = {
            "id": sub_id,
            "person_key": person_key,
            "list_id": list_id,
            "acquisition_id": acquisition_id,
            "opt_in_date": self.core.clock.now_ms(),
            "opt_out_date": None,
            "opt_out_reason": None,
        }
        self.core.save(state, "subscription", sub_id, sub)
        self.core.emit(state, "subscription_added", sub)
        return sub

    def _person(self, state: CompanyState, ident: str, external: bool, version: int) -> Record:
        if external:
            person = self.persons.by_external(state, ident)
        else:
            person = self.persons.by_key_or_id(state, ident)
        return self.persons.visible_or_404(person, version)

    def of_person(
        self, company_key: str, ident: str, *, external: bool, active_only: bool, version: int
    ) -> list[dict[str, Any]]:
        state = self.core.company(company_key)
        person = self._person(state, ident, external, version)
        subs = self.records_of(state, person["person_key"])
        return [
            self.render(state, s) for s in subs if not active_only or s.get("opt_out_date") is None
        ]

    def of_person_list(
        self,
        company_key: str,
        ident: str,
        list_id: str,
        *,
        external: bool,
        active_only: bool,
        version: int,
    ) -> list[dict[str, Any]]:
        """The person's subscription(s) to one list, as an array (OAS); 404 when none."""
        state = self.core.company(company_key)
        person = self._person(state, ident, external, version)
        subs = [
            s
            for s in self.records_of(state, person["person_key"])
            if s["list_id"] == list_id and (not active_only or s.get("opt_out_date") is None)
        ]
        if not subs:
            raise not_found("Subscription")
        return [self.render(state, s) for s in subs]

    def unsubscribe(
        self, company_key: str, ident: str, list_id: str, *, external: bool, version: int
    ) -> None:
        state = self.core.company(company_key)
        person = self._person(state, ident, external, version)
        sub = self.active_subscription(state, person["person_key"], list_id)
        if sub is None:
            raise not_found("Subscription")
        self.opt_out(state, sub, "api_opt_out")

    def opt_out(self, state: CompanyState, sub: Record, reason: str) -> None:
        if reason not in OPT_OUT_REASONS:
            raise ApiError(422, f"Unknown opt_out_reason {reason}")
        sub["opt_out_date"] = self.core.clock.now_ms()
        sub["opt_out_reason"] = reason
        self.core.save(state, "subscription", sub["id"], sub)
        self.core.emit(state, "subscription_removed", sub)


def _list_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ApiError(400, "name must be a non-empty string")
    return name.strip()
