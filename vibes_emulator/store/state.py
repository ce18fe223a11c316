"""Per-company state: one :class:`Table` of records per kind, each keeping its own indexes.

Every record is a plain JSON-able dict, so the same object is the working copy, the
SQLite row body and what the seed generator produces. Instants are epoch milliseconds.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from vibes_emulator.errors import not_found

from .clock import Clock
from .persistence import Persistence, Row
from .table import Group, Record, Table, Unique

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
    "wallet_location",
    "location_request",
    "wallet_design",
    "source_code",
    "event_triggered_message",
    "push_device",
    "sent_message",
    "incentive_pool",
    "incentive_code",
    "incentive_issuance",
    "incentive_redemption",
)
ALL_KINDS = (*DEFINITION_KINDS, *DATA_KINDS)


def join_id(*parts: str) -> str:
    """Record id of a child record (``wallet_id|item_id``); ``|`` never occurs in Vibes ids."""
    return "|".join(parts)


def password_digest(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


def _by_number(record_id: str) -> int:
    return int(record_id)


class CompanyState:
    """Everything one company owns: one :class:`Table` per kind, indexes declared on them."""

    def __init__(self, key: str, persistence: Persistence | None = None) -> None:
        self.key = key
        self.persistence = persistence
        # Per-campaign cache of items sorted for paging; dropped whenever an item changes.
        self.item_order: dict[str, list[tuple[int, str]]] = {}
        self.item_token_names: dict[str, set[str]] = {}
        self.tables: dict[str, Table] = {kind: Table(kind) for kind in ALL_KINDS}
        self.tables["person"] = Table(
            "person",
            unique=(
                Unique("by_id", lambda p: str(p["person_id"])),
                Unique("by_external", lambda p: p.get("external_person_id")),
                Unique("by_mdn", lambda p: p.get("mdn")),
            ),
        )
        # Broadcast lists are "the first 100" in creation order, and a person's subscriptions
        # come in creation order: a database loads rows in text order ("10010" before "1002").
        self.tables["broadcast"] = Table("broadcast", order=_by_number)
        self.tables["subscription"] = Table(
            "subscription",
            groups=(Group("by_person", lambda s: s["person_key"], lambda s: s["id"]),),
            order=_by_number,
        )
        self.tables["wallet_item"] = Table(
            "wallet_item",
            groups=(Group("by_campaign", lambda i: i["wallet_id"], lambda i: i["wallet_item_id"]),),
            on_change=lambda item: self.forget_item_order(item["wallet_id"]),
        )
        self.tables["wallet_message"] = Table(
            "wallet_message",
            groups=(
                Group("by_campaign", lambda m: m["wallet_id"], lambda m: m["wallet_message_id"]),
            ),
        )
        self.tables["wallet_location"] = Table(
            "wallet_location",
            groups=(Group("by_campaign", lambda r: r["wallet_id"], lambda r: str(r["id"])),),
            order=_by_number,
        )
        self.tables["event_triggered_message"] = Table("event_triggered_message", order=_by_number)
        self.tables["push_device"] = Table(
            "push_device",
            unique=(Unique("by_device_id", lambda d: d["vibes_device_id"]),),
            groups=(
                Group(
                    "by_person",
                    lambda d: d.get("person_key") or "",
                    lambda d: join_id(d["app_id"], d["vibes_device_id"]),
                ),
            ),
        )
        self.tables["incentive_pool"] = Table("incentive_pool", order=_by_number)
        self.tables["incentive_code"] = Table(
            "incentive_code",
            groups=(Group("by_pool", lambda c: c["pool_id"], lambda c: c["code"]),),
        )
        for kind in ("incentive_issuance", "incentive_redemption"):
            self.tables[kind] = Table(
                kind,
                groups=(
                    Group("by_code", lambda e: e["code"], lambda e: str(e["id"])),
                    Group("by_pool", lambda e: e["pool_id"], lambda e: str(e["id"])),
                ),
                order=_by_number,
            )
        self.write_through(True)

    def table(self, kind: str) -> Table:
        return self.tables[kind]

    def write_through(self, on: bool) -> None:
        """Attach the tables to persistence (or detach them, to load or seed in bulk)."""
        writer = self._write if on and self.persistence is not None else None
        for table in self.tables.values():
            table.writer = writer

    def _write(self, kind: str, record_id: str, record: Record | None) -> None:
        assert self.persistence is not None
        if record is None:
            self.persistence.delete(self.key, kind, record_id)
        else:
            self.persistence.put(self.key, kind, record_id, record)

    def clear_data(self) -> None:
        for kind in DATA_KINDS:
            self.tables[kind].clear()
        self.forget_item_order()

    def reindex(self) -> None:
        """Restore every table's order and indexes (after loading or seeding in bulk)."""
        for table in self.tables.values():
            table.rebuild()
        self.forget_item_order()

    def forget_item_order(self, wallet_id: str | None = None) -> None:
        if wallet_id is None:
            self.item_order, self.item_token_names = {}, {}
        else:
            self.item_order.pop(wallet_id, None)
            self.item_token_names.pop(wallet_id, None)

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
        state.tables[kind].put(record_id, record)

    def remove(self, state: CompanyState, kind: str, record_id: str) -> None:
        state.tables[kind].remove(record_id)

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
