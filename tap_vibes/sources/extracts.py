"""Records from Vibes' extract files: which files a run reads, and rows made into records.

Plans (the bookmark is the date of the last file processed, ``YYYY-MM-DD``):
- subscribers, full load (no bookmark): the newest Current Subscriber Extract, then the
  Subscription Extracts dated after it (the snapshot is taken at midnight of its run day,
  so those files hold the changes it does not show); no snapshot: every Subscription Extract.
- subscribers, incremental: the Subscription Extracts dated after the bookmark.
- wallet_item_events: the Wallet Instance Extracts dated after the bookmark (all of them on
  a full load); each file holds the changes since the previous one.
- messages, push_messages, url_clicks, wallet_page_views: likewise, each from its own
  extract (records made in analytics_extracts.py).
Row → record functions are pure. Dates come as ``2017-04-05 14:30:00 -0600`` or
``... UTC`` (FACTS §1.8) and leave as RFC 3339 UTC.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from tap_vibes.sources import analytics_extracts
from tap_vibes.sources.extract_files import (
    CURRENT_SUBSCRIBERS,
    SUBSCRIPTIONS,
    WALLET_INSTANCE,
    ExtractError,
    ExtractFile,
    ExtractSource,
    LocalExtracts,
    MalformedHandler,
    Row,
    folder_to_read,
    read_rows,
    select_extracts,
)
from tap_vibes.sources.extract_values import RowError, e164, extract_time, origin, text
from vibes_api.sftp import MIN_INTERVAL_SECONDS, SftpLocation, SftpSession, is_sftp

Record = dict[str, Any]

REQUIRED = {
    CURRENT_SUBSCRIBERS: ("person_id", "subscription_list_id"),
    SUBSCRIPTIONS: ("person_id", "subscription_list_id", "subscription_event"),
    WALLET_INSTANCE: ("wallet_instance_uid", "instance_event"),
    **analytics_extracts.REQUIRED,
}


def _list_member(row: Row) -> Record:
    """Who is on which list: the fields both subscriber extracts carry."""
    return {
        "person_key": row["person_id"].strip(),
        "subscription_list_id": row["subscription_list_id"].strip(),
        "external_person_id": text(row, "external_person_id"),
        "mdn": e164(row),
        "carrier_code": text(row, "carrier_code"),
    }


def snapshot_subscriber(row: Row, extract: ExtractFile, line: int) -> Record:
    """A Current Subscriber row: the person is actively subscribed to the list."""
    return {
        **_list_member(row),
        "active": True,
        "opt_in_date": None,
        "opt_out_date": None,
        "opt_out_reason": None,
        "changed_at": None,
        "subscription_event": None,
        **origin(extract, line),
    }


def event_subscriber(row: Row, extract: ExtractFile, line: int) -> Record:
    """A Subscription Extract row: an opt-in or an opt-out (either case, FACTS §8.12)."""
    event = row["subscription_event"].strip().upper()
    if event not in ("OPT_IN", "OPT_OUT"):
        raise RowError("subscription_event is neither OPT_IN nor OPT_OUT")
    opt_in = extract_time(row.get("opt_in_date", ""), "opt_in_date")
    opt_out = extract_time(row.get("opt_out_date", ""), "opt_out_date")
    reason = text(row, "opt_out_reason")
    return {
        **_list_member(row),
        "subscription_list_name": text(row, "subscription_list_name"),
        "active": event == "OPT_IN",
        "opt_in_date": opt_in,
        "opt_out_date": opt_out,
        "opt_out_reason": reason.lower() if reason else None,
        "changed_at": opt_out or opt_in,
        "subscription_event": event,
        "activity_description": text(row, "activity_description"),
        "activity_id": text(row, "activity_id"),
        **origin(extract, line),
    }


def wallet_instance_event(row: Row, extract: ExtractFile, line: int) -> Record:
    """A Wallet Instance row, shaped like the journal's wallet_item_events records."""
    event = row["instance_event"].strip().lower()
    if event not in ("registered", "unregistered"):
        raise RowError("instance_event is neither registered nor unregistered")
    registered = extract_time(row.get("registered_at", ""), "registered_at")
    unregistered = extract_time(row.get("unregistered_at", ""), "unregistered_at")
    provider = {"pass": "passbook", "wallet": "google"}.get(
        (text(row, "wallet_provider") or "").lower()
    )
    uid = row["wallet_instance_uid"].strip()
    when = unregistered if event == "unregistered" else registered
    instance = {
        "wallet_instance_uid": uid,
        "registered_at": registered,
        "unregistered_at": unregistered,
        "provider": provider,
        "platform": text(row, "platform"),
        "current_flag": (text(row, "current_flag") or "").upper() == "TRUE",
        "shared_instance": (text(row, "shared_instance") or "").upper() == "TRUE",
    }
    return {
        "event_id": f"extract:{uid}:{event}:{when or ''}",
        "callback_type": "wallet_item_install" if event == "registered" else "wallet_item_remove",
        "event_date": when,
        "journal_position": None,
        "wallet_id": None,  # the extract names the campaign by GUID, not by its token
        "wallet_item_id": text(row, "uuid"),
        "wallet_instance_uid": uid,
        "provider": provider,
        "registered_at": registered,
        "unregistered_at": unregistered,
        "installed": event == "registered",
        "wallet_instance": instance,
        "wallet_item": {
            "uuid": text(row, "uuid"),
            "wallet_object_uid": text(row, "wallet_object_uid"),
        },
        "wallet_campaign": {"wallet_campaign_uid": text(row, "campaign_uid")},
        **origin(extract, line),
    }


