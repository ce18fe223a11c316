"""Incentive pools, and the issuances and redemptions of the codes in ``incentive_codes_file``
(FACTS §2.12, §7).

Pools are one list with ``updated_at`` (issuing a code changes a pool's counts). Vibes lists
no codes, so issuances and redemptions are read code by code for the codes the file names,
``max_concurrency`` requests in flight, in the file's order (hence unsorted: the bookmark
waits for the stream's end, see bookmarks.py). A code Vibes does not know is logged and
skipped.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from tap_vibes.incentive_codes import IncentiveCodesFile
from tap_vibes.person_ids import PersonId
from tap_vibes.streams.base import VibesStream
from vibes_api import endpoints

if TYPE_CHECKING:
    from singer_sdk.helpers import types

CODES_SETTING = IncentiveCodesFile.setting


class IncentivePoolsStream(VibesStream):
    name = "incentive_pools"
    path = "/incentives/pools"
    primary_keys = ("id",)
    replication_key = "updated_at"


def code_event_record(event: dict[str, Any]) -> dict[str, Any]:
    """An issuance or redemption with its code and pool id at the top (for keys and joins)."""
    record = dict(event)
    record["code"] = (event.get("incentive_code") or {}).get("code")
    record["incentive_pool_id"] = (event.get("incentive_pool") or {}).get("id")
    return record


class _CodeEventsStream(VibesStream):
    primary_keys = ("id",)
    replication_key = "updated_at"
    sorts_records = False

    async def fetch(self, call: endpoints.Call, code: str) -> list[Any] | None:
        raise NotImplementedError

    def get_records(self, context: types.Context | None) -> Iterable[dict[str, Any]]:
        path = self.config.get(CODES_SETTING)
        if not path:
            self.logger.info(
                "No %s set: stream '%s' has nothing to read.", CODES_SETTING, self.name
            )
            return
        codes = IncentiveCodesFile(path)
        count = codes.check()  # a bad line fails the run before any request is made
        self.logger.info("Reading %d codes from %s for stream '%s'.", count, path, self.name)
        events = self._events(self._fetched(codes))
        yield from self.within_window(events, self.bookmark_start(context), self.bookmark_end())

    def _fetched(self, codes: Iterable[PersonId]) -> Iterator[tuple[PersonId, Any]]:
        call = functools.partial(self.session.client.request, metrics=self.metrics)

        async def one(code: PersonId) -> tuple[PersonId, Any]:
            return code, await self.fetch(call, code.value)

        window = int(self.config.get("max_concurrency") or 32)
        return self.session.map_ordered(one, codes, window)

    def _events(self, results: Iterable[tuple[PersonId, Any]]) -> Iterator[dict[str, Any]]:
        for code, events in results:
            if events is None:
                self.progress.add(1, "not found")
                self.logger.warning(
                    "No Vibes incentive code %s (line %d of %s).",
                    code.value,
                    code.line,
                    CODES_SETTING,
                )
                continue
            ordered = sorted(events, key=lambda e: str(e.get("id", "")).zfill(20))
            yield from (code_event_record(e) for e in ordered)


class IncentiveIssuancesStream(_CodeEventsStream):
    name = "incentive_issuances"

    async def fetch(self, call: endpoints.Call, code: str) -> list[Any] | None:
        return await endpoints.code_issuances(call, code)


class IncentiveRedemptionsStream(_CodeEventsStream):
    name = "incentive_redemptions"

    async def fetch(self, call: endpoints.Call, code: str) -> list[Any] | None:
        return await endpoints.code_redemptions(call, code)
