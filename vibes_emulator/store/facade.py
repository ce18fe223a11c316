"""The Store: every company's state and rules behind one object, no HTTP in sight.

Handlers call the resource services (``store.persons.get(...)`` and so on), which return
JSON-ready dicts or raise :class:`vibes_emulator.errors.ApiError`. Reads come from dicts;
with a database path every change is also written through to SQLite, and ``open`` loads it
back (see :mod:`persistence`).
"""

from __future__ import annotations

from typing import Any

from . import seed as seed_data
from .acquisition import Acquisitions
from .broadcasts import Broadcasts
from .callbacks import Callbacks
from .clock import Clock
from .custom_fields import default_fields
from .event_routing import EventRouter
from .event_triggered import EventTriggeredMessages
from .events import Events
from .incentives import Incentives
from .messages import SentMessages
from .persistence import Persistence
from .persons import Persons
from .push_devices import PushDevices
from .source_codes import SourceCodes
from .state import ChangeListener, CompanyState, Core, password_digest
from .subscriptions import Subscriptions
from .wallet_campaigns import WalletCampaigns
from .wallet_designs import WalletDesigns
from .wallet_items import WalletItems
from .wallet_locations import WalletLocations
from .wallet_messages import WalletMessages


class Store:
    def __init__(self, core: Core, default_company: str) -> None:
        self.core = core
        self.default_company = default_company
        self.persons = Persons(core)
        self.subscriptions = Subscriptions(core, self.persons)
        self.acquisitions = Acquisitions(core, self.persons, self.subscriptions)
        self.broadcasts = Broadcasts(core)
        self.wallet_campaigns = WalletCampaigns(core)
        self.wallet_items = WalletItems(core, self.wallet_campaigns)
        self.wallet_messages = WalletMessages(core, self.wallet_campaigns)
        self.callbacks = Callbacks(core)
        self.wallet_locations = WalletLocations(core, self.wallet_campaigns)
        self.wallet_designs = WalletDesigns(core, self.wallet_campaigns)
        self.source_codes = SourceCodes(core)
        self.event_triggered = EventTriggeredMessages(core)
        self.push_devices = PushDevices(core, self.persons)
        self.sent_messages = SentMessages(core)
        router = EventRouter(
            core, self.persons, self.event_triggered, self.push_devices, self.sent_messages
        )
        self.events = Events(core, router)
        self.incentives = Incentives(core)

    @classmethod
    def open(
        cls,
        db_path: str | None,
        *,
        company: str = "demo",
        username: str = "demo",
        password: str = "demo",  # noqa: S107 - the emulator's documented demo login
        clock: Clock | None = None,
    ) -> Store:
        """A store in memory (``db_path`` None) or backed by the SQLite file ``db_path``.

        Reopening a file restores every company, record and counter; the given company's
        credentials are (re)set to the ones passed.
        """
        persistence = Persistence(db_path) if db_path else None
        store = cls(Core(clock or Clock(), persistence), company)
        if persistence is not None:
            store._load(persistence)
        store.add_company(company, username, password)
        return store

    def _load(self, persistence: Persistence) -> None:
        for company, kind, record_id, record in persistence.load():
            state = self.core.companies.get(company)
            if state is None:
                state = self.core.companies[company] = CompanyState(company, persistence)
            state.tables[kind].load(record_id, record)
        for state in self.core.companies.values():
            state.reindex()

    def add_listener(self, listener: ChangeListener) -> None:
        """Be told of every change Vibes sends callbacks for (see Core.emit)."""
        self.core.listeners.append(listener)

    def remove_listener(self, listener: ChangeListener) -> None:
        if listener in self.core.listeners:
            self.core.listeners.remove(listener)

    @property
    def clock(self) -> Clock:
        return self.core.clock

    def close(self) -> None:
        if self.core.persistence is not None:
            self.core.persistence.close()

    # ---- companies and credentials ---------------------------------------------------
    def add_company(self, company_key: str, username: str, password: str) -> None:
        """Create a company with the default custom fields, or reset its credentials."""
        state = self.core.companies.get(company_key)
        if state is None:
            state = CompanyState(company_key, self.core.persistence)
            self.core.companies[company_key] = state
            for definition in default_fields():
                self.core.save(state, "field", definition["name"], definition)
        record = {"username": username, "password_sha256": password_digest(password)}
        if state.tables["company"].get(company_key) != record:
            self.core.save(state, "company", company_key, record)

    def has_company(self, company_key: str) -> bool:
        return company_key in self.core.companies

    def check_credentials(self, company_key: str, username: str, password: str) -> bool:
        """Constant-time check of Basic-auth credentials for ``company_key``."""
        state = self.core.companies.get(company_key)
        if state is None:
            # Compare anyway so that unknown companies take as long as wrong passwords.
            password_digest(password)
            return False
        return self.core.check_password(state, username, password)

    def company_with_login(self, username: str, password: str) -> str | None:
        """The company these credentials log into (routes outside /companies name none)."""
        for company_key in self.core.companies:
            if self.check_credentials(company_key, username, password):
                return company_key
        return None

    def username_of(self, company_key: str) -> str | None:
        state = self.core.companies.get(company_key)
        record = None if state is None else state.tables["company"].get(company_key)
        return None if record is None else str(record["username"])

    # ---- data sets -------------------------------------------------------------------
    def reset(self) -> None:
        """Every company keeps its credentials and custom fields and loses all data."""
        for state in self.core.companies.values():
            state.clear_data()
            self._persist_company(state)

    def seed(self, persons: int, seed: int = 1) -> None:
        """Replace the default company's data with the deterministic set for (persons, seed)."""
        if persons < 0:
            raise ValueError("persons must be >= 0")
        state = self.core.company(self.default_company)
        state.clear_data()
        # Built detached and saved whole: one transaction instead of a write per record.
        state.write_through(False)
        try:
            seed_data.build(state, persons, seed, self.core.clock.now_ms())
        finally:
            state.write_through(True)
        state.reindex()
        self._persist_company(state)

    def _persist_company(self, state: CompanyState) -> None:
        if self.core.persistence is not None:
            self.core.persistence.replace_company(state.key, state.rows())

    def person_index(self, company_key: str | None = None) -> list[dict[str, Any]]:
        """Every person of a company (default: the default company), E.164 MDNs.

        Emulator-only: Vibes has no person listing; the control plane exposes this for tests.
        """
        state = self.core.company(company_key or self.default_company)
        return [
            {
                "person_key": p["person_key"],
                "external_person_id": p.get("external_person_id"),
                "mdn": p.get("mdn"),
            }
            for p in sorted(state.tables["person"].values(), key=lambda p: p["person_id"])
        ]

    def incentive_code_index(self, company_key: str | None = None) -> list[dict[str, Any]]:
        """Every incentive code of a company with its pool id (emulator-only, like
        ``person_index``: Vibes has no code listing)."""
        state = self.core.company(company_key or self.default_company)
        codes = state.tables["incentive_code"].values()
        return [
            {"code": c["code"], "pool_id": int(c["pool_id"])}
            for c in sorted(codes, key=lambda c: (int(c["pool_id"]), c["created_at"], c["code"]))
        ]

    def wallet_rate_bucket(self, company_key: str, wallet_id: str, item_id: str) -> str:
        """ "google_wallet" when the item is a Google Wallet pass (20/s limit), else "default"."""
        provider = self.wallet_items.provider_of(company_key, wallet_id, item_id)
        return "google_wallet" if provider == "google_wallet" else "default"

    def is_google_wallet_item(self, company_key: str, wallet_id: str, item_id: str) -> bool:
        """Whether a PUT to this item counts against the 20/s Google Wallet limit."""
        return self.wallet_rate_bucket(company_key, wallet_id, item_id) == "google_wallet"
