"""The extract writer: a company's daily files in ``<dir>/files/out``, from the store's data.

What a file for date D holds (FACTS §4.2, §8.7; the delta rule is the emulator's choice):
- Current Subscriber Extract: every active subscription at the moment of writing (Vibes:
  "as of 12:00 AM on the run day").
- Subscription Extract and Wallet Instance Extract: the opt-ins/opt-outs and pass
  installs/removals since the previous write for the company (the first write: all of
  them), as Vibes documents for wallet instances ("since the last extract"). A day's
  register+unregister of one pass is one ``unregistered`` row.
Files are written under a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from vibes_emulator.store.facade import Store
from vibes_emulator.store.state import CompanyState, Record

from .analytics import message_rows, push_message_rows, url_click_rows, wallet_page_view_rows
from .formats import (
    COLUMNS,
    CURRENT_SUBSCRIBERS,
    MESSAGES,
    PUSH_MESSAGES,
    SUBSCRIPTIONS,
    URL_CLICKS,
    WALLET_INSTANCE,
    WALLET_PAGE_VIEWS,
    central_time,
    country_code,
    extract_file_name,
    national_mdn,
    stable_uid,
    utc_time,
    write_tsv,
)

ANALYTICS_FIRST_WINDOW_MS = 86_400_000


def out_dir(root: str | Path) -> Path:
    return Path(root) / "files" / "out"


def in_dir(root: str | Path) -> Path:
    return Path(root) / "files" / "in"


def current_subscriber_rows(state: CompanyState) -> Iterator[dict[str, Any]]:
    persons = state.tables["person"]
    subs = sorted(state.tables["subscription"].values(), key=lambda s: int(s["id"]))
    for sub in subs:
        person = persons.get(sub["person_key"])
        if sub.get("opt_out_date") is not None or person is None or not person.get("mdn"):
            continue
        mdn = person["mdn"]
        yield {
            "mdn": national_mdn(mdn),
            "person_id": person["person_key"],
            "external_person_id": person.get("external_person_id"),
            "carrier_code": person.get("carrier_code"),
            "mdn_e164_format": mdn,
            "country_code": country_code(mdn),
            "subscription_list_id": sub["list_id"],
        }


def subscription_rows(state: CompanyState, after_ms: int, until_ms: int) -> Iterator[Record]:
    """One row per opt-in or opt-out in (after_ms, until_ms], in time order."""
    persons, lists = state.tables["person"], state.tables["list"]
    events: list[tuple[int, int, str, Record]] = []
    for sub in state.tables["subscription"].values():
        for event, stamp in (("OPT_IN", sub["opt_in_date"]), ("OPT_OUT", sub.get("opt_out_date"))):
            if stamp is not None and after_ms < stamp <= until_ms:
                events.append((stamp, int(sub["id"]), event, sub))
    events.sort(key=lambda e: e[:2])
    for _, _, event, sub in events:
        person = persons.get(sub["person_key"]) or {}
        acquisition = state.tables["acquisition"].get(sub.get("acquisition_id") or "") or {}
        reason = sub.get("opt_out_reason") if event == "OPT_OUT" else None
        yield {
            "person_id": sub["person_key"],
            "external_person_id": person.get("external_person_id"),
            "mdn": person.get("mdn"),
            "company_id": state.key,
            "carrier_code": person.get("carrier_code"),
            "subscription_list_id": sub["list_id"],
            "subscription_list_name": (lists.get(sub["list_id"]) or {}).get("name"),
            "opt_in_date": central_time(sub["opt_in_date"]),
            "opt_out_date": central_time(sub.get("opt_out_date") if event == "OPT_OUT" else None),
            "subscription_event": event,
            "opt_out_reason": reason.upper() if reason else None,
            "activity_description": acquisition.get("description"),
            "activity_id": sub.get("acquisition_id"),
        }


def wallet_instance_rows(state: CompanyState, after_ms: int, until_ms: int) -> Iterator[Record]:
    items = sorted(state.tables["wallet_item"].values(), key=lambda i: i["wallet_item_id"])
    for item in items:
        registered = item.get("installed_at") or item["created_at"]
        removed = item.get("removed_at")
        installed = bool(item["active"])
        if not installed and removed is not None and after_ms < removed <= until_ms:
            event = "unregistered"
        elif installed and after_ms < registered <= until_ms:
            event = "registered"
        else:
            continue
        wallet_id, item_id = item["wallet_id"], item["wallet_item_id"]
        google = item.get("provider") == "google_wallet"
        yield {
            "wallet_instance_uid": stable_uid("wallet_instance", state.key, wallet_id, item_id),
            "instance_event": event,
            "registered_at": utc_time(registered),
            "unregistered_at": utc_time(None if installed else removed),
            "wallet_object_uid": stable_uid("wallet_object", state.key, wallet_id, item_id),
            "wallet_provider": "Wallet" if google else "Pass",
            "platform": "Android 13" if google else "iOS 17.1",
            "company_id": state.key,
            "campaign_uid": stable_uid("wallet_campaign", state.key, wallet_id),
            "uuid": item_id,
            "current_flag": "TRUE" if installed else "FALSE",
            "shared_instance": "FALSE",
        }


class ExtractWriter:
    """Writes extracts for the store's companies; remembers each company's last write."""

    def __init__(self, store: Store, root: str | Path) -> None:
        self.store = store
        self.root = Path(root)
        self._last_write: dict[str, int] = {}

    def write(self, day: date, company_key: str | None = None) -> dict[str, Any]:
        """Write date ``day``'s files; returns their names and row counts."""
        company = company_key or self.store.default_company
        state = self.store.core.company(company)
        self._send_due_broadcasts(company)
        now = self.store.clock.now_ms()
        after = self._last_write.get(company, -1)
        since = self._last_write.get(company, now - ANALYTICS_FIRST_WINDOW_MS)
        target = out_dir(self.root)
        target.mkdir(parents=True, exist_ok=True)
        plans = (
            (CURRENT_SUBSCRIBERS, current_subscriber_rows(state)),
            (SUBSCRIPTIONS, subscription_rows(state, after, now)),
            (WALLET_INSTANCE, wallet_instance_rows(state, after, now)),
            (MESSAGES, message_rows(state, since, now)),
            (PUSH_MESSAGES, push_message_rows(state, since, now)),
            (URL_CLICKS, url_click_rows(state, since, now)),
            (WALLET_PAGE_VIEWS, wallet_page_view_rows(state, since, now)),
        )
        files: dict[str, int] = {}
        for kind, rows in plans:
            name = extract_file_name(kind, company, day)
            files[name] = _write_atomically(target / name, COLUMNS[kind], rows)
        self._last_write[company] = now
        return {"date": day.isoformat(), "directory": str(target), "files": files}

    def _send_due_broadcasts(self, company: str) -> None:
        """Broadcasts are sent when next read (store/broadcasts.py): read the due ones, so
        their messages fall in this write's window, not a later one's."""
        state = self.store.core.company(company)
        now = self.store.clock.now_ms()
        due = [
            b["broadcast_id"]
            for b in state.tables["broadcast"].values()
            if b["status"] == "scheduled" and b["send_scheduled_date"] <= now
        ]
        for broadcast_id in due:
            self.store.broadcasts.get(company, broadcast_id)


def _write_atomically(path: Path, columns: tuple[str, ...], rows: Iterator[Record]) -> int:
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        count = write_tsv(handle, columns, rows)
    partial.replace(path)
    return count
