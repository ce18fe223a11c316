"""TapVibes: settings and the list of streams."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from singer_sdk import Tap
from singer_sdk import typing as th

from tap_vibes.session import TapSession
from tap_vibes.streams.broadcasts import BroadcastsStream
from tap_vibes.streams.campaigns import AcquisitionCampaignsStream
from tap_vibes.streams.changes import with_journal_streams
from tap_vibes.streams.extracts import with_extract_streams
from tap_vibes.streams.lists import SubscriptionListsStream
from tap_vibes.streams.persons import PersonsStream, SubscribersStream
from tap_vibes.streams.wallet import (
    WalletCampaignsStream,
    WalletItemsStream,
    WalletMessagesStream,
)
from tap_vibes.writer import OrjsonSingerWriter
from vibes_api.plugin_settings import connection_properties
from vibes_api.settings import VibesSettings
from vibes_api.version import DISTRIBUTION

if TYPE_CHECKING:
    from singer_sdk import Stream

STREAM_TYPES = (
    SubscriptionListsStream,
    AcquisitionCampaignsStream,
    BroadcastsStream,
    WalletCampaignsStream,
    WalletItemsStream,
    WalletMessagesStream,
    PersonsStream,
    SubscribersStream,
)


class TapVibes(Tap):
    """Singer tap for the Vibes Mobile Engagement Platform."""

    name = "tap-vibes"
    package_name = DISTRIBUTION  # one distribution holds both plugins
    message_writer_class = OrjsonSingerWriter
    _session: TapSession | None = None

    config_jsonschema = th.PropertiesList(
        *connection_properties(),
        th.Property(
            "start_date",
            th.DateTimeType,
            description=(
                "Earliest replication value to emit when a stream has no bookmark yet "
                "(e.g. 2024-01-01T00:00:00Z). Records older than it are skipped."
            ),
        ),
        th.Property(
            "end_date",
            th.DateTimeType,
            description=(
                "If set, records whose replication value is at or after it are skipped "
                "(for bounded backfills)."
            ),
        ),
        th.Property(
            "person_ids_file",
            th.StringType,
            description=(
                "CSV file of persons to read (streams persons and subscribers): a header "
                "naming person_key, external_person_id or mdn (E.164, e.g. +15551234567), "
                "then one id per row. Without it those two streams emit nothing."
            ),
        ),
        th.Property(
            "callback_journal",
            th.StringType,
            description=(
                "Path of the journal written by `vibes-callbacks serve`. With it, persons, "
                "subscribers, participants and wallet_item_events emit the changes Vibes "
                "called back with, after their bookmark (a journal position); persons need "
                "no request, and person_ids_file is not read."
            ),
        ),
        th.Property(
            "extracts_path",
            th.StringType,
            description=(
                "Vibes' daily extract files: a local directory, or "
                "sftp://user@host:port/files/out with sftp_private_key_path. With it, "
                "subscribers and wallet_item_events read the extracts (bookmark: the last "
                "file date) and persons hydrates the person keys they name (docs/files.md)."
            ),
        ),
        th.Property(
            "sftp_private_key_path",
            th.StringType,
            description="Private key file for the SFTP login of an sftp:// extracts_path.",
        ),
        th.Property(
            "sftp_known_hosts",
            th.StringType,
            description=(
                "OpenSSH known_hosts file to check the SFTP host key against "
                "(default: ~/.ssh/known_hosts). The host key is always checked."
            ),
        ),
        th.Property(
            "sftp_min_interval_seconds",
            th.NumberType,
            default=300,
            description=(
                "Least time between two SFTP connections to one account; Vibes asks for "
                "at least five minutes. Kept with a marker file under ~/.cache/vibes-connectors."
            ),
        ),
    ).to_dict()

    def discover_streams(self) -> list[Stream]:
        # callback_journal swaps in the journal streams (tap_vibes/streams/changes.py).
        streams = with_journal_streams(STREAM_TYPES, self.config)
        # extracts_path swaps in the extract streams (tap_vibes/streams/extracts.py).
        streams = with_extract_streams(streams, self.config)
        return [stream_type(tap=self) for stream_type in streams]

    @property
    def session(self) -> TapSession:
        """The run's runner, client and progress, opened on first use."""
        if self._session is None or self._session.closed:
            session = TapSession(VibesSettings.from_config(self.config))
            # Fallback for runs that do not reach the end of sync_all (errors, --test) when
            # the tap is collected. Not at interpreter exit: a test process holding many
            # taps would print their summaries after its own report; the runner's own exit
            # hook still closes the HTTP session then.
            weakref.finalize(self, session.close).atexit = False
            self._session = session
        return self._session

    def close_session(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def stream_finished(self, stream: Stream) -> None:
        """Called by each stream at the end of ``sync_all``; the last one ends the run."""
        streams = list(self.streams.values())
        if streams and stream is streams[-1]:
            self.close_session()