MAKERS = {
    CURRENT_SUBSCRIBERS: snapshot_subscriber,
    SUBSCRIPTIONS: event_subscriber,
    WALLET_INSTANCE: wallet_instance_event,
    **analytics_extracts.MAKERS,
}


def subscriber_plan(files: list[ExtractFile], after: str | None) -> list[ExtractFile]:
    """The files a subscribers run reads, in order (see the module docstring)."""
    events = [f for f in files if f.kind == SUBSCRIPTIONS]
    if after is not None:
        return [f for f in events if f.day.isoformat() > after]
    snapshots = [f for f in files if f.kind == CURRENT_SUBSCRIBERS]
    if not snapshots:
        return events
    newest = snapshots[-1]
    return [newest, *(f for f in events if f.day > newest.day)]


def kind_plan(kind: str, files: list[ExtractFile], after: str | None) -> list[ExtractFile]:
    """The files of ``kind`` dated after the bookmark (all of them on a full load)."""
    return [f for f in files if f.kind == kind and (after is None or f.day.isoformat() > after)]


def wallet_plan(files: list[ExtractFile], after: str | None) -> list[ExtractFile]:
    return kind_plan(WALLET_INSTANCE, files, after)


def read_records(
    source: ExtractSource, plan: list[ExtractFile], on_malformed: MalformedHandler
) -> Iterator[Record]:
    """Records of the planned files in order, one row in memory at a time."""
    for extract in plan:
        make = MAKERS[extract.kind]
        with source.open_text(extract.name) as handle:
            for line, row in read_rows(handle, extract.name, REQUIRED[extract.kind], on_malformed):
                try:
                    yield make(row, extract, line)
                except RowError as exc:
                    on_malformed(extract.name, line, str(exc))


def list_extracts(source: ExtractSource, company_key: str | None) -> list[ExtractFile]:
    return select_extracts(source.names(), company_key)


def open_extracts(config: Mapping[str, Any]) -> ExtractSource:
    """The extract source ``extracts_path`` names: a local directory or an sftp:// URL."""
    location = str(config.get("extracts_path") or "")
    if not location:
        raise ExtractError("extracts_path is not set")
    if is_sftp(location):
        return SftpExtracts(sftp_session(config, location), config.get("company_key"))
    return LocalExtracts.locate(location, config.get("company_key"))


def sftp_session(config: Mapping[str, Any], url: str) -> SftpSession:
    interval = config.get("sftp_min_interval_seconds")
    return SftpSession(
        SftpLocation.parse(url),
        config.get("sftp_private_key_path"),
        known_hosts=config.get("sftp_known_hosts"),
        min_interval_seconds=MIN_INTERVAL_SECONDS if interval is None else float(interval),
    )


class SftpExtracts:
    """Extracts in Vibes' ``/files/out``: each file is copied to a temporary local file
    (streamed to disk, never held in memory), read, then deleted."""

    BELOW = ("files/out", "out")
    """Where extracts may be below a location that holds none (Vibes' SFTP layout)."""

    def __init__(self, session: SftpSession, company_key: str | None = None) -> None:
        self.session = session
        self.company_key = company_key
        self.folder = session.location.path

    def describe(self) -> str:
        return str(self.session.location)

    def names(self) -> list[str]:
        names = self.session.listdir(self.folder)
        if self.folder != self.session.location.path or select_extracts(names, self.company_key):
            return names
        base = self.folder.rstrip("/")
        below: dict[str, list[str]] = {}
        for sub in self.BELOW:
            listed = self.session.listdir_if_exists(f"{base}/{sub}")
            if listed and select_extracts(listed, self.company_key):
                below[f"{base}/{sub}"] = listed
        chosen = folder_to_read(self.folder, list(below)[:1])
        if chosen == self.folder:
            return names
        self.folder = chosen
        return below[chosen]

    @contextmanager
    def open_text(self, name: str) -> Iterator[IO[str]]:
        with tempfile.TemporaryDirectory(prefix="vibes-extract-") as folder:
            local = Path(folder) / name
            self.session.download(f"{self.folder.rstrip('/')}/{name}", local)
            with local.open(encoding="utf-8-sig", newline="") as handle:
                yield handle

    def close(self) -> None:
        self.session.close()
