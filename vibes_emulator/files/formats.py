"""Pure formatting of Vibes' extract files (FACTS §4.2): names, columns, dates, rows.

Extracts are tab-separated with a header row; a field holding a tab, newline or quote is
quoted with ``"`` and inner quotes doubled. Subscription dates print in Vibes' central time
offset (``2017-04-05 14:30:00 -0600``), wallet dates in UTC (``... UTC``). The column that
says ``person_id`` holds the person_key, as Vibes documents.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import IO, Any

CURRENT_SUBSCRIBERS = "current_subscribers"
SUBSCRIPTIONS = "subscriptions"
WALLET_INSTANCE = "walletinstance"
MESSAGES = "messages"
PUSH_MESSAGES = "pushmessages"
URL_CLICKS = "urls"
# Vibes does not publish this file's name (FACTS §8.7): the emulator's choice.
WALLET_PAGE_VIEWS = "walletpageview"
EXTRACT_KINDS = (
    CURRENT_SUBSCRIBERS, SUBSCRIPTIONS, WALLET_INSTANCE,
    MESSAGES, PUSH_MESSAGES, URL_CLICKS, WALLET_PAGE_VIEWS,
)  # fmt: skip

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
# The published columns, then (emulator's choice, FACTS §4.2 truncates the list) the
# activity and text columns named as the Push Message Extract names them.
MESSAGE_COLUMNS = (
    "person_id", "external_person_id", "mdn", "carrier_code", "message_id",
    "client_message_id", "timestamp", "message_status",
    "activity_type", "activity_id", "company_id", "content",
)  # fmt: skip
PUSH_MESSAGE_COLUMNS = (
    "person_id", "external_person_id", "vibes_device_id", "os", "push_token", "message_id",
    "client_message_id", "receipt_at", "response_text", "activity_type", "activity_id",
    "company_id", "app_id", "content", "subject",
)  # fmt: skip
URL_CLICK_COLUMNS = (
    "click_id", "person_id", "external_person_id", "mdn", "message_id", "click_timestamp",
    "short_domain", "short_key", "long_url", "first_click", "first_device_click",
    "activity_type", "activity_id", "company_id",
)  # fmt: skip
WALLET_PAGE_VIEW_COLUMNS = (
    "view_uid", "campaign_uid", "company_id", "wallet_page_type", "user_agent", "uuid",
    "platform", "viewed_at",
)  # fmt: skip
COLUMNS = {
    CURRENT_SUBSCRIBERS: CURRENT_SUBSCRIBER_COLUMNS,
    SUBSCRIPTIONS: SUBSCRIPTION_COLUMNS,
    WALLET_INSTANCE: WALLET_INSTANCE_COLUMNS,
    MESSAGES: MESSAGE_COLUMNS,
    PUSH_MESSAGES: PUSH_MESSAGE_COLUMNS,
    URL_CLICKS: URL_CLICK_COLUMNS,
    WALLET_PAGE_VIEWS: WALLET_PAGE_VIEW_COLUMNS,
}
# "message/push text fields are double-quoted with "" escaping" (FACTS §4.2): always, even
# when the text holds no tab, newline or quote.
QUOTED = frozenset({"content", "subject"})

# Vibes prints subscription dates at a fixed -0600 (its central-time offset, FACTS §1.8).
VIBES_OFFSET = timezone(timedelta(hours=-6))


def extract_file_name(kind: str, company_key: str, day: date) -> str:
    """The current recommended name: ``<name>_<company_key>_<YYYY-MM-DD>.txt``."""
    return f"{kind}_{company_key}_{day.isoformat()}.txt"


def stable_uid(*parts: str) -> str:
    """The same UUIDs the callback payloads use for ids the store does not keep."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "vibes-emulator:" + "|".join(parts)))


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


def quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def write_tsv(handle: IO[str], columns: Iterable[str], rows: Iterable[dict[str, Any]]) -> int:
    """Header row, then one line per row (missing values empty); returns the row count.

    Text columns (:data:`QUOTED`) are always quoted; the csv module quotes any other field
    only when it holds a tab, newline or quote."""
    names = tuple(columns)
    always = [name in QUOTED for name in names]
    writer = tsv_writer(handle)
    writer.writerow(names)
    if not any(always):
        count = 0
        for row in rows:
            writer.writerow(["" if row.get(name) is None else row[name] for name in names])
            count += 1
        return count
    return _write_with_quoted_text(handle, names, always, rows)


def _write_with_quoted_text(
    handle: IO[str], names: tuple[str, ...], always: list[bool], rows: Iterable[dict[str, Any]]
) -> int:
    count = 0
    for row in rows:
        fields = []
        for name, quote in zip(names, always, strict=True):
            value = row.get(name)
            text = "" if value is None else str(value)
            if (quote and value is not None) or any(c in text for c in '\t\n\r"'):
                fields.append(quoted(text))
            else:
                fields.append(text)
        handle.write("\t".join(fields) + "\n")
        count += 1
    return count
