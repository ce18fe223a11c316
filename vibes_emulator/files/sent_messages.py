"""Every message the emulator sent, found in the store, for the analytics extracts.

Sources, each a message the store shows was sent (docs/emulator-choices.md, "Analytics
extracts"):
- broadcasts ``sent`` or ``in_progress``: one message per person subscribed to a source list
  at the send time (at most the broadcast's ``recipient_count``, in person_key order),
  spread over the send (two minutes once enqueued, an hour while still in progress, so an
  in-progress broadcast's later recipients come in a later file). SMS broadcasts go to the
  Message Extract, push broadcasts to each device of the person in the Push Message Extract;
- subscriptions: the confirmation text of an opt-in through an acquisition campaign and of
  a STOP (user or keyword opt-out);
- wallet messages: a push per pass installed when it was sent (matching a group_code filter);
- ``sent_message`` records, when the store keeps them (event-triggered messages), as sent.
Outcomes (delivery status, clicks, page views) are drawn from a hash of the message's
identity, never from the seed's RNG: the same data gives the same rows, whatever was
written before and whenever.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from vibes_emulator.store.seed import BLOCKED_MDN
from vibes_emulator.store.state import CompanyState, Record

MINUTE = 60_000
HOUR = 60 * MINUTE
ENQUEUE_MS = 2 * MINUTE
IN_PROGRESS_MS = HOUR
SUCCESS = "SUCCESS"
# FACTS §4.2 names these failure texts; the weights are the emulator's.
STATUSES = (
    (SUCCESS, 880),
    ("Route Not Found", 40),
    ("Capped Message", 30),
    ("Not Within Delivery Window", 30),
    ("Mdn on blocked list", 20),
)
SHORT_DOMAIN = "vbs.cm"
_URL = re.compile(r"https?://\S+")


def draw(*parts: object) -> float:
    """A number in [0, 1) fixed by ``parts``: this module's own source of chance."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest) / 2**64


def uid(*parts: object) -> str:
    """A UUID-shaped id fixed by ``parts`` (the same one every time the rows are made)."""
    text = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=16).hexdigest()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def status_for(message_id: str, mdn: str | None) -> str:
    if mdn == BLOCKED_MDN:
        return "Mdn on blocked list"
    point = draw("status", message_id) * sum(w for _, w in STATUSES)
    for status, weight in STATUSES:
        if point < weight:
            return status
        point -= weight
    return SUCCESS


@dataclass(frozen=True)
class Sent:
    """One message the emulator sent, before it is shaped into a row."""

    at: int
    message_id: str
    person: Record
    activity_type: str
    activity_id: str
    content: str
    channel: str = "sms"
    device: Record | None = None
    subject: str | None = None
    status: str | None = None  # None: drawn by status_for
    links: tuple[tuple[str, str], ...] = ()  # (short key, long URL) of each shortened link


