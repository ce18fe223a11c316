"""persons: upsert by external id (idempotent PUT), by MDN (POST 201/200), or update by key.

Decision rule, by ``match_on`` (``auto`` = external_person_id when the record has one,
else mdn):
- external_person_id: PUT /mobiledb/persons/external/{id}; 201 created, 200 updated.
- mdn: POST /mobiledb/persons/; 201 created, 200 merged into the person with that MDN.
- person_key: PUT /mobiledb/persons/{key}; keys cannot be created, so a 404 rejects the
  record (in mode update_only it is skipped like any missing person).
``mode: update_only`` looks the person up first (by external id or MDN) and skips, as
"unchanged", persons that do not exist; nothing is created.

A 200 whose ``updated_at`` is older than the answer itself (by at least 2 s of the
server's own clock, the ``Date`` header) means Vibes changed nothing: "unchanged".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

from target_vibes.mapping import PersonWrite, person_write
from target_vibes.mapping.people import MATCH_ON, person_difference
from target_vibes.outcomes import Result
from target_vibes.routing import RouteOption
from target_vibes.sinks.base import VibesSink
from vibes_api import endpoints
from vibes_api.client import VibesClient, VibesResponse
from vibes_api.errors import VibesNotFound
from vibes_api.values import Identity

UNTOUCHED_MARGIN = dt.timedelta(seconds=2)


def _instant(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def untouched(data: Any, headers: Mapping[str, str]) -> bool:
    """Whether a person answer shows that this write changed nothing.

    Both instants come from the server's clock, so the client's clock cannot skew it;
    anything within the margin counts as changed (conservative: "written").
    """
    if not isinstance(data, Mapping):
        return False
    updated = _instant(data.get("updated_at"))
    date_header = headers.get("Date")
    if updated is None or not date_header:
        return False
    try:
        answered = parsedate_to_datetime(date_header)
    except (TypeError, ValueError):
        return False
    if answered.tzinfo is None:
        answered = answered.replace(tzinfo=dt.UTC)
    return updated <= answered - UNTOUCHED_MARGIN


def person_result(response: VibesResponse) -> Result:
    """Outcome of a successful person write from its status and body."""
    if response.status == 201:
        return Result.written("create", 201)
    if untouched(response.data, response.headers):
        return Result.unchanged("update", response.status, "no field changed")
    return Result.written("update", response.status)


class PersonsSink(VibesSink):
    resource = "persons"
    route_options = {
        "match_on": RouteOption(MATCH_ON, default="auto"),
        "mode": RouteOption(("upsert", "update_only"), default="upsert"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Custom fields some person of this company showed: they exist (dry run).
        self._fields_seen: set[str] = set()

    def prepare(self, record: dict[str, Any]) -> tuple[str | None, Any]:
        write = person_write(record, self.route.options["match_on"])
        self.warn_ignored(write.ignored)
        return f"{write.identity.kind}:{write.identity.value}", write

    async def _current(self, client: VibesClient, identity: Identity) -> dict[str, Any] | None:
        """The person Vibes has for this identity, None when there is none."""
        person = await endpoints.find_person(self.api(client), identity.kind, identity.value)
        fields = person.get("custom_fields") if person else None
        if isinstance(fields, dict):
            self._fields_seen.update(fields)
        return person

    async def _exists(self, client: VibesClient, identity: Identity) -> bool:
        return await self._current(client, identity) is not None

    def _missing(self, identity: Identity) -> Result:
        if self.route.option("mode") == "update_only":
            return Result.unchanged(
                "skip", 404, f"no person with this {identity.kind} (update_only)"
            )
        return Result.rejected(
            f"no person has this {identity.kind}; match_on person_key only updates existing "
            "persons (match on external_person_id or mdn to create them)",
            status=404,
        )

    async def write(self, client: VibesClient, write: PersonWrite) -> Result:
        identity = write.identity
        if (
            self.route.option("mode") == "update_only"
            and identity.kind != "person_key"
            and not await self._exists(client, identity)
        ):
            return self._missing(identity)
        if identity.kind == "mdn":
            response = await endpoints.create_person(self.api(client), write.body)
            return person_result(response)
        try:
            response = await endpoints.update_person(
                self.api(client), identity.kind, identity.value, write.body
            )
        except VibesNotFound:
            if identity.kind != "person_key":
                raise
            return self._missing(identity)
        return person_result(response)

    async def plan(self, client: VibesClient, write: PersonWrite) -> Result:
        """The write's outcome from reads: the person as Vibes has it, compared field by
        field, and for a create whether its MDN already belongs to someone else."""
        current = await self._current(client, write.identity)
        if current is None:
            if write.identity.kind == "person_key" or self.route.option("mode") == "update_only":
                return self._missing(write.identity)
            return await self._plan_create(client, write)
        verdict, reason = person_difference(write.body, current, self._fields_seen)
        if verdict == "same":
            return Result.unchanged("update", 200, reason)
        if verdict == "conflict":
            return Result.rejected(reason, status=409)
        if verdict == "unverified":
            return Result.unverified("update", reason)
        return Result.written("update")

    async def _plan_create(self, client: VibesClient, write: PersonWrite) -> Result:
        phone = write.body.get("mobile_phone")
        if write.identity.kind == "mdn" or not isinstance(phone, dict):
            return Result.written("create")
        holder = await self._current(client, Identity("mdn", str(phone["mdn"])))
        if holder is not None and holder.get("external_person_id") != write.identity.value:
            return Result.rejected(
                "the record's mdn belongs to another person in Vibes (409)", status=409
            )
        return Result.written("create")
