"""Rows of the analytics extracts made into records (FACTS §4.2): Message, Push Message,
URL Click and Wallet Page View. Pure functions, one per kind.

Columns are read by name, so a file with more columns than these (Vibes truncates the
published list of the Message Extract's columns) loads; the Message Extract's unpublished
trailing columns that a file has are kept in ``other_columns``. ``person_id`` holds the
person_key (FACTS §4.2) and leaves as ``person_key``; dates leave as RFC 3339 UTC.
"""

from __future__ import annotations

from tap_vibes.sources.extract_files import (
    MESSAGES,
    PUSH_MESSAGES,
    URL_CLICKS,
    WALLET_PAGE_VIEWS,
    ExtractFile,
    Row,
)
from tap_vibes.sources.extract_values import Record, RowError, e164, extract_time, origin, text

REQUIRED = {
    MESSAGES: ("message_id", "message_status"),
    PUSH_MESSAGES: ("message_id",),
    URL_CLICKS: ("click_id",),
    WALLET_PAGE_VIEWS: ("view_uid",),
}
SUCCESS = "SUCCESS"
MESSAGE_COLUMNS = frozenset(
    {
        "person_id", "external_person_id", "mdn", "carrier_code", "message_id",
        "client_message_id", "timestamp", "message_status", "activity_type", "activity_id",
        "company_id", "content",
    }
)  # fmt: skip


def _flag(row: Row, column: str) -> bool | None:
    value = (text(row, column) or "").upper()
    if not value:
        return None
    if value in ("TRUE", "T", "1", "Y", "YES"):
        return True
    if value in ("FALSE", "F", "0", "N", "NO"):
        return False
    raise RowError(f"{column} is neither TRUE nor FALSE")


def _raw(row: Row, column: str) -> str | None:
    """A text field as written (message texts keep their spaces and newlines)."""
    value = row.get(column)
    return value if value else None


def message(row: Row, extract: ExtractFile, line: int) -> Record:
    status = row["message_status"].strip()
    return {
        "message_id": row["message_id"].strip(),
        "person_key": text(row, "person_id"),
        "external_person_id": text(row, "external_person_id"),
        "mdn": e164(row),
        "carrier_code": text(row, "carrier_code"),
        "client_message_id": text(row, "client_message_id"),
        "timestamp": extract_time(row.get("timestamp", ""), "timestamp"),
        "message_status": status,
        "delivered": status.upper() == SUCCESS,
        "activity_type": text(row, "activity_type"),
        "activity_id": text(row, "activity_id"),
        "company_id": text(row, "company_id"),
        "content": _raw(row, "content"),
        "other_columns": {k: v for k, v in row.items() if k not in MESSAGE_COLUMNS} or None,
        **origin(extract, line),
    }


def push_message(row: Row, extract: ExtractFile, line: int) -> Record:
    response = text(row, "response_text")
    return {
        "message_id": row["message_id"].strip(),
        "vibes_device_id": text(row, "vibes_device_id") or "",
        "person_key": text(row, "person_id"),
        "external_person_id": text(row, "external_person_id"),
        "os": text(row, "os"),
        "push_token": text(row, "push_token"),
        "client_message_id": text(row, "client_message_id"),
        "receipt_at": extract_time(row.get("receipt_at", ""), "receipt_at"),
        "response_text": response,
        "delivered": None if response is None else response.lower() == "success",
        "activity_type": text(row, "activity_type"),
        "activity_id": text(row, "activity_id"),
        "company_id": text(row, "company_id"),
        "app_id": text(row, "app_id"),
        "content": _raw(row, "content"),
        "subject": _raw(row, "subject"),
        **origin(extract, line),
    }


def url_click(row: Row, extract: ExtractFile, line: int) -> Record:
    return {
        "click_id": row["click_id"].strip(),
        "person_key": text(row, "person_id"),
        "external_person_id": text(row, "external_person_id"),
        "mdn": e164(row),
        "message_id": text(row, "message_id"),
        "click_timestamp": extract_time(row.get("click_timestamp", ""), "click_timestamp"),
        "short_domain": text(row, "short_domain"),
        "short_key": text(row, "short_key"),
        "long_url": text(row, "long_url"),
        "first_click": _flag(row, "first_click"),
        "first_device_click": _flag(row, "first_device_click"),
        "activity_type": text(row, "activity_type"),
        "activity_id": text(row, "activity_id"),
        "company_id": text(row, "company_id"),
        **origin(extract, line),
    }


def wallet_page_view(row: Row, extract: ExtractFile, line: int) -> Record:
    return {
        "view_uid": row["view_uid"].strip(),
        "campaign_uid": text(row, "campaign_uid"),
        "company_id": text(row, "company_id"),
        "wallet_page_type": text(row, "wallet_page_type"),
        "user_agent": _raw(row, "user_agent"),
        "wallet_item_id": text(row, "uuid"),
        "platform": text(row, "platform"),
        "viewed_at": extract_time(row.get("viewed_at", ""), "viewed_at"),
        **origin(extract, line),
    }


MAKERS = {
    MESSAGES: message,
    PUSH_MESSAGES: push_message,
    URL_CLICKS: url_click,
    WALLET_PAGE_VIEWS: wallet_page_view,
}
