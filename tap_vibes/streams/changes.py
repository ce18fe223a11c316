"""Streams read from the callback journal (setting ``callback_journal``; see docs/callbacks.md).

With a journal, persons, subscribers, participants, wallet_item_events, inbound_messages,
subscription_list_events, message_events and device_events are change streams: each reads
the journal events of its callback types after its bookmark, a journal position, and emits
one record per event in journal order (the order Vibes delivered them, so a person's newest
state comes last). Positions only grow and become visible in order, so a bookmark on the
last emitted position skips nothing and repeats nothing, and a second run from the final
STATE emits only what arrived since. Person events carry the whole person: no request is
made.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from tap_vibes.settings_check import setting_instant
from tap_vibes.sources.callback_journal import read_changes
from tap_vibes.streams.base import VibesStream
from tap_vibes.streams.bookmarks import BookmarkKind
from tap_vibes.timestamps import parse_timestamp

if TYPE_CHECKING:
    from singer_sdk.helpers import types

JOURNAL_SETTING = "callback_journal"
POSITION = "journal_position"


class JournalStream(VibesStream):
    """A stream whose records come from the callback journal, bookmarked by position."""

    replication_key = POSITION
    bookmark_kind = BookmarkKind.POSITION  # journal order: advanced record by record

    def get_records(self, context: types.Context | None) -> Iterable[dict[str, Any]]:
        path = self.config.get(JOURNAL_SETTING)
        if not path:
            self.logger.info("No %s set: '%s' has nothing to read.", JOURNAL_SETTING, self.name)
            return
        start = self._start_position(context)
        self.logger.info("Reading stream '%s' from %s after position %d.", self.name, path, start)
        yield from self.dated_window(read_changes(path, self.name, start))

    def dated_window(self, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """start_date and end_date on the events' ``event_date``. Changes dated before
        start_date are skipped; the read stops at the first change dated at or after
        end_date, so the bookmark (a position) never passes a change left unread."""
        since = setting_instant(self.config, "start_date")
        until = setting_instant(self.config, "end_date")
        for record in records:
            when = parse_timestamp(record.get("event_date"))
            if when is not None and until is not None and when >= until:
                self.logger.info(
                    "Stream '%s' stops at journal position %s, the first change dated at or "
                    "after end_date; it and the changes after it are left for the next run.",
                    self.name,
                    record.get(POSITION),
                )
                return
            if when is not None and since is not None and when < since:
                continue
            yield record

    def _start_position(self, context: types.Context | None) -> int:
        # The bookmark itself, not the SDK's starting value: with no bookmark the SDK falls
        # back to start_date, a date-time, which is not a position (start_date is applied
        # to the events' dates instead, in dated_window).
        state = self.get_context_state(context)
        key, value = state.get("replication_key"), state.get("replication_key_value")
        if key not in (None, POSITION) or not isinstance(value, int | None):
            # A bookmark from another source (the REST persons' updated_at, an extract date).
            self.drop_bookmark(state, "a journal position; reading the journal from the start")
            return 0
        return 0 if value is None else value


class JournalPersonsStream(JournalStream):
    """persons from person_added / person_updated events (the whole person, no request)."""

    name = "persons"
    primary_keys = ("person_key",)


class JournalSubscribersStream(JournalStream):
    """subscribers from subscription_added / subscription_removed events."""

    name = "subscribers"
    primary_keys = ("person_key", "subscription_list_id", "opt_in_date")


class ParticipantsStream(JournalStream):
    """Acquisition participants from ack_participant_added / _changed events."""

    name = "participants"
    primary_keys = ("acquisition_id", "person_key")


class WalletItemEventsStream(JournalStream):
    """Wallet pass installs and removals from wallet_item_install / _remove events."""

    name = "wallet_item_events"
    primary_keys = ("event_id",)


class InboundMessagesStream(JournalStream):
    """Texts that matched no keyword, from unmatched_message_received events."""

    name = "inbound_messages"
    primary_keys = ("event_id",)


class SubscriptionListEventsStream(JournalStream):
    """Lists made or renamed, from subscription_list_added / _updated events."""

    name = "subscription_list_events"
    primary_keys = ("event_id",)


class MessageEventsStream(JournalStream):
    """Event routing and message outcomes from event_processed events."""

    name = "message_events"
    primary_keys = ("event_id",)


class DeviceEventsStream(JournalStream):
    """Push devices attached to or detached from persons, from device_* events."""

    name = "device_events"
    primary_keys = ("event_id",)
