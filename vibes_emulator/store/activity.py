"""Simulated subscriber activity: what end users do on their phones, not through the API.

Each action changes the store as the platform would and so fires the callbacks Vibes
sends for it: ``opt_in`` (a keyword or web opt-in: participant added, then confirmed, then
subscribed; sometimes a new person), ``opt_out`` (a STOP reply), ``profile_update`` (a
changed custom field), ``pass_install`` / ``pass_remove`` (a wallet pass added to or
removed from a phone).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from vibes_emulator.errors import ApiError

from .acquisition import campaign_status
from .state import CompanyState, Record, join_id

if TYPE_CHECKING:
    from .facade import Store

ACTIVITY_KINDS = ("opt_in", "opt_out", "profile_update", "pass_install", "pass_remove")
_FIRST_NAMES = ("Ava", "Ben", "Chloe", "Diego", "Emma", "Farah", "Gus", "Hana", "Ivan", "Jada")
_ATTEMPTS = 20


class Activity:
    def __init__(self, store: Store, company_key: str) -> None:
        self.store = store
        self.company_key = company_key

    @property
    def state(self) -> CompanyState:
        return self.store.core.company(self.company_key)

    def perform(self, kind: str, rng: random.Random) -> bool:
        """Do one action of ``kind``; False when there was nothing it could act on."""
        action = {
            "opt_in": self.opt_in,
            "opt_out": self.opt_out,
            "profile_update": self.profile_update,
            "pass_install": self.pass_install,
            "pass_remove": self.pass_remove,
        }[kind]
        return action(rng)

    def opt_in(self, rng: random.Random) -> bool:
        state, now = self.state, self.store.clock.now_ms()
        campaigns = sorted(
            (
                c
                for c in state.tables["acquisition"].values()
                if campaign_status(c, now) == "active"
            ),
            key=lambda c: c["acquisition_id"],
        )
        persons = sorted(state.tables["person"])
        if not campaigns:
            return False
        for _ in range(_ATTEMPTS):
            campaign = rng.choice(campaigns)
            if persons and rng.random() < 0.7:
                body: dict[str, Any] = {"person_key": rng.choice(persons)}
            else:  # someone new texts the keyword
                body = {"mobile_phone": {"mdn": f"+1555{rng.randrange(10**7):07d}"}}
            try:
                _, added = self.store.acquisitions.add_participant(
                    self.company_key, campaign["acquisition_id"], body, 2
                )
            except ApiError:
                continue  # already subscribed, blocked, pending...: try someone else
            self._reply(state, campaign, str(added["person"]["person_key"]), rng)
            return True
        return False

    def _reply(
        self, state: CompanyState, campaign: Record, person_key: str, rng: random.Random
    ) -> None:
        """The pending participant replies Y (or, now and then, N)."""
        record_id = join_id(campaign["acquisition_id"], person_key)
        participant = state.tables["participant"][record_id]
        if participant["status"] != "PENDING":
            return  # a single opt-in campaign subscribed them already
        participant["status"] = "CONFIRMED" if rng.random() < 0.9 else "REJECTED"
        self.store.core.save(state, "participant", record_id, participant)
        self.store.core.emit(state, "ack_participant_changed", participant)
        if participant["status"] == "CONFIRMED":
            self.store.subscriptions.subscribe(
                state, person_key, campaign["list_id"], campaign["acquisition_id"]
            )

    def opt_out(self, rng: random.Random) -> bool:
        state = self.state
        active = sorted(
            (s for s in state.tables["subscription"].values() if s.get("opt_out_date") is None),
            key=lambda s: int(s["id"]),
        )
        if not active:
            return False
        self.store.subscriptions.opt_out(state, rng.choice(active), "user_opt_out")
        return True

    def profile_update(self, rng: random.Random) -> bool:
        state = self.state
        keys = sorted(state.tables["person"])
        if not keys:
            return False
        person = state.tables["person"][rng.choice(keys)]
        name = rng.choice(_FIRST_NAMES) + str(rng.randrange(1000))
        changes = self.store.persons.parse_body(state, {"custom_fields": {"first_name": name}}, 2)
        return self.store.persons.apply(state, person, changes)

    def pass_install(self, rng: random.Random) -> bool:
        return self._toggle_pass(rng, installed=True)

    def pass_remove(self, rng: random.Random) -> bool:
        return self._toggle_pass(rng, installed=False)

    def _toggle_pass(self, rng: random.Random, installed: bool) -> bool:
        state = self.state
        candidates = sorted(
            record_id
            for record_id, item in state.tables["wallet_item"].items()
            if bool(item["active"]) is not installed
        )
        if not candidates:
            return False
        record_id = rng.choice(candidates)
        item = state.tables["wallet_item"][record_id]
        now = self.store.clock.now_ms()
        item["active"] = installed
        item["installed_at" if installed else "removed_at"] = now
        item["updated_at"] = self.store.clock.touch(item["updated_at"], 1)
        self.store.core.save(state, "wallet_item", record_id, item)
        self.store.core.emit(
            state, "wallet_item_install" if installed else "wallet_item_remove", item
        )
        return True
