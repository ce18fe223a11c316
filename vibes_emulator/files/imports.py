"""The import processor: files landed in ``<dir>/files/in`` applied through the store's rules.

Each row goes through the same store methods the API uses, so the same checks apply and
the same listeners fire (callbacks: ``person_added``/``person_updated`` for persons,
``subscription_added`` per subscriber row, ``subscription_removed`` with reason
``bulk_opt_out`` per opt-out row). No SMS is ever sent by an import (FACTS §4.3). A file
is applied for the default company, then moved to ``files/in/archive``; a result file
``<name>.result`` in ``files/out`` lists every row that failed, with its row number, file
line and reason (Vibes does not document its feedback, FACTS §8.8: the format is ours).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from vibes_emulator.errors import ApiError
from vibes_emulator.store.facade import Store
from vibes_emulator.store.mdn import parse_mdn
from vibes_emulator.store.state import CompanyState, Record

from .extracts import in_dir, out_dir
from .import_format import ImportFileError, format_result, import_type, read_import

logger = logging.getLogger("vibes_emulator.imports")

PERSON_IDS = ("person_id", "person_key", "external_person_id", "mdn")  # precedence order
SUBSCRIBER_IDS = ("person_id", "person_key", "external_person_id", "vibes_device_id", "mdn")
_PERSON_COLUMNS = {"person_id", "person_key", "external_person_id", "mdn", "carrier_code"}


class RowFailure(Exception):
    """One row cannot be applied; the message is its reason."""


def _version_for(mdn: str) -> int:
    return 2 if mdn.startswith("+") else 1


class ImportProcessor:
    def __init__(self, store: Store, root: str | Path) -> None:
        self.store = store
        self.inbox = in_dir(root)
        self.outbox = out_dir(root)

    def process_waiting(self) -> list[dict[str, Any]]:
        """Apply every import file waiting in ``files/in``, oldest name first."""
        if not self.inbox.is_dir():
            return []
        names = sorted(p.name for p in self.inbox.iterdir() if p.is_file())
        return [self.process(self.inbox / n) for n in names if import_type(n) is not None]

    def process_landed(self, local_path: str) -> None:
        """Called when an SFTP upload closes: apply it if it is an import file in files/in."""
        path = Path(local_path)
        if (
            path.parent.resolve() == self.inbox.resolve()
            and import_type(path.name)
            and path.exists()
        ):
            self.process(path)

    def process(self, path: Path) -> dict[str, Any]:
        kind = import_type(path.name) or ""
        state = self.store.core.company(self.store.default_company)
        failures: list[tuple[int, int, str]] = []
        total = 0
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                body = read_import(handle)
                for number, line, row in body.rows:
                    total = number
                    try:
                        self._apply(kind, state, body.headers, row)
                    except RowFailure as exc:
                        failures.append((number, line, str(exc)))
                    except ApiError as exc:
                        failures.append((number, line, "; ".join(exc.messages)))
                failures.extend(body.problems)
                total = max([total, *(n for n, _, _ in body.problems)])
        except (ImportFileError, UnicodeDecodeError) as exc:
            failures = [(0, 0, f"file rejected: {exc}")]
        self.outbox.mkdir(parents=True, exist_ok=True)
        result = self.outbox / f"{path.name}.result"
        partial = result.with_name(f".{result.name}.partial")
        partial.write_text(format_result(path.name, total, failures), encoding="utf-8")
        partial.replace(result)
        archive = self.inbox / "archive"
        archive.mkdir(exist_ok=True)
        path.replace(archive / path.name)
        logger.info("import %s: %d rows, %d failed", path.name, total, len(failures))
        return {"file": path.name, "rows": total, "failed": len(failures), "result": result.name}

    # ---- rows --------------------------------------------------------------------------
    def _apply(
        self, kind: str, state: CompanyState, headers: dict[str, str], row: dict[str, str]
    ) -> None:
        values = {k: v.strip() for k, v in row.items() if v.strip()}
        if kind == "persons":
            self._person(state, values)
        elif kind in ("subscriptions", "opt_outs"):
            list_id = values.get("subscription_list_id") or headers.get("subscription-list-id")
            if not list_id:
                raise RowFailure("no subscription_list_id in the row or the header")
            self.store.subscriptions.list_record(state, list_id)
            person = self._find(state, values, SUBSCRIBER_IDS, create=kind == "subscriptions")
            subs = self.store.subscriptions
            active = subs.active_subscription(state, person["person_key"], list_id)
            if kind == "subscriptions":
                if active is None:  # an already-confirmed opt-in: no confirmation text
                    subs.subscribe(state, person["person_key"], list_id, None)
            elif active is None:
                raise RowFailure("not subscribed to the list")
            else:
                subs.opt_out(state, active, "bulk_opt_out")
        elif kind == "wallet_update":
            self._wallet(state, headers, values)

    def _find(
        self, state: CompanyState, values: dict[str, str], ids: tuple[str, ...], create: bool
    ) -> Record:
        persons = self.store.persons
        for name in ids:
            value = values.get(name)
            if value is None:
                continue
            if name == "vibes_device_id":
                raise RowFailure("vibes_device_id identifies app devices, not emulated")
            if name in ("person_id", "person_key"):
                person = persons.by_key_or_id(state, value)
            elif name == "external_person_id":
                person = persons.by_external(state, value)
            else:
                person = persons.by_mdn(state, parse_mdn(value, _version_for(value)))
                if person is None and create:
                    changes = persons.parse_body(
                        state, {"mobile_phone": {"mdn": value}}, _version_for(value)
                    )
                    return persons.create_record(state, changes)
            if person is None:
                raise RowFailure(f"no person with that {name}")
            return person
        raise RowFailure(f"no identifier: give one of {', '.join(ids)}")

    def _person(self, state: CompanyState, values: dict[str, str]) -> None:
        persons = self.store.persons
        body: dict[str, Any] = {}
        if "external_person_id" in values:
            body["external_person_id"] = values["external_person_id"]
        mdn = values.get("mdn")
        version = 2
        if mdn is not None:
            version = _version_for(mdn)
            body["mobile_phone"] = {"mdn": mdn}
            if "carrier_code" in values:
                body["mobile_phone"]["carrier_code"] = values["carrier_code"]
        custom = {k: v for k, v in values.items() if k not in _PERSON_COLUMNS}
        if custom:
            body["custom_fields"] = custom
        changes = persons.parse_body(state, body, version)
        try:
            person = self._find(state, values, PERSON_IDS, create=False)
        except RowFailure:
            if not any(values.get(n) for n in PERSON_IDS):
                raise
            if "person_id" in values or "person_key" in values:
                raise
            persons.check_unique(state, None, changes)
            if changes.get("mdn") is None and changes.get("external_person_id") is None:
                raise RowFailure("a new person needs mdn or external_person_id") from None
            persons.create_record(state, changes)
            return
        persons.check_unique(state, person, changes)
        persons.apply(state, person, changes)

    def _wallet(self, state: CompanyState, headers: dict[str, str], values: dict[str, str]) -> None:
        uuid = values.get("uuid")
        if uuid is None:
            raise RowFailure("no uuid (the pass id)")
        tokens_text = values.get("campaign_token") or headers.get("campaign-token") or ""
        campaigns = [t.strip() for t in tokens_text.split(",") if t.strip()]
        if not campaigns:
            raise RowFailure("no campaign_token in the row or the header")
        tokens = {k: v for k, v in values.items() if k not in ("uuid", "campaign_token")}
        for wallet_id in campaigns:
            if uuid in state.tables["wallet_item"].group("by_campaign", wallet_id):
                self.store.wallet_items.update(state.key, wallet_id, uuid, {"tokens": tokens})
                return
        raise RowFailure("no pass with that uuid in the campaign(s)")
