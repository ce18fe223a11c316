"""Pure formatting of Vibes' extract files (FACTS §4.2): names, columns, dates, rows.

Extracts are tab-separated with a header row; a field holding a tab, newline or quote is
quoted with ``"`` and inner quotes doubled. Subscription dates print in Vibes' central time
offset (``2017-04-05 14:30:00 -0600``), wallet dates in UTC (``... UTC``). The column that
says ``person_id`` holds the person_key, as Vibes documents.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import IO, Any

CURRENT_SUBSCRIBERS = "current_subscribers"
SUBSCRIPTIONS = "subscriptions"
WALLET_INSTANCE = "walletinstance"
EXTRACT_KINDS = (CURRENT_SUBSCRIBERS, SUBSCRIPTIONS, WALLET_INSTANCE)

CURRENT_SUBSCRIBER_COLUMNS = (
    "mdn", "person_id", "external_person_id", "carrier_code", "mdn_e164_format",
    "country_code", "subscription_list_id",
)  # fmt: skip
SUBSCRIPTION_COLUMNS = (
    "person_id", "external_person_id", "mdn", "company_id", "carrier_code",
    "subscription_list_id", "subscription_list_name", "opt_in_date", "opt_out_date",
    "subscription_event", "opt_out_reason", "activity_description", "activity_id",
)  # fmt: skip
WALLET_INSTANCE_COLUMNS = (
    "wallet_instance_uid", "instance_event", "registered_at", "unregistered_at",
    "wallet_object_uid", "wallet_provider", "platform", "company_id", "campaign_uid", "uuid",
    "current_flag", "shared_instance",
)  # fmt: skip
COLUMNS = {
    CURRENT_SUBSCRIBERS: CURRENT_SUBSCRIBER_COLUMNS,
    SUBSCRIPTIONS: SUBSCRIPTION_COLUMNS,
    WALLET_INSTANCE: WALLET_INSTANCE_COLUMNS,
}

# Vibes prints subscription dates at a fixed -0600 (its central-time offset, FACTS §1.8).
VIBES_OFFSET = timezone(timedelta(hours=-6))


def extract_file_name(kind: str, company_key: str, day: date) -> str:
    """The current recommended name: ``<name>_<company_key>_<YYYY-MM-DD>.txt``."""
    return f"{kind}_{company_key}_{day.isoformat()}.txt"


def central_time(ms: int | None) -> str:
    """``2017-04-05 14:30:00 -0600`` for epoch ms; empty for None."""
    if ms is None:
        return ""
    moment = datetime.fromtimestamp(ms / 1000, tz=VIBES_OFFSET)
    return moment.strftime("%Y-%m-%d %H:%M:%S %z")


def utc_time(ms: int | None) -> str:
    """``2017-04-05 14:30:00 UTC`` for epoch ms; empty for None."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def national_mdn(e164: str | None) -> str:
    """The MDN without country code or ``+`` (10 digits for +1 numbers)."""
    if not e164:
        return ""
    return e164[2:] if e164.startswith("+1") else e164.lstrip("+")


def country_code(e164: str | None) -> str:
    """The calling code of the MDN (``1`` for US/CA); Vibes does not say which form it uses."""
    if not e164:
        return ""
    return "1" if e164.startswith("+1") else e164[1:3]


def tsv_writer(handle: IO[str]) -> Any:
    return csv.writer(handle, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)


def write_tsv(handle: IO[str], columns: Iterable[str], rows: Iterable[dict[str, Any]]) -> int:
    """Header row, then one line per row (missing values empty); returns the row count."""
    names = tuple(columns)
    writer = tsv_writer(handle)
    writer.writerow(names)
    count = 0
    for row in rows:
        writer.writerow(["" if row.get(name) is None else row[name] for name in names])
        count += 1
    return count
