"""The analytics extracts' rows (Message, Push Message, URL Click, Wallet Page View; FACTS
§4.2) from the messages :mod:`sent_messages` finds and from the wallet items.

Click and view outcomes are drawn with :func:`sent_messages.draw`, never from the seed's RNG.
"""

from __future__ import annotations

from collections.abc import Iterator

from vibes_emulator.store.state import CompanyState, Record

from .formats import central_time, stable_uid, utc_time
from .sent_messages import HOUR, SHORT_DOMAIN, SUCCESS, SentMessages, draw, status_for, uid

_AGENTS = {
    "passbook": ("iOS 17.1", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) Safari/604.1"),
    "google_wallet": ("Android 13", "Mozilla/5.0 (Linux; Android 13; Pixel 7) Chrome/119.0"),
}
CLICK_SHARE = 0.25

CLICK_HORIZON = 2 * 86_400_000
"""Clicks come at most this long after their message (so a window's clicks are found)."""


def message_rows(state: CompanyState, after_ms: int, until_ms: int) -> Iterator[Record]:
    for sent in SentMessages(state, after_ms, until_ms).all():
        if sent.channel != "sms":
            continue
        person = sent.person
        yield {
            "person_id": person.get("person_key"),
            "external_person_id": person.get("external_person_id"),
            "mdn": person.get("mdn"),
            "carrier_code": person.get("carrier_code"),
            "message_id": sent.message_id,
            "client_message_id": None,
            "timestamp": central_time(sent.at),
            "message_status": sent.status or status_for(sent.message_id, person.get("mdn")),
            "activity_type": sent.activity_type,
            "activity_id": sent.activity_id,
            "company_id": state.key,
            "content": sent.content,
        }


def push_message_rows(state: CompanyState, after_ms: int, until_ms: int) -> Iterator[Record]:
    for sent in SentMessages(state, after_ms, until_ms).all():
        if sent.channel != "push" or sent.device is None:
            continue
        device = sent.device
        os_name = str(device.get("OS") or device.get("os") or "")
        unregistered = draw("push", sent.message_id) < 0.05
        yield {
            "person_id": sent.person.get("person_key"),
            "external_person_id": sent.person.get("external_person_id"),
            "vibes_device_id": device.get("vibes_device_id"),
            "os": "IOS" if os_name.lower() == "ios" else "Android" if os_name else None,
            "push_token": device.get("push_token"),
            "message_id": sent.message_id,
            "client_message_id": None,
            "receipt_at": central_time(sent.at),
            "response_text": "Unregistered" if unregistered else "Success",
            "activity_type": sent.activity_type,
            "activity_id": sent.activity_id,
            "company_id": state.key,
            "app_id": device.get("app_id"),
            "content": sent.content,
            "subject": sent.subject,
        }


def url_click_rows(state: CompanyState, after_ms: int, until_ms: int) -> Iterator[Record]:
    """Clicks in the window on the short links of delivered messages (a quarter of them
    are clicked, one to three times, minutes to hours after delivery)."""
    clicks: list[tuple[int, Record]] = []
    for sent in SentMessages(state, after_ms - CLICK_HORIZON, until_ms).all():
        if not sent.links:
            continue
        person = sent.person
        if status_for(sent.message_id, person.get("mdn")) != SUCCESS:
            continue
        for short, long_url in sent.links:
            if draw("clicked", sent.message_id, short) >= CLICK_SHARE:
                continue
            count = 1 + int(draw("clicks", sent.message_id, short) * 3)
            at = sent.at
            for number in range(count):
                # Most clicks come within the first hour; none after the horizon.
                at += 5_000 + int(draw("delay", sent.message_id, short, number) ** 3 * HOUR * 12)
                if at > sent.at + CLICK_HORIZON or not (after_ms < at <= until_ms):
                    continue
                clicks.append(
                    (
                        at,
                        {
                            "click_id": uid("click", state.key, sent.message_id, short, number),
                            "person_id": person.get("person_key"),
                            "external_person_id": person.get("external_person_id"),
                            "mdn": person.get("mdn"),
                            "message_id": sent.message_id,
                            "click_timestamp": central_time(at),
                            "short_domain": SHORT_DOMAIN,
                            "short_key": short,
                            "long_url": long_url,
                            "first_click": "TRUE" if number == 0 else "FALSE",
                            "first_device_click": "TRUE"
                            if number == 0 or draw("device", sent.message_id, number) < 0.2
                            else "FALSE",
                            "activity_type": sent.activity_type,
                            "activity_id": sent.activity_id,
                            "company_id": state.key,
                        },
                    )
                )
    clicks.sort(key=lambda c: (c[0], c[1]["click_id"]))
    for _, row in clicks:
        yield row


def wallet_page_view_rows(state: CompanyState, after_ms: int, until_ms: int) -> Iterator[Record]:
    """Per pass: the smartlink page its recipient opened to add it, seconds to minutes
    before it was installed, and (Apple passes) the passbook page that served it a second
    before; never before the pass was made."""
    views: list[tuple[int, Record]] = []
    for item in state.tables["wallet_item"].values():
        provider = "google_wallet" if item.get("provider") == "google_wallet" else "passbook"
        platform, agent = _AGENTS[provider]
        wallet_id, item_id = item["wallet_id"], item["wallet_item_id"]
        made = item["created_at"]
        installed = item.get("installed_at") or made
        lead = 5_000 + int(draw("view", state.key, wallet_id, item_id) * 600_000)
        pages = [("smartlink", max(made, installed - lead))]
        if provider == "passbook":
            pages.append(("passbook", max(made, installed - 1_000)))
        for page, at in pages:
            if not (after_ms < at <= until_ms):
                continue
            views.append(
                (
                    at,
                    {
                        "view_uid": uid("wallet_view", state.key, wallet_id, item_id, page),
                        "campaign_uid": stable_uid("wallet_campaign", state.key, wallet_id),
                        "company_id": state.key,
                        "wallet_page_type": page,
                        "user_agent": agent[:255],
                        "uuid": item_id,
                        "platform": platform,
                        "viewed_at": utc_time(at),
                    },
                )
            )
    views.sort(key=lambda v: (v[0], v[1]["view_uid"]))
    for _, row in views:
        yield row
