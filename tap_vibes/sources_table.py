"""Which class serves each stream: one table, one precedence rule.

A stream may be read from several sources: the Vibes API, the ``person_ids_file`` (persons
and subscribers looked up one by one through the API), the callback journal
(``callback_journal``) or Vibes' extract files (``extracts_path``). Each row of
:data:`SOURCES_TABLE` lists a stream's sources in precedence order, and the rule is: **the
first source of the row whose setting is set serves the stream; a source that needs no
setting always can**. A stream whose row has no usable source is not offered. Rows are in
catalog order.

Why the orders differ: for subscribers and wallet_item_events the extracts win over the
journal (the files are the whole population, the journal only what was delivered while
the receiver ran); for persons the journal wins (its events carry the whole person, the
extracts only name keys to look up). ``tap-vibes --about`` prints this table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from tap_vibes.streams.base import VibesStream
from tap_vibes.streams.broadcasts import BroadcastsStream
from tap_vibes.streams.campaigns import AcquisitionCampaignsStream, EventTriggeredMessagesStream
from tap_vibes.streams.changes import (
    JOURNAL_SETTING,
    DeviceEventsStream,
    InboundMessagesStream,
    JournalPersonsStream,
    JournalSubscribersStream,
    MessageEventsStream,
    ParticipantsStream,
    SubscriptionListEventsStream,
    WalletItemEventsStream,
)
from tap_vibes.streams.configuration import CallbacksStream, SourceCodesStream
from tap_vibes.streams.extracts import (
    EXTRACTS_SETTING,
    ExtractPersonsStream,
    ExtractPushDevicesStream,
    ExtractSubscribersStream,
    ExtractWalletItemEventsStream,
    MessagesStream,
    PushMessagesStream,
    UrlClicksStream,
    WalletPageViewsStream,
)
from tap_vibes.streams.incentives import (
    IncentiveIssuancesStream,
    IncentivePoolsStream,
    IncentiveRedemptionsStream,
)
from tap_vibes.streams.lists import SubscriptionListsStream
from tap_vibes.streams.persons import PersonsStream, PushDevicesStream, SubscribersStream
from tap_vibes.streams.wallet import (
    WalletCampaignsStream,
    WalletItemsStream,
    WalletLocationsStream,
    WalletMessagesStream,
)


@dataclasses.dataclass(frozen=True)
class Source:
    name: str
    needs: str | None
    """The setting that must be set for this source to serve; None: always available."""

    def available(self, config: Mapping[str, Any]) -> bool:
        return self.needs is None or bool(config.get(self.needs))


API = Source("api", None)
# Without person_ids_file these streams are still offered and emit nothing (as a
# declared-but-empty source rather than a missing stream, so catalogs stay stable).
IDS_FILE = Source("ids_file", None)
# Likewise for the codes of incentive_codes_file.
CODES_FILE = Source("codes_file", None)
JOURNAL = Source("journal", JOURNAL_SETTING)
EXTRACTS = Source("extracts", EXTRACTS_SETTING)

Row = tuple[tuple[Source, type[VibesStream]], ...]

SOURCES_TABLE: dict[str, Row] = {
    "subscription_lists": ((API, SubscriptionListsStream),),
    "acquisition_campaigns": ((API, AcquisitionCampaignsStream),),
    "broadcasts": ((API, BroadcastsStream),),
    "wallet_campaigns": ((API, WalletCampaignsStream),),
    "wallet_items": ((API, WalletItemsStream),),
    "wallet_messages": ((API, WalletMessagesStream),),
    "wallet_locations": ((API, WalletLocationsStream),),
    "source_codes": ((API, SourceCodesStream),),
    "callbacks": ((API, CallbacksStream),),
    "persons": (
        (JOURNAL, JournalPersonsStream),
        (EXTRACTS, ExtractPersonsStream),
        (IDS_FILE, PersonsStream),
    ),
    "subscribers": (
        (EXTRACTS, ExtractSubscribersStream),
        (JOURNAL, JournalSubscribersStream),
        (IDS_FILE, SubscribersStream),
    ),
    "participants": ((JOURNAL, ParticipantsStream),),
    "wallet_item_events": (
        (EXTRACTS, ExtractWalletItemEventsStream),
        (JOURNAL, WalletItemEventsStream),
    ),
    "inbound_messages": ((JOURNAL, InboundMessagesStream),),
    "subscription_list_events": ((JOURNAL, SubscriptionListEventsStream),),
    "event_triggered_messages": ((API, EventTriggeredMessagesStream),),
    "push_devices": ((EXTRACTS, ExtractPushDevicesStream), (IDS_FILE, PushDevicesStream)),
    "message_events": ((JOURNAL, MessageEventsStream),),
    "device_events": ((JOURNAL, DeviceEventsStream),),
    "incentive_pools": ((API, IncentivePoolsStream),),
    "incentive_issuances": ((CODES_FILE, IncentiveIssuancesStream),),
    "incentive_redemptions": ((CODES_FILE, IncentiveRedemptionsStream),),
    "messages": ((EXTRACTS, MessagesStream),),
    "push_messages": ((EXTRACTS, PushMessagesStream),),
    "url_clicks": ((EXTRACTS, UrlClicksStream),),
    "wallet_page_views": ((EXTRACTS, WalletPageViewsStream),),
}


def stream_types(config: Mapping[str, Any]) -> list[type[VibesStream]]:
    """The class serving each stream for ``config``, in catalog order (the rule above)."""
    chosen = []
    for row in SOURCES_TABLE.values():
        for source, stream_type in row:
            if source.available(config):
                chosen.append(stream_type)
                break
    return chosen


def sources_about() -> dict[str, list[dict[str, str | None]]]:
    """The table as data, for ``--about --format=json``."""
    return {
        name: [{"source": s.name, "setting": s.needs, "class": t.__name__} for s, t in row]
        for name, row in SOURCES_TABLE.items()
    }


def sources_markdown() -> str:
    """The table as a markdown section, for ``--about`` (text and markdown)."""
    lines = [
        "## Stream sources",
        "",
        "Each stream is read from the first of its sources whose setting is set "
        "(a source without a setting is always available).",
        "",
        "| Stream | Sources, in precedence order |",
        "|:-------|:-----------------------------|",
    ]
    for name, row in SOURCES_TABLE.items():
        cells = [f"{s.name} ({'`' + s.needs + '`' if s.needs else 'always'})" for s, _ in row]
        lines.append(f"| {name} | {', then '.join(cells)} |")
    return "\n".join(lines)
