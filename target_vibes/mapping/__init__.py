"""Pure record -> Vibes request functions, one module per family of resources."""

from __future__ import annotations

from target_vibes.mapping.campaigns import (
    CampaignPost,
    WalletItemWrite,
    broadcast_write,
    event_write,
    wallet_item_write,
    wallet_message_write,
)
from target_vibes.mapping.common import MappingError, json_safe, mdn_or_reject, nest, stable_id
from target_vibes.mapping.people import (
    ParticipantWrite,
    PersonWrite,
    SubscriberWrite,
    participant_body,
    participant_write,
    person_write,
    subscriber_action,
    subscriber_write,
)

__all__ = [
    "CampaignPost",
    "MappingError",
    "ParticipantWrite",
    "PersonWrite",
    "SubscriberWrite",
    "WalletItemWrite",
    "broadcast_write",
    "event_write",
    "json_safe",
    "mdn_or_reject",
    "nest",
    "participant_body",
    "participant_write",
    "person_write",
    "stable_id",
    "subscriber_action",
    "subscriber_write",
    "wallet_item_write",
    "wallet_message_write",
]
