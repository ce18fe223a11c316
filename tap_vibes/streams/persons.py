"""Persons and their subscriptions, for the ids in ``person_ids_file`` (FACTS §2.1, §2.3, §5).

Vibes has no list of persons: each is read alone, by key, external id or MDN. Both streams
read the ids file (a streamed CSV; reading it costs nothing next to one request per id) and
keep ``max_concurrency`` requests in flight through ``map_ordered``, emitting in the file's
order. Why subscribers is not an SDK child of persons: the SDK syncs a child once per
parent record (a SCHEMA message and log lines per person), and only for parent records that
are emitted, so an incremental persons run would skip the subscriptions of persons whose
``updated_at`` did not move (nothing documents that an opt-out moves it). As separate
streams, persons stays incremental, subscribers stays complete, and each makes only the
requests it needs: one per id (two for an MDN, which must first be resolved to a key).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from tap_vibes.not_found import MAX_NOT_FOUND_RATIO, NotFoundTally
from tap_vibes.person_ids import PersonId, PersonIdsFile
from tap_vibes.streams.base import VibesStream
from tap_vibes.timestamps import parse_timestamp
from vibes_api import endpoints

if TYPE_CHECKING:
    from singer_sdk.helpers import types

    from vibes_api.client import VibesClient
    from vibes_api.metrics import ClientMetrics


def _api(client: VibesClient, metrics: ClientMetrics) -> endpoints.Call:
    return functools.partial(client.request, metrics=metrics)


async def fetch_person(
    client: VibesClient, person_id: PersonId, metrics: ClientMetrics
) -> dict[str, Any] | None:
    """The person an id names, or None when Vibes knows no such person (404)."""
    return await endpoints.find_person(_api(client, metrics), person_id.kind, person_id.value)


async def fetch_subscriptions(
    client: VibesClient, person_id: PersonId, metrics: ClientMetrics
) -> list[dict[str, Any]] | None:
    """Every subscription of the person, opted-out ones included; None for an unknown person."""
    api = _api(client, metrics)
    person = await endpoints.person_ref(api, person_id.kind, person_id.value)
    return None if person is None else await endpoints.subscriptions(api, person)


async def fetch_push_devices(
    client: VibesClient, person_id: PersonId, metrics: ClientMetrics
) -> list[dict[str, Any]] | None:
    """The person's push devices, each with its ``person_key``; None for an unknown person.

    Records are keyed by ``person_key``, so an external id or MDN is looked up first (one
    request more, as subscribers make for an MDN)."""
    api = _api(client, metrics)
    key = person_id.value if person_id.kind == "person_key" else None
    if key is None:
        person = await endpoints.find_person(api, person_id.kind, person_id.value)
        key = None if person is None else person.get("person_key")
    if not key:
        return None
    devices = await endpoints.push_devices(api, endpoints.person_path("person_key", str(key)))
    return None if devices is None else [push_device_record(d, str(key)) for d in devices]


def push_device_record(device: dict[str, Any], person_key: str) -> dict[str, Any]:
    """A device with its owner and app; ``os`` (the docs' spelling) read as ``OS`` (OAS)."""
    record = dict(device)
    if "OS" not in record and "os" in record:
        record["OS"] = record.pop("os")
    from_url = endpoints.device_of_url(record.get("url"))
    if record.get("app_id") is None and from_url is not None:
        record["app_id"] = from_url[0]
    record["person_key"] = person_key
    return record


def subscriber_record(subscription: dict[str, Any]) -> dict[str, Any]:
    """One subscriber record: the subscription with its person and list keys at the top."""
    person = subscription.get("person") or {}
    listed = subscription.get("subscription_list") or {}
    record = dict(subscription)
    record["person_key"] = person.get("id") or person.get("person_key")
    record["subscription_list_id"] = listed.get("id")
    record["active"] = subscription.get("opt_out_date") is None
    record["changed_at"] = last_change(subscription)
    return record


def last_change(subscription: dict[str, Any]) -> Any:
    """When the subscription last changed: its opt-out if it has one, else its opt-in.

    Subscriptions carry no ``updated_at`` (FACTS §2.3), but an opt-out only ever follows its
    own opt-in and a re-subscription is a new record, so this is the subscription's own
    change timestamp and a sound bookmark.
    """
    return subscription.get("opt_out_date") or subscription.get("opt_in_date")


class _PersonIdsStream(VibesStream):
    """Shared by persons and subscribers: ids from the file, hydrated many at a time."""

    sorts_records = False

    _tally: NotFoundTally | None = None

    def person_ids(self) -> Iterable[PersonId] | None:
        path = self.config.get("person_ids_file")
        if not path:
            self.logger.info("No person_ids_file set: stream '%s' has nothing to read.", self.name)
            return None
        ids = PersonIdsFile(path)
        count = ids.check()  # a bad line fails the run before any request is made
        self.logger.info("Reading %d ids from %s for stream '%s'.", count, path, self.name)
        limit = self.config.get("max_not_found_ratio")
        self._tally = NotFoundTally(
            self.name,
            str(self.config.get("company_key")),
            count,
            MAX_NOT_FOUND_RATIO if limit is None else float(limit),
        )
        return ids

    def found(self) -> None:
        if self._tally is not None:
            self._tally.found()

    def not_found(self, person_id: PersonId) -> None:
        self.progress.add(1, "not found")
        self.logger.warning(
            "No Vibes person for %s (line %d of person_ids_file); %d not found so far.",
            person_id.describe(),
            person_id.line,
            self.progress.counts().get("not found", 0),
        )
        if self._tally is not None:
            self._tally.missing()  # raises once max_not_found_ratio is surely exceeded

    def hydrate(self, ids: Iterable[PersonId], fetch: Any) -> Iterator[tuple[PersonId, Any]]:
        """(id, fetched) in file order, ``max_concurrency`` fetches in flight."""
        client, metrics = self.session.client, self.metrics

        async def one(person_id: PersonId) -> tuple[PersonId, Any]:
            return person_id, await fetch(client, person_id, metrics)

        window = int(self.config.get("max_concurrency") or 32)
        return self.session.map_ordered(one, ids, window)


class PersonsStream(_PersonIdsStream):
    name = "persons"
    primary_keys = ("person_key",)
    replication_key = "updated_at"

    def get_records(self, context: types.Context | None) -> Iterable[dict[str, Any]]:
        ids = self.person_ids()
        if ids is None:
            return
        persons = self._found(self.hydrate(ids, fetch_person))
        yield from self.within_window(persons, self.bookmark_start(context), self.bookmark_end())

    def _found(self, results: Iterable[tuple[PersonId, Any]]) -> Iterator[dict[str, Any]]:
        for person_id, person in results:
            if person is None:
                self.not_found(person_id)
            else:
                self.found()
                yield person


class SubscribersStream(_PersonIdsStream):
    name = "subscribers"
    primary_keys = ("person_key", "subscription_list_id", "opt_in_date")
    replication_key = "changed_at"

    def get_records(self, context: types.Context | None) -> Iterable[dict[str, Any]]:
        ids = self.person_ids()
        if ids is None:
            return
        subscribers = self._subscribers(self.hydrate(ids, fetch_subscriptions))
        yield from self.within_window(
            subscribers, self.bookmark_start(context), self.bookmark_end()
        )

    def _subscribers(self, results: Iterable[tuple[PersonId, Any]]) -> Iterator[dict[str, Any]]:
        for person_id, subscriptions in results:
            if subscriptions is None:
                self.not_found(person_id)
                continue
            self.found()
            records = [subscriber_record(s) for s in subscriptions]
            records.sort(key=_subscription_order)
            yield from records


def _subscription_order(record: dict[str, Any]) -> tuple[str, str]:
    opt_in = parse_timestamp(record.get("opt_in_date"))
    return (str(record.get("subscription_list_id")), opt_in.isoformat() if opt_in else "")


class PushDevicesStream(_PersonIdsStream):
    """Push devices of each person in the ids file. Devices carry no timestamps (§2.12), so
    the stream is a full table: every run emits every device of every person."""

    name = "push_devices"
    primary_keys = ("app_id", "vibes_device_id")
    replication_key = None

    def get_records(self, context: types.Context | None) -> Iterable[dict[str, Any]]:
        ids = self.person_ids()
        if ids is None:
            return
        for person_id, devices in self.hydrate(ids, fetch_push_devices):
            if devices is None:
                self.not_found(person_id)
                continue
            self.found()
            yield from sorted(devices, key=_device_order)


def _device_order(record: dict[str, Any]) -> tuple[str, str]:
    return (str(record.get("app_id")), str(record.get("vibes_device_id")))
