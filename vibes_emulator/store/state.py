"""Per-company state: one table of records per kind, plus the indexes reads need.

Every record is a plain JSON-able dict, so the same object is the working copy, the
SQLite row body and what the seed generator produces. Instants are epoch milliseconds.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vibes_emulator.errors import not_found

from .clock import Clock
from .persistence import Persistence, Row

Record = dict[str, Any]
ChangeListener = Callable[["CompanyState", str, Record], None]

# Kinds that hold the company's definition (kept by reset) and kinds that hold its data.
DEFINITION_KINDS = ("company", "field")
DATA_KINDS = (
    "seq",
    "person",
    "list",
    "subscription",
    "acquisition",
    "participant",
    "block",
    "broadcast",
    "wallet_campaign",
    "wallet_item",
    "wallet_message",
    "callback",
    "event",
)


def join_id(*parts: str) -> str:
    """Record id of a child record (``wallet_id|item_id``); ``|`` never occurs in Vibes ids."""
    return "|".join(parts)


def password_digest(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


@dataclass
class CompanyState:
    """Everything one company owns."""

    key: str
    tables: dict[str, dict[str, Record]] = field(default_factory=dict)
    person_by_id: dict[str, str] = field(default_factory=dict)
    person_by_external: dict[str, str] = field(default_factory=dict)
    person_by_mdn: dict[str, str] = field(default_factory=dict)
    subs_by_person: dict[str, list[str]] = field(default_factory=dict)
    items_by_campaign: dict[str, dict[str, Record]] = field(default_factory=dict)
    messages_by_campaign: dict[str, dict[str, Record]] = field(default_factory=dict)
    # Per-campaign cache of items sorted for paging; dropped whenever an item changes.
    item_order: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    item_token_names: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for kind in (*DEFINITION_KINDS, *DATA_KINDS):
            self.tables.setdefault(kind, {})

    def table(self, kind: str) -> dict[str, Record]:
        return self.tables[kind]

    def clear_data(self) -> None:
        for kind in DATA_KINDS:
            self.tables[kind] = {}
        self.reindex()

    def reindex(self) -> None:
        """Rebuild every index from the tables (after loading or seeding)."""
        self.person_by_id = {}
        self.person_by_external = {}
        self.person_by_mdn = {}
        for person in self.tables["person"].values():
            self.index_person(person)
        # Broadcast lists are "the first 100" in creation order: keep the table in id order
        # (a database loads rows in text order, where "10010" sorts before "1002").
        broadcasts = self.tables["broadcast"]
        self.tables["broadcast"] = dict(sorted(broadcasts.items(), key=lambda kv: int(kv[0])))
        self.subs_by_person = {}
        subs = sorted(self.tables["subscription"].values(), key=lambda s: int(s["id"]))
        for sub in subs:
            self.subs_by_person.setdefault(sub["person_key"], []).append(sub["id"])
        self.items_by_campaign = {}
        for item in self.tables["wallet_item"].values():
            items = self.items_by_campaign.setdefault(item["wallet_id"], {})
            items[item["wallet_item_id"]] = item
        self.messages_by_campaign = {}
        for message in self.tables["wallet_message"].values():
            messages = self.messages_by_campaign.setdefault(message["wallet_id"], {})
            messages[message["wallet_message_id"]] = message
        self.forget_item_order()

    def forget_item_order(self, wallet_id: str | None = None) -> None:
        if wallet_id is None:
            self.item_order, self.item_token_names = {}, {}
        else:
            self.item_order.pop(wallet_id, None)
            self.item_token_names.pop(wallet_id, None)

    def index_person(self, person: Record) -> None:
        key = person["person_key"]
        self.person_by_id[str(person["person_id"])] = key
        if person.get("external_person_id") is not None:
            self.person_by_external[person["external_person_id"]] = key
        if person.get("mdn") is not None:
            self.person_by_mdn[person["mdn"]] = key

    def unindex_person(self, person: Record) -> None:
        self.person_by_id.pop(str(person["person_id"]), None)
        if person.get("external_person_id") is not None:
            self.person_by_external.pop(person["external_person_id"], None)
        if person.get("mdn") is not None:
            self.person_by_mdn.pop(person["mdn"], None)

    def rows(self) -> list[Row]:
        return [
            (self.key, kind, record_id, record)
            for kind, table in self.tables.items()
            for record_id, record in table.items()
        ]


class Core:
    """What every resource module shares: the companies, the clock and persistence."""

    def __init__(self, clock: Clock, persistence: Persistence | None) -> None:
        self.clock = clock
        self.persistence = persistence
        self.companies: dict[str, CompanyState] = {}
        # Called as listener(state, change, record) when Vibes would send a callback
        # (the emulator's callback dispatcher; see vibes_emulator.callbacks).
        self.listeners: list[ChangeListener] = []

    def company(self, company_key: str) -> CompanyState:
        state = self.companies.get(company_key)
        if state is None:
            raise not_found("Company")
        return state

    def save(self, state: CompanyState, kind: str, record_id: str, record: Record) -> None:
        state.tables[kind][record_id] = record
        if self.persistence is not None:
            self.persistence.put(state.key, kind, record_id, record)

    def remove(self, state: CompanyState, kind: str, record_id: str) -> None:
        state.tables[kind].pop(record_id, None)
        if self.persistence is not None:
            self.persistence.delete(state.key, kind, record_id)

    def emit(self, state: CompanyState, change: str, record: Record) -> None:
        """Report a change Vibes sends callbacks for (``person_added``, ...)."""
        for listener in list(self.listeners):
            listener(state, change, record)

    def next_seq(self, state: CompanyState, name: str, start: int = 1) -> int:
        """The next value of a per-company counter (persisted, so ids survive a reopen)."""
        current = state.tables["seq"].get(name, {"value": start - 1})["value"]
        value = int(current) + 1
        self.save(state, "seq", name, {"value": value})
        return value

    def check_password(self, state: CompanyState, username: str, password: str) -> bool:
        company = state.tables["company"].get(state.key)
        if company is None:
            return False
        user_ok = hmac.compare_digest(company["username"].encode(), username.encode())
        digest_ok = hmac.compare_digest(company["password_sha256"], password_digest(password))
        return user_ok and digest_ok
