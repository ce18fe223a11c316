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
so a bookmark never passes an item not yet emitted.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from singer_sdk import SchemaDirectory, Stream, StreamSchema
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.singerlib.catalog import REPLICATION_INCREMENTAL

from tap_vibes.timestamps import bookmark_text, datetime_paths, normalize_record, parse_timestamp
from tap_vibes.writer import OrjsonSingerWriter
from vibes_api.client import quote_id
from vibes_api.masking import mask_logger

if TYPE_CHECKING:
    from singer_sdk.helpers import types
    from singer_sdk.mapper import StreamMap
    from singer_sdk.singerlib import SelectionMask

    from tap_vibes.tap import TapVibes
    from vibes_api.client import VibesClient
    from vibes_api.metrics import ClientMetrics
    from vibes_api.progress import ProgressCounter
    from vibes_api.session import RunSession

SCHEMAS = SchemaDirectory(Path(__file__).resolve().parent.parent / "schemas")
_EARLIEST = datetime.datetime.min.replace(tzinfo=datetime.UTC)
_NO_MAX: tuple[None, None] = (None, None)

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


class VibesStream(Stream):
    """Base stream: declare ``name``, ``path``, ``primary_keys``, ``replication_key``."""

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
    sorts_records: ClassVar[bool] = True
    """Read the whole list, then emit it sorted (and resumable); False keeps source order."""

    def __init__(self, tap: TapVibes, *args: Any, **kwargs: Any) -> None:
        super().__init__(tap, *args, **kwargs)
        mask_logger(self.logger)  # ids in logs may be phone numbers or emails
        self._vibes_tap = tap
        self._counter: ProgressCounter | None = None
        self._datetime_paths = datetime_paths(self.schema)
        self._declared = frozenset(self.schema["properties"])
        self._undeclared_warned: set[str] = set()
        # Per partition of an unsorted stream: the highest bookmark text so far, and the
        # record value it came from when that is a UTC "Z" text (for a cheap comparison).
        self._bookmark_max: dict[Partition, tuple[str, str | None]] = {}
        self._partition_of: tuple[types.Context | None, Partition] = (None, ())
        self._direct_for: tuple[SelectionMask | None, list[StreamMap] | None] = (None, None)
        self._direct: tuple[OrjsonSingerWriter, str] | None = None

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

    @property
    def is_sorted(self) -> bool:
        return self.sorts_records and self.replication_key is not None

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
        self._bookmark_max.pop(_partition(context), None)
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

    def _write_record_message(self, record: types.Record) -> None:
        # Overrides a private SDK method (streams/core.py, 0.54): per record, it walks the
        # selection mask, conforms types and builds a RecordMessage per stream map. When
        # none of that can change the record (see ``_direct_writer``), the record goes to
        # the writer as it is: the same line (tests/tap/test_writer.py), in the same place.
        direct = self._direct_writer()
        if direct is None:
            super()._write_record_message(record)
        else:
            writer, alias = direct
            writer.write_record(alias, record, self._stream_version)
            # As the SDK's own does: the state now lags the records, so the next
            # STATE_MSG_FREQUENCY checkpoint writes it (tests/tap/test_record_path.py).
            self.state_manager.is_flushed = False

    def _direct_writer(self) -> tuple[OrjsonSingerWriter, str] | None:
        """The writer and stream alias when records can skip the SDK's message step:
        every property selected, one identity stream map without flattening, no type
        conformance, and our writer. Decided again when the catalog (the mask) or the
        stream maps change."""
        mask, maps = self.mask, self.stream_maps
        if self._direct_for[0] is not mask or self._direct_for[1] is not maps:
            self._direct_for = (mask, maps)
            writer = self._tap.message_writer
            plain = (
                isinstance(writer, OrjsonSingerWriter)
                and self.TYPE_CONFORMANCE_LEVEL == TypeConformanceLevel.NONE
                and len(maps) == 1
                and type(maps[0]) is SameRecordTransform
                and not maps[0].flattening_enabled
                # A mask lookup falls back to the parent's entry, then True: with every
                # entry True, pop_deselected_record_properties removes nothing.
                and all(mask.values())
            )
            self._direct = (writer, maps[0].stream_alias) if plain else None  # type: ignore[assignment]
        return self._direct

    def _increment_stream_state(
        self, latest_record: types.Record, *, context: types.Context | None = None
    ) -> None:
        # The SDK compares bookmark values as text (meltano/sdk#2753), and Vibes mixes
        # precisions and offsets, so the state sees one fixed-width UTC form instead.
        key = self.replication_key
        if key is not None and self.replication_method == REPLICATION_INCREMENTAL:
            value = latest_record.get(key)
            if not self.is_sorted:
                # The SDK keeps only the running maximum of an unsorted stream, so a value
                # below it changes nothing: skip the SDK's per-record state work.
                known, partition = self._partition_of
                if known is not context or context is None:
                    partition = _partition(context)
                    self._partition_of = (context, partition)
                best, best_raw = self._bookmark_max.get(partition, _NO_MAX)
                # post_process left the value RFC 3339 or, if unreadable, as it came (and
                # an unreadable value is skipped below too). Two RFC 3339 "Z" texts of the
                # same length have the same layout, so as text they compare as instants:
                # the common case needs no conversion at all.
                if (
                    best_raw is not None
                    and isinstance(value, str)
                    and len(value) == len(best_raw)
                    and value[-1:] == "Z"
                    and value < best_raw
                ):
                    return
                text = bookmark_text(value)
                if text is None or (best is not None and text < best):
                    return
                raw = value if isinstance(value, str) and value[-1:] == "Z" else None
                self._bookmark_max[partition] = (text, raw)
            else:
                text = bookmark_text(value)
                if text is None:
                    return
            latest_record = {key: text}
        super()._increment_stream_state(latest_record, context=context)

    def log_sync_costs(self) -> None:
        # Called once per stream at the very end of the tap's sync_all.
        super().log_sync_costs()
        self._counter = None
        self._vibes_tap.stream_finished(self)


Partition = tuple[tuple[str, Any], ...]


def _partition(context: types.Context | None) -> Partition:
    return tuple(sorted((context or {}).items()))
