"""wallet_locations: add the store locations Vibes does not hold yet, in bulk (FACTS §2.9).

Vibes has no update for a location: only bulk adds (up to 1000 per request, each with an
Idempotency-Key) and deletes. So each campaign's locations are read first and every record
is compared with the location of the same ``location_id`` (its identity within the
campaign, mapping.locations):

- the same location held once: unchanged, nothing sent (so tap-vibes output loaded back
  into the same company adds nothing);
- none held: added;
- held but different (or held twice): the record's location is added, then the old one(s)
  deleted ("replace"); deleting only after the add succeeded never leaves the store without
  a location.

Adds go in batches of at most 1000 per campaign, in input order; a batch's Idempotency-Key
is derived from its content (endpoints.locations_idempotency_key), so a retried request, or
a rerun that sends the same batch, adds nothing twice. Vibes accepts or refuses a batch as a
whole: a refused batch (4xx) rejects each of its records with Vibes' reason. Within one
input batch the last row of a location wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from target_vibes.failures import RunStopped
from target_vibes.mapping.locations import (
    KNOWN_COLUMNS,
    LocationWrite,
    location_write,
    same_location,
)
from target_vibes.outcomes import Result
from target_vibes.routing import RouteOption
from target_vibes.sinks.base import Pending, VibesSink, rejection
from vibes_api import endpoints
from vibes_api.client import VibesClient
from vibes_api.errors import VibesAPIError, VibesNotFound, VibesRequestError

Outcomes = list[tuple[Pending, Result]]


class WalletLocationsSink(VibesSink):
    resource = "wallet_locations"
    route_options = {"wallet_id": RouteOption()}

    def prepare(self, record: dict[str, Any]) -> tuple[str | None, Any]:
        extra = tuple(sorted(set(record) - KNOWN_COLUMNS))
        if extra:
            self.warn_ignored(extra)
        write = location_write(record, wallet_id=self.route.option("wallet_id"))
        return f"{write.wallet_id}/{write.location_id}", write

    def supersede(self, group: Sequence[Pending]) -> tuple[list[Pending], list[Pending]]:
        return [group[-1]], list(group[:-1])

    def send_batch(self, pending: list[Pending]) -> None:
        """Per campaign: read, compare, add in bulk, delete what was replaced."""
        if not pending:
            return
        runs = [item for group in self.latest(pending) for item in group]
        by_campaign: dict[str, list[Pending]] = {}
        for item in runs:
            by_campaign.setdefault(item.write.wallet_id, []).append(item)
        for wallet_id, items in by_campaign.items():
            try:
                outcomes = self.session.run(self._campaign(self.session.client, wallet_id, items))
            except VibesRequestError as failure:
                raise RunStopped(
                    f"stream {self.stream_name}: Vibes kept failing: {failure}. The locations "
                    f"of campaign {wallet_id} in this batch were not all written; no STATE was "
                    "emitted after them, so rerunning from the last STATE resumes safely (a "
                    "batch sent again has the same Idempotency-Key and adds nothing twice)",
                    authentication=getattr(failure, "status", None) == 401,
                ) from failure
            for item, result in outcomes:
                self.settle(item.record, result)
        if self.watch.stop is not None:
            raise self.watch.stop

    async def _campaign(
        self, client: VibesClient, wallet_id: str, items: list[Pending]
    ) -> Outcomes:
        api = self.api(client)
        try:
            held = await endpoints.wallet_locations(api, wallet_id)
        except VibesNotFound:
            gone = Result.rejected(f"wallet campaign {wallet_id} does not exist", status=404)
            return [(item, gone) for item in items]
        outcomes, changes = compare(held, items)
        if self.dry_run:
            return outcomes + [(c.item, Result.written(c.action)) for c in changes]
        adds = [c for c in changes if c.add]
        for start in range(0, len(adds), endpoints.MAX_LOCATIONS_PER_ADD):
            chunk = adds[start : start + endpoints.MAX_LOCATIONS_PER_ADD]
            try:
                await endpoints.add_wallet_locations(
                    api, wallet_id, [c.item.write.body for c in chunk]
                )
            except VibesAPIError as failure:
                if not failure.about_the_record:
                    raise
                reason = f"Vibes refused the batch of {len(chunk)} location(s) it was in: "
                for change in chunk:
                    change.refused = True
                    outcomes.append((change.item, rejection(failure, reason + str(failure))))
        for change in changes:
            if change.refused:
                continue
            for location in change.doomed:
                await endpoints.delete_wallet_location(api, wallet_id, location)
            outcomes.append((change.item, Result.written(change.action)))
        return outcomes

    async def write(self, client: VibesClient, write: Any) -> Result:
        raise NotImplementedError("wallet locations are written in bulk (send_batch)")

    async def plan(self, client: VibesClient, write: Any) -> Result:
        raise NotImplementedError("wallet locations are planned in bulk (send_batch)")


@dataclass
class Change:
    """What one record changes: add its location (unless Vibes holds it already) and then
    delete the ``doomed`` ones of the same location_id."""

    item: Pending
    add: bool
    doomed: list[Any]
    refused: bool = False

    @property
    def action(self) -> str:
        return "replace" if self.doomed else "add"


def compare(held: list[Any], items: list[Pending]) -> tuple[Outcomes, list[Change]]:
    """(unchanged records, the changes of the others) against the locations Vibes holds."""
    by_location: dict[str, list[dict[str, Any]]] = {}
    for location in held:
        if isinstance(location, dict):
            by_location.setdefault(str(location.get("location_id")), []).append(location)
    unchanged: Outcomes = []
    changes: list[Change] = []
    for item in items:
        write: LocationWrite = item.write
        found = by_location.get(write.location_id, [])
        equal = [loc for loc in found if same_location(write.body, loc)]
        doomed = [loc.get("id") for loc in found if loc not in equal[:1]]
        if equal and not doomed:
            unchanged.append((item, Result.unchanged("add", reason="same as Vibes has")))
        else:
            changes.append(Change(item, add=not equal, doomed=doomed))
    return unchanged, changes
