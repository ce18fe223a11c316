"""One sink per Vibes resource; each is a declaration on top of sinks.base.VibesSink."""

from __future__ import annotations

from target_vibes.sinks.base import VibesSink
from target_vibes.sinks.campaign_posts import BroadcastsSink, WalletMessagesSink
from target_vibes.sinks.event_campaigns import (
    EventTriggeredMessagesSink,
    PushDeviceAssignmentsSink,
)
from target_vibes.sinks.events import EventsSink
from target_vibes.sinks.incentives import IncentiveIssuancesSink, IncentiveRedemptionsSink
from target_vibes.sinks.participants import ParticipantsSink
from target_vibes.sinks.persons import PersonsSink
from target_vibes.sinks.skipped import SkippedStreamSink
from target_vibes.sinks.subscribers import SubscribersSink
from target_vibes.sinks.wallet_items import WalletItemsSink
from target_vibes.sinks.wallet_locations import WalletLocationsSink

SINK_BY_RESOURCE: dict[str, type[VibesSink]] = {
    sink.resource: sink
    for sink in (
        PersonsSink,
        SubscribersSink,
        ParticipantsSink,
        WalletItemsSink,
        WalletMessagesSink,
        BroadcastsSink,
        EventsSink,
        WalletLocationsSink,
        EventTriggeredMessagesSink,
        PushDeviceAssignmentsSink,
        IncentiveIssuancesSink,
        IncentiveRedemptionsSink,
    )
}

__all__ = ["SINK_BY_RESOURCE", "SkippedStreamSink", "VibesSink"]