class SentMessages:
    """Every message of one company sent in (after_ms, until_ms], oldest first."""

    def __init__(self, state: CompanyState, after_ms: int, until_ms: int) -> None:
        self.state = state
        self.after = after_ms
        self.until = until_ms

    def within(self, at: int) -> bool:
        return self.after < at <= self.until

    def all(self) -> list[Sent]:
        found = [
            *self.broadcasts(),
            *self.confirmations(),
            *self.wallet_messages(),
            *self.event_triggered(),
        ]
        found.sort(key=lambda s: (s.at, s.message_id))
        return found

    def _members(self) -> dict[str, list[Record]]:
        by_list: dict[str, list[Record]] = defaultdict(list)
        for sub in self.state.tables["subscription"].values():
            by_list[sub["list_id"]].append(sub)
        return by_list

    def broadcasts(self) -> Iterator[Sent]:
        persons, members = self.state.tables["person"], None
        for broadcast in self.state.tables["broadcast"].values():
            delivery = broadcast.get("delivery") or {}
            start = delivery.get("send_start_date")
            if broadcast["status"] not in ("sent", "in_progress") or start is None:
                continue
            span = ENQUEUE_MS if broadcast["status"] == "sent" else IN_PROGRESS_MS
            if start + span <= self.after or start > self.until:
                continue  # none of its messages falls in the window
            members = members if members is not None else self._members()
            recipients = _subscribed_at(broadcast["targeting"]["source_lists"], members, start)
            # No more than the broadcast says it reached (seeded counts are drawn apart
            # from the lists; this also keeps a big seed's files from growing as N²).
            count = delivery.get("recipient_count")
            recipients = recipients if count is None else recipients[:count]
            targeting = broadcast["targeting"]
            content = targeting["message_template"]
            push = targeting.get("channel") == "push"
            for index, person_key in enumerate(recipients):
                at = start + span * index // max(1, len(recipients))
                person = persons.get(person_key)
                if person is None or not self.within(at):
                    continue
                if push:
                    yield from self._pushes(
                        person, at, "broadcast", broadcast["broadcast_id"], content
                    )
                elif person.get("mdn"):
                    message_id = uid(
                        "message",
                        self.state.key,
                        "broadcast",
                        broadcast["broadcast_id"],
                        person_key,
                    )
                    text, links = _shortened(targeting, content, message_id)
                    yield Sent(
                        at,
                        message_id,
                        person,
                        "broadcast",
                        broadcast["broadcast_id"],
                        text,
                        links=links,
                    )

    def _pushes(
        self, person: Record, at: int, kind: str, activity: str, content: str
    ) -> Iterator[Sent]:
        devices = self.state.tables.get("push_device")
        if devices is None:
            return  # hook: push devices are kept once the store has that table
        for device in sorted(
            devices.group("by_person", person["person_key"]).values(),
            key=lambda d: d["vibes_device_id"],
        ):
            message_id = uid("push", self.state.key, kind, activity, device["vibes_device_id"])
            yield Sent(at, message_id, person, kind, activity, content, "push", device)

    def confirmations(self) -> Iterator[Sent]:
        persons, lists = self.state.tables["person"], self.state.tables["list"]
        for sub in self.state.tables["subscription"].values():
            person = persons.get(sub["person_key"])
            if person is None or not person.get("mdn"):
                continue
            name = (lists.get(sub["list_id"]) or {}).get("name") or "our messages"
            acquisition = sub.get("acquisition_id")
            if acquisition and self.within(sub["opt_in_date"] + 1000):
                yield Sent(
                    sub["opt_in_date"] + 1000,
                    uid("message", self.state.key, "opt_in", sub["id"]),
                    person,
                    "acquisition_campaign",
                    str(acquisition),
                    f"You're subscribed to {name}. Msg&data rates may apply. "
                    "Reply HELP for help, STOP to cancel.",
                )
            out = sub.get("opt_out_date")
            if (
                out is not None
                and sub.get("opt_out_reason") in ("user_opt_out", "keyword_opt_out")
                and self.within(out + 1000)
            ):
                yield Sent(
                    out + 1000,
                    uid("message", self.state.key, "opt_out", sub["id"]),
                    person,
                    "subscription_list",
                    str(sub["list_id"]),
                    f"You are unsubscribed from {name}. No more messages will be sent.",
                )

    def wallet_messages(self) -> Iterator[Sent]:
        items_by_campaign: dict[str, list[Record]] = defaultdict(list)
        for item in self.state.tables["wallet_item"].values():
            items_by_campaign[item["wallet_id"]].append(item)
        for message in self.state.tables["wallet_message"].values():
            sent = message["created_at"]
            if not self.within(sent):
                continue
            groups = [
                f["value"]
                for f in message.get("filters") or []
                if f.get("name") == "group_code" and f.get("selector") == "="
            ]
            content = message["message"]["template"]
            for item in sorted(
                items_by_campaign.get(message["wallet_id"], []), key=lambda i: i["wallet_item_id"]
            ):
                if groups and item.get("group_code") not in groups:
                    continue
                if not _installed_at(item, sent):
                    continue
                device = _pass_device(self.state.key, item)
                message_id = uid(
                    "push",
                    self.state.key,
                    "wallet_message",
                    message["wallet_message_id"],
                    item["wallet_item_id"],
                )
                yield Sent(
                    sent,
                    message_id,
                    {},
                    "wallet_message",
                    message["wallet_message_id"],
                    content,
                    "push",
                    device,
                    message["message"].get("header"),
                )

    def event_triggered(self) -> Iterator[Sent]:
        """The store's ``sent_message`` records (event-triggered messages), when it keeps
        them: fields as vibes_emulator/store/messages.py of that work describes them."""
        table = self.state.tables.get("sent_message")
        if table is None:
            return
        persons, devices = self.state.tables["person"], self.state.tables.get("push_device")
        for record in table.values():
            at = record["queued_at"]
            if not self.within(at):
                continue
            person = persons.get(record["person_key"]) or {
                "person_key": record["person_key"],
                "mdn": record.get("mdn"),
            }
            device = None
            if record.get("channel") == "push":
                device_id = record.get("vibes_device_id") or ""
                found = devices.find("by_device_id", device_id) if devices is not None else None
                device = found or {"vibes_device_id": device_id, "app_id": record.get("app_id")}
            status = SUCCESS if record.get("status") == "delivered" else record.get("status")
            yield Sent(
                at,
                record["message_id"],
                person,
                "event_triggered_message",
                str(record.get("event_triggered_message_id")),
                record.get("message") or "",
                record.get("channel") or "sms",
                device,
                None,
                status,
            )


def _subscribed_at(list_ids: Iterable[str], members: dict[str, list[Record]], at: int) -> list[str]:
    keys = {
        sub["person_key"]
        for list_id in list_ids
        for sub in members.get(list_id, ())
        if sub["opt_in_date"] <= at
        and (sub.get("opt_out_date") is None or sub["opt_out_date"] > at)
    }
    return sorted(keys)


def _installed_at(item: Record, at: int) -> bool:
    installed = item.get("installed_at") or item["created_at"]
    removed = item.get("removed_at")
    return installed <= at and (item["active"] or (removed is not None and removed > at))


def _pass_device(company: str, item: Record) -> Record:
    apple = item.get("provider") != "google_wallet"
    key = uid("pass_device", company, item["wallet_id"], item["wallet_item_id"])
    return {
        "vibes_device_id": key,
        "OS": "IOS" if apple else "Android",
        "push_token": key.replace("-", ""),
        "app_id": item["wallet_id"],
    }


def _shortened(
    targeting: Record, content: str, message_id: str
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The text as sent: with ``shorten_urls`` each link becomes the recipient's short URL."""
    if not targeting.get("shorten_urls"):
        return content, ()
    links: list[tuple[str, str]] = []

    def shorten(match: re.Match[str]) -> str:
        key = short_key(message_id, match.group(0))
        links.append((key, match.group(0)))
        return f"http://{SHORT_DOMAIN}/{key}"

    return _URL.sub(shorten, content), tuple(links)


def short_key(message_id: str, long_url: str) -> str:
    alphabet = "0123456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
    number = int(draw("short", message_id, long_url) * 2**48)
    key = ""
    while len(key) < 7:
        number, digit = divmod(number, len(alphabet))
        key += alphabet[digit]
    return key
