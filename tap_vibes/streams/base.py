"""The one base of every tap-vibes stream: where the SDK's synchronous generators meet asyncio.

A concrete stream declares its name, path, keys and replication key; this class owns the
rest once: reading through the tap's :class:`~vibes_api.session.RunSession` (one runner, one
client), client-side bookmarks on the records' own timestamps (Vibes filters nothing),
a deterministic order, RFC 3339 timestamps, and per-stream progress and request metrics.

Bookmarks: full lists are read whole, sorted by (replication value, primary key) and
declared sorted, so the SDK advances the bookmark record by record and an interrupted run
resumes safely. Streams that cannot sort (wallet items are paged newest first, persons come
in the id file's order) declare ``sorts_records = False``; the SDK then keeps the running
maximum in ``progress_markers`` and promotes it only once the stream (or partition) is done,
so a bookmark never passes an item not yet emitted. How the state moves for each bookmark
kind (instant, position, date) is in bookmarks.py; the fast RECORD path in fast_path.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from singer_sdk import SchemaDirectory, StreamSchema
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.singerlib.catalog import REPLICATION_INCREMENTAL

from tap_vibes.streams.bookmarks import KindBookmarks
from tap_vibes.streams.fast_path import FastRecordPath
from tap_vibes.timestamps import datetime_paths, normalize_record, parse_timestamp
from vibes_api.client import quote_id
from vibes_api.masking import mask_logger

if TYPE_CHECKING:
    from singer_sdk.helpers import types

    from tap_vibes.tap import TapVibes
    from vibes_api.client import VibesClient
    from vibes_api.metrics import ClientMetrics
    from vibes_api.progress import ProgressCounter
    from vibes_api.session import RunSession

SCHEMAS = SchemaDirectory(Path(__file__).resolve().parent.parent / "schemas")
_EARLIEST = datetime.datetime.min.replace(tzinfo=datetime.UTC)

Page = list[dict[str, Any]]


async def read_ahead(pages: AsyncIterator[Page]) -> AsyncIterator[Page]:
    """Ask for the next page while the SDK works through this one (network and the
    per-record work overlap). A source that decides to stop does so before asking."""
    upcoming = asyncio.ensure_future(anext(pages))
    try:
        while True:
            try:
                page = await upcoming
            except StopAsyncIteration:
                return
            upcoming = asyncio.ensure_future(anext(pages))
            yield page
    finally:
        upcoming.cancel()
        with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration, Exception):
            await upcoming
        close = getattr(pages, "aclose", None)
        if close is not None:
            await close()


class VibesStream(FastRecordPath, KindBookmarks):
    """Base stream: declare ``name``, ``path``, ``primary_keys``, ``replication_key`` (and
    ``bookmark_kind`` when the replication value is not an instant, see bookmarks.py)."""

    schema = StreamSchema(SCHEMAS)
    # Records are parsed JSON, so the SDK's per-value type conformance would change nothing
    # but cost most of the per-record time; the one thing it does that matters, dropping
    # properties the schema does not declare, is done here in ``post_process``.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
    path: ClassVar[str] = ""
    """List path relative to the company, e.g. ``/mobiledb/subscription_lists/``."""
    params: ClassVar[dict[str, Any]] = {}
    empty_on_404: ClassVar[bool] = False
    """Vibes answers 404 instead of ``[]`` for some empty lists (FACTS §1.6)."""

    def __init__(self, tap: TapVibes, *args: Any, **kwargs: Any) -> None:
        super().__init__(tap, *args, **kwargs)
        mask_logger(self.logger)  # ids in logs may be phone numbers or emails
        self._vibes_tap = tap
        self._counter: ProgressCounter | None = None
        self._datetime_paths = datetime_paths(self.schema)
        self._declared = frozenset(self.schema["properties"])
        self._undeclared_warned: set[str] = set()

    # -- what concrete streams override ------------------------------------------------------
    async def fetch_pages(
        self,
        client: VibesClient,
        context: types.Context | None,
        since: datetime.datetime | None,
    ) -> AsyncIterator[Page]:
        """Pages of raw records; the default reads ``path`` as one bare-array list.

        ``since`` is the bookmark (or start_date): a paged source may stop early once it
        reaches older records; everything older is dropped afterwards anyway.
        """
        yield await client.get_list(
            self.list_path(context),
            dict(self.params) or None,
            empty_on_404=self.empty_on_404,
            metrics=self.metrics,
        )

    def list_path(self, context: types.Context | None) -> str:
        """``path`` with the context's values filled in (``{wallet_id}``)."""
        return self.path.format(**{k: quote_id(v) for k, v in (context or {}).items()})

    def shape_record(self, record: dict[str, Any], context: types.Context | None) -> dict[str, Any]:
        """Hook for a stream to add fields (e.g. its parent's key); default adds the context."""
        for key, value in (context or {}).items():
            record.setdefault(key, value)
        return record

    # -- the SDK's extension points ----------------------------------------------------------
    @property
    def session(self) -> RunSession:
        return self._vibes_tap.session

    @property
    def progress(self) -> ProgressCounter:
        """This stream's records, requests, retries and 429s (reported on stderr)."""
        if self._counter is None:
            self._counter = self.session.counter(self.name)
        return self._counter

    @property
    def metrics(self) -> ClientMetrics:
        """Passed to every client call made for this stream."""
        return self.progress.metrics

    def get_records(self, context: types.Context | None) -> Iterable[dict[str, Any]]:
        since = self.bookmark_start(context)
        until = self.bookmark_end()
        fetched = self.fetch_pages(self.session.client, context, since)
        pages = self.session.iterate(read_ahead(fetched))
        records: Iterable[dict[str, Any]] = (
            self.shape_record(record, context) for page in pages for record in page
        )
        if self.sorts_records:
            records = sorted(records, key=self.order_key)
        yield from self.within_window(records, since, until)

    def within_window(
        self,
        records: Iterable[dict[str, Any]],
        since: datetime.datetime | None,
        until: datetime.datetime | None,
    ) -> Iterator[dict[str, Any]]:
        """Records whose replication value is >= the bookmark and < end_date (the SDK's
        usual inclusive semantics); records without a readable value always pass."""
        key = self.replication_key
        for record in records:
            if key is not None and (since is not None or until is not None):
                instant = parse_timestamp(record.get(key))
                if instant is not None and (
                    (since is not None and instant < since)
                    or (until is not None and instant >= until)
                ):
                    continue
            yield record

    def post_process(
        self, row: types.Record, context: types.Context | None = None
    ) -> types.Record | None:
        self.progress.add_records()
        if not self._declared.issuperset(row):
            row = self.drop_undeclared(row)
        return normalize_record(row, self._datetime_paths)

    def drop_undeclared(self, row: dict[str, Any]) -> dict[str, Any]:
        """Vibes may add fields at any time (FACTS §1.4); like the SDK, drop and warn once."""
        extra = sorted(set(row) - self._declared - self._undeclared_warned)
        if extra:
            self._undeclared_warned.update(extra)
            self.logger.warning(
                "Stream '%s': dropping properties the schema does not declare: %s",
                self.name,
                ", ".join(extra),
            )
        return {key: value for key, value in row.items() if key in self._declared}

    def order_key(self, record: dict[str, Any]) -> tuple[datetime.datetime, tuple[str, ...]]:
        """(replication instant, primary key as text): a total, repeatable order."""
        instant = None
        if self.replication_key is not None:
            instant = parse_timestamp(record.get(self.replication_key))
        keys = tuple(str(record.get(k, "")) for k in self.primary_keys)
        return (instant or _EARLIEST, keys)

    def bookmark_start(self, context: types.Context | None) -> datetime.datetime | None:
        """Where this sync of the stream (or partition) starts; called once per sync."""
        self.reset_bookmarks(context)
        if self.replication_key is None or self.replication_method != REPLICATION_INCREMENTAL:
            return None
        return self.get_starting_timestamp(context)

    def drop_bookmark(self, state: dict[str, Any], instead: str) -> None:
        """Forget a bookmark of another kind than this stream keeps, saying what it does
        ``instead`` (restarting is safe: records are keyed; skipping would lose some)."""
        self.logger.warning(
            "Stream '%s' bookmark %s=%r is not %s.",
            self.name,
            state.get("replication_key"),
            state.get("replication_key_value"),
            instead,
        )
        for name in ("replication_key", "replication_key_value"):
            state.pop(name, None)

    def bookmark_end(self) -> datetime.datetime | None:
        if self.replication_key is None:
            return None
        return parse_timestamp(self.config.get("end_date"))

    def generate_child_contexts(
        self, record: types.Record, context: types.Context | None
    ) -> Iterable[types.Context | None]:
        # Per record, the SDK asks for a child context and hands it to _sync_children,
        # which loops over the child streams; a stream without children needs neither.
        if not self.child_streams:
            return ()
        return super().generate_child_contexts(record, context)

    def log_sync_costs(self) -> None:
        # Called once per stream at the very end of the tap's sync_all.
        super().log_sync_costs()
        self._counter = None
        self._vibes_tap.stream_finished(self)
