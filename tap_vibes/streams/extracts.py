"""Streams read from Vibes' extract files (setting ``extracts_path``; see docs/files.md).

With ``extracts_path``, ``subscribers`` and ``wallet_item_events`` read the extracts,
``messages``, ``push_messages``, ``url_clicks`` and ``wallet_page_views`` (offered only with
it) read the analytics extracts, and ``persons`` and ``push_devices`` hydrate the person
keys the files name (tap_vibes/sources_table.py says which source wins when
``callback_journal`` is set too). Bookmark: the date of the last file processed, kept as
``YYYY-MM-DD``. Files are read oldest first, one after the other, so the bookmark moves to a
file's date once its last record is out: a STATE written mid-run names the last whole file,
and a run killed in the middle of a file resumes at that file, skipping nothing.
``start_date`` and ``end_date`` choose files by their date: those dated on or after
start_date's day and before end_date's day.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from tap_vibes.person_ids import PersonId
from tap_vibes.settings_check import setting_instant
from tap_vibes.sources.extract_files import (
    MESSAGES,
    PUSH_MESSAGES,
    URL_CLICKS,
    WALLET_PAGE_VIEWS,
    ExtractFile,
    ExtractSource,
    log_malformed,
)
from tap_vibes.sources.extracts import (
    kind_plan,
    list_extracts,
    open_extracts,
    read_records,
    subscriber_plan,
    wallet_plan,
)
from tap_vibes.streams.base import VibesStream
from tap_vibes.streams.bookmarks import BookmarkKind
from tap_vibes.streams.persons import PersonsStream, PushDevicesStream

if TYPE_CHECKING:
    from singer_sdk.helpers import types

EXTRACTS_SETTING = "extracts_path"
BOOKMARK = "extract_date"
_SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
_NULLABLE_STRING = {"type": ["string", "null"]}
_ORIGIN = {
    "extract_date": {
        "type": ["string", "null"],
        "format": "date",
        "description": "Date of the extract file the record came from (the bookmark).",
    },
    "extract_file": _NULLABLE_STRING,
    "extract_line": {"type": ["integer", "null"]},
}


def _schema(name: str, extra: Mapping[str, Any], nullable: Iterable[str]) -> dict[str, Any]:
    """A stream's schema file plus the extract columns; ``nullable`` become optional."""
    schema: dict[str, Any] = json.loads((_SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    properties = schema["properties"]
    for field in nullable:
        types = properties[field]["type"]
        if "null" not in types:
            properties[field]["type"] = [*types, "null"]
    properties.update(copy.deepcopy(dict(extra)))
    return schema


class ExtractStream(VibesStream):
    """A stream fed by extract files, bookmarked by the last file date processed."""

    replication_key = BOOKMARK
    bookmark_kind = BookmarkKind.DATE  # whole files, oldest first
    kind_label: ClassVar[str] = ""

    def extracts(self) -> tuple[ExtractSource, list[ExtractFile]]:
        source = shared_source(self)
        return source, within_dates(list_extracts(source, self.config.get("company_key")), self)

    def log_sync_costs(self) -> None:
        super().log_sync_costs()
        release_source(self)

    def plan(self, files: list[ExtractFile], after: str | None) -> list[ExtractFile]:
        raise NotImplementedError

    def bookmark(self, context: types.Context | None) -> str | None:
        state = self.get_context_state(context)
        key, value = state.get("replication_key"), state.get("replication_key_value")
        if key == BOOKMARK and isinstance(value, str):
            return value
        if key is not None:
            self.drop_bookmark(state, "an extract date; reading the extracts as a full load")
        return None

    def get_records(self, context: types.Context | None) -> Iterable[dict[str, Any]]:
        source, files = self.extracts()
        after = self.bookmark(context)
        plan = self.plan(files, after)
        self.logger.info(
            "Stream '%s' reads %d extract file(s) from %s after %s: %s",
            self.name,
            len(plan),
            source.describe(),
            after or "the start",
            ", ".join(f.name for f in plan) or "none",
        )
        self.reset_bookmarks(context)
        yield from read_records(source, plan, self.malformed)
        if plan:  # every planned file is done, the empty ones too
            self.commit_bookmark(plan[-1].day.isoformat(), context)

    def malformed(self, file_name: str, line: int, reason: str) -> None:
        self.progress.add(1, "malformed rows")
        log_malformed(file_name, line, reason)


class ExtractSubscribersStream(ExtractStream):
    """Subscribers from the Current Subscriber and Subscription extracts.

    Keyed by (person_key, subscription_list_id): the person's current state on the list
    (the snapshot carries no opt-in date, so the API streams' key cannot be filled).
    """

    name = "subscribers"
    primary_keys = ("person_key", "subscription_list_id")
    schema = _schema(
        "subscribers",
        {
            "external_person_id": _NULLABLE_STRING,
            "mdn": _NULLABLE_STRING,
            "carrier_code": _NULLABLE_STRING,
            "subscription_list_name": _NULLABLE_STRING,
            "subscription_event": _NULLABLE_STRING,
            "activity_description": _NULLABLE_STRING,
            "activity_id": _NULLABLE_STRING,
            **_ORIGIN,
        },
        nullable=("opt_in_date",),
    )

    def plan(self, files: list[ExtractFile], after: str | None) -> list[ExtractFile]:
        return subscriber_plan(files, after)


class ExtractWalletItemEventsStream(ExtractStream):
    """Pass installs and removals from the Wallet Instance extracts (journal schema)."""

    name = "wallet_item_events"
    primary_keys = ("event_id",)
    schema = _schema("wallet_item_events", _ORIGIN, nullable=("journal_position", "callback_type"))

    def plan(self, files: list[ExtractFile], after: str | None) -> list[ExtractFile]:
        return wallet_plan(files, after)


class ExtractPersonKeys(VibesStream):
    """Mixin: a per-person stream fed the keys the extracts name instead of person_ids_file:
    the newest snapshot and the event files after it (every current subscriber and everyone
    who changed since). Distinct keys are held in a set: about 100 bytes a person."""

    def person_ids(self) -> Iterable[PersonId] | None:
        source = shared_source(self)
        files = within_dates(list_extracts(source, self.config.get("company_key")), self)
        plan = subscriber_plan(files, None)
        self.logger.info(
            "Reading person keys for '%s' from %d extract file(s).", self.name, len(plan)
        )
        return _distinct_keys(read_records(source, plan, log_malformed))

    def log_sync_costs(self) -> None:
        super().log_sync_costs()
        release_source(self)


class ExtractPersonsStream(ExtractPersonKeys, PersonsStream):
    """persons for the keys the extracts name."""


class ExtractPushDevicesStream(ExtractPersonKeys, PushDevicesStream):
    """push_devices of the persons the extracts name."""


# The run's one extract source, a named resource of the tap's session: one SFTP session per
# run, as Vibes asks, closed when the last stream reading it ends (or with the session).
_SOURCE = "extract_source"


def _readers(stream: VibesStream) -> list[VibesStream]:
    streams = stream._vibes_tap.streams.values()
    return [s for s in streams if isinstance(s, ExtractStream | ExtractPersonKeys) and s.selected]


def shared_source(stream: VibesStream) -> ExtractSource:
    """The run's one extract source, opened on first use."""
    return stream.session.resource(_SOURCE, lambda: open_extracts(stream.config))


def release_source(stream: VibesStream) -> None:
    """Close the shared source once the last stream reading it is done."""
    readers = _readers(stream)
    if not readers or stream is readers[-1]:
        stream.session.forget(_SOURCE)


def within_dates(files: list[ExtractFile], stream: VibesStream) -> list[ExtractFile]:
    """The files dated on or after start_date's day and before end_date's day (UTC)."""
    since = setting_instant(stream.config, "start_date")
    until = setting_instant(stream.config, "end_date")
    first = since.astimezone(UTC).date() if since is not None else None
    stop = until.astimezone(UTC).date() if until is not None else None
    return [
        f for f in files if (first is None or f.day >= first) and (stop is None or f.day < stop)
    ]


def _distinct_keys(records: Iterable[dict[str, Any]]) -> Iterator[PersonId]:
    seen: set[str] = set()
    for record in records:
        key = record["person_key"]
        if key not in seen:
            seen.add(key)
            yield PersonId("person_key", key, int(record.get("extract_line") or 0))


class AnalyticsExtractStream(ExtractStream):
    """A stream of one analytics extract: its files dated after the bookmark, in order."""

    extract_kind: ClassVar[str] = ""

    def plan(self, files: list[ExtractFile], after: str | None) -> list[ExtractFile]:
        return kind_plan(self.extract_kind, files, after)


class MessagesStream(AnalyticsExtractStream):
    """Messages sent to phones and their delivery status (Message Extract)."""

    name = "messages"
    primary_keys = ("message_id",)
    extract_kind = MESSAGES
    schema = _schema("messages", _ORIGIN, nullable=())


class PushMessagesStream(AnalyticsExtractStream):
    """Push notifications sent to devices (Push Message Extract)."""

    name = "push_messages"
    primary_keys = ("message_id", "vibes_device_id")
    extract_kind = PUSH_MESSAGES
    schema = _schema("push_messages", _ORIGIN, nullable=())


class UrlClicksStream(AnalyticsExtractStream):
    """Clicks on Vibes-shortened URLs (URL Click Extract)."""

    name = "url_clicks"
    primary_keys = ("click_id",)
    extract_kind = URL_CLICKS
    schema = _schema("url_clicks", _ORIGIN, nullable=())


class WalletPageViewsStream(AnalyticsExtractStream):
    """Views of wallet pages (Wallet Page View Extract)."""

    name = "wallet_page_views"
    primary_keys = ("view_uid",)
    extract_kind = WALLET_PAGE_VIEWS
    schema = _schema("wallet_page_views", _ORIGIN, nullable=())
