"""Pure record -> import row functions (one flat row of lowercase columns per record).

Persons reuse the API mapping (``person_write``): the identity column, mdn, carrier code,
external id and custom fields. Subscribers become ``.subscriptions`` rows (subscribe) or
``.opt_outs`` rows (unsubscribe) by the same words the API path reads. A Subscriber
Import sends no confirmation text and is only for opt-ins already confirmed elsewhere
(FACTS §4.3), so subscribe rows need ``files_confirmed_opt_ins: true``; they do not need
``allow_messaging``, since nothing is sent. Wallet items become ``.wallet_update`` rows:
uuid, campaign_token and the token columns (first-class fields are tokens there too).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from target_vibes.mapping import MappingError, person_write, subscriber_action, wallet_item_write
from target_vibes.mapping.common import nest
from target_vibes.mapping.people import identities, subscription_list_of
from target_vibes.routing import Route

UNCONFIRMED_OPT_IN = (
    "a Subscriber Import subscribes without any confirmation text and is only for opt-ins "
    "already confirmed elsewhere; set files_confirmed_opt_ins: true to send subscribe rows "
    "by file"
)

Row = dict[str, Any]
FileRow = tuple[str, Row]  # (import kind, row)


def person_row(record: Mapping[str, Any], route: Route) -> FileRow:
    write = person_write(record, route.options["match_on"])
    row: Row = {write.identity.kind: write.identity.value}
    phone = write.body.get("mobile_phone") or {}
    if phone.get("mdn"):
        row["mdn"] = phone["mdn"]
    if phone.get("carrier_code"):
        row["carrier_code"] = phone["carrier_code"]
    if write.body.get("external_person_id"):
        row["external_person_id"] = write.body["external_person_id"]
    for name, value in (write.body.get("custom_fields") or {}).items():
        column = str(name).lower()
        if column in row:
            raise MappingError(f"custom field {name!r} collides with an identifier column")
        row[column] = value
    return "persons", row


def subscriber_row(record: Mapping[str, Any], route: Route, confirmed_opt_ins: bool) -> FileRow:
    nested = nest(record)
    action = subscriber_action(nested)
    found = identities(nested)
    kind = next((k for k in ("person_key", "external_person_id", "mdn") if k in found), None)
    if kind is None:
        raise MappingError("record names no person (person_key, external_person_id or mdn)")
    list_id = subscription_list_of(nested, route.option("subscription_list_id"))
    if list_id is None:
        raise MappingError(
            "row names no subscription list: give subscription_list_id in the record or in "
            "the stream's 'streams' setting"
        )
    if action == "subscribe" and not confirmed_opt_ins:
        raise MappingError(UNCONFIRMED_OPT_IN)
    kind_of_file = "subscriptions" if action == "subscribe" else "opt_outs"
    return kind_of_file, {kind: found[kind], "subscription_list_id": list_id}


def wallet_row(record: Mapping[str, Any], route: Route) -> FileRow:
    write = wallet_item_write(record, wallet_id=route.option("wallet_id"))
    extra = sorted(set(write.body) - {"tokens"})
    if extra:
        raise MappingError(
            f"a Wallet Batch Update sets tokens only; {', '.join(extra)} need the API "
            "(load_via: api)"
        )
    row: Row = {"uuid": write.item_id, "campaign_token": write.wallet_id}
    for name, value in (write.body.get("tokens") or {}).items():
        column = str(name).lower()
        if column in row:
            raise MappingError(f"token {name!r} collides with the uuid/campaign_token columns")
        row[column] = value
    return "wallet_update", row
