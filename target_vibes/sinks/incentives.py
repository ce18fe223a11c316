"""Incentive issuances and redemptions (FACTS §7): writes that use something up for good.

Issuing takes a code out of a finite pool and cannot be undone, so it needs
``allow_incentive_issuance`` (records are rejected naming it otherwise) and it is never
repeated after an ambiguous failure: a lost answer dead-letters the record as "may or may
not have been issued" (``repeatable = False``, and the endpoint never retries). A dry run
reads each pool once and plans the issuances per pool, rejecting those a pool has no code
left for.

A redemption is read before it is sent: the code's issuances and redemptions (for the
record's issuee when it names one) say whether every issuance is already redeemed, and
then the record is unchanged, so loading the same rows twice redeems once. Records that
carry Vibes' ``id`` (tap-vibes output) are unchanged without any request.
"""

from __future__ import annotations

from typing import Any

from target_vibes.mapping.common import MappingError
from target_vibes.mapping.incentives import IncentiveWrite, issuance_write, redemption_write
from target_vibes.outcomes import Result
from target_vibes.routing import RouteOption
from target_vibes.sinks.base import VibesSink
from vibes_api import endpoints
from vibes_api.client import VibesClient

ISSUANCE_SETTING = "allow_incentive_issuance"


def issue_action(pool_id: str) -> str:
    """The plan word of an issuance: one count per pool in the dry run's plan line."""
    return f"issue_from_pool_{pool_id}"


class IncentiveIssuancesSink(VibesSink):
    resource = "incentive_issuances"
    route_options = {"pool_id": RouteOption()}
    repeatable = False
    ambiguous_outcome = "issued this code"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Dry run: per pool, the codes it has left (None: unlimited, a multi pool) and
        # the issuances planned so far. Writes of one pool run in order (keyed by pool).
        self._left: dict[str, int | None] = {}

    def prepare(self, record: dict[str, Any]) -> tuple[str | None, Any]:
        write = issuance_write(record, pool_id=self.route.option("pool_id"))
        self.warn_ignored(write.ignored)
        if not self.config.get(ISSUANCE_SETTING, False):
            raise MappingError(
                f"issuing a code from pool {write.pool_id} uses up a finite pool and cannot be "
                f"undone; refused because {ISSUANCE_SETTING} is false (set it to true to issue)"
            )
        return write.pool_id, write

    async def _issued_before(self, client: VibesClient, write: IncentiveWrite) -> Result | None:
        """Unchanged when the record names a code Vibes already issued to its issuee. (Vibes
        lists no issuances per pool or issuee, so a record without a code cannot be checked:
        each load of it issues a code.)"""
        if write.code is None:
            return None
        issued = await endpoints.code_issuances(self.api(client), write.code) or []
        if any(write.issuee in _issuees(e) for e in issued):
            return Result.unchanged("skip", reason="code already issued to this issuee")
        return None

    async def write(self, client: VibesClient, write: IncentiveWrite) -> Result:
        assert write.pool_id is not None
        done = await self._issued_before(client, write)
        if done is not None:
            return done
        response = await endpoints.issue_incentive_code(self.api(client), write.pool_id, write.body)
        return Result.written(issue_action(write.pool_id), response.status)

    async def plan(self, client: VibesClient, write: IncentiveWrite) -> Result:
        pool_id = write.pool_id
        assert pool_id is not None
        done = await self._issued_before(client, write)
        if done is not None:
            return done
        if pool_id not in self._left:
            pool = await endpoints.incentive_pool(self.api(client), pool_id)
            if pool is None:
                return Result.rejected(f"incentive pool {pool_id!r} does not exist", status=404)
            if not pool.get("issuance_allowed", True):
                return Result.rejected(f"incentive pool {pool_id} does not allow issuing codes")
            unique = (pool.get("distribution") or {}).get("method", "unique") == "unique"
            remaining = (pool.get("incentive_codes") or {}).get("remaining")
            self._left[pool_id] = int(remaining) if unique and remaining is not None else None
        left = self._left[pool_id]
        if left is not None:
            if left <= 0:
                return Result.rejected(f"incentive pool {pool_id} would have no code left")
            self._left[pool_id] = left - 1
        return Result.written(issue_action(pool_id))


class IncentiveRedemptionsSink(VibesSink):
    resource = "incentive_redemptions"
    repeatable = False
    ambiguous_outcome = "redeemed this code"

    def prepare(self, record: dict[str, Any]) -> tuple[str | None, Any]:
        write = redemption_write(record)
        self.warn_ignored(write.ignored)
        return write.code, write

    async def _decide(self, client: VibesClient, write: IncentiveWrite) -> Result | None:
        """The outcome the reads settle (unknown code, nothing to redeem, all redeemed);
        None when the redemption is to be sent."""
        assert write.code is not None
        api = self.api(client)
        issued = await endpoints.code_issuances(api, write.code)
        if issued is None:
            return Result.rejected(f"incentive code {write.code!r} does not exist", status=404)
        redeemed = await endpoints.code_redemptions(api, write.code) or []
        issuee = write.issuee
        if issuee is not None:
            issued = [e for e in issued if issuee in _issuees(e)]
            redeemed = [e for e in redeemed if issuee in _issuees(e)]
        if not issued:
            return Result.rejected(
                f"incentive code {write.code!r} has not been issued"
                + (" to this issuee" if issuee is not None else "")
            )
        if len(redeemed) >= len(issued):
            return Result.unchanged("skip", reason="already redeemed")
        return None

    async def write(self, client: VibesClient, write: IncentiveWrite) -> Result:
        decided = await self._decide(client, write)
        if decided is not None:
            return decided
        assert write.code is not None
        response = await endpoints.redeem_incentive_code(self.api(client), write.code, write.body)
        return Result.written("redeem", response.status)

    async def plan(self, client: VibesClient, write: IncentiveWrite) -> Result:
        return await self._decide(client, write) or Result.written("redeem")


def _issuees(event: dict[str, Any]) -> tuple[Any, Any]:
    return (event.get("external_issuee_id"), event.get("issuee_id"))
