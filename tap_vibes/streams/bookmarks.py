"""Bookmark kinds: what a stream's replication value is, and how its state moves.

Every tap-vibes stream declares one kind on its class (``bookmark_kind``); the one
override of the SDK's private ``_increment_stream_state`` is here, so no stream skips it:

- ``INSTANT``: the records' own timestamps. The SDK compares bookmark values as text
  (meltano/sdk#2753) and Vibes mixes precisions and offsets, so the state sees one
  fixed-width UTC form. An unsorted stream keeps the running maximum per partition here and
  skips the SDK's per-record state work for a value below it (the SDK would change nothing).
- ``POSITION``: integers that only grow in emission order (journal positions), as they are.
- ``DATE``: the day (``YYYY-MM-DD``) of the last whole file emitted: a record of a newer day
  says the older day's file is done; the stream commits its last file at its end.

POSITION and DATE values only grow, so the SDK may advance them record by record.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, ClassVar

from singer_sdk import Stream
from singer_sdk.singerlib.catalog import REPLICATION_INCREMENTAL

from tap_vibes.timestamps import bookmark_text

if TYPE_CHECKING:
    from singer_sdk.helpers import types

Partition = tuple[tuple[str, Any], ...]
_NO_MAX: tuple[None, None] = (None, None)


class BookmarkKind(enum.Enum):
    INSTANT = "instant"
    POSITION = "position"
    DATE = "date"


class KindBookmarks(Stream):
    """Mixin: the state logic of a stream by its ``bookmark_kind``."""

    bookmark_kind: ClassVar[BookmarkKind] = BookmarkKind.INSTANT
    sorts_records: ClassVar[bool] = True
    """INSTANT only: records go out sorted by their instant (else the maximum waits)."""

    # INSTANT, unsorted: per partition, the highest bookmark text so far and the record value
    # it came from when that is a UTC "Z" text (for a cheap comparison).
    _bookmark_max: dict[Partition, tuple[str, str | None]]
    _partition_of: tuple[types.Context | None, Partition] = (None, ())
    # DATE: the day of the file whose records are going out (its bookmark waits for its end).
    _reading: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bookmark_max = {}

    @property
    def is_sorted(self) -> bool:
        if self.bookmark_kind is not BookmarkKind.INSTANT:
            return True  # positions and file dates only grow
        return self.sorts_records and self.replication_key is not None

    def reset_bookmarks(self, context: types.Context | None) -> None:
        """Called at the start of each sync of the stream (or partition)."""
        self._bookmark_max.pop(partition_of(context), None)
        self._reading = None

    def commit_bookmark(self, value: Any, context: types.Context | None) -> None:
        """Hand ``value`` to the SDK's state as it is (a DATE stream's finished file)."""
        if self.replication_key is not None:
            super()._increment_stream_state({self.replication_key: value}, context=context)

    def _increment_stream_state(
        self, latest_record: types.Record, *, context: types.Context | None = None
    ) -> None:
        key = self.replication_key
        if key is None or self.replication_method != REPLICATION_INCREMENTAL:
            super()._increment_stream_state(latest_record, context=context)
            return
        value = latest_record.get(key)
        kind = self.bookmark_kind
        if kind is BookmarkKind.INSTANT:
            if not self.is_sorted:
                # The SDK keeps only the running maximum of an unsorted stream, so a value
                # below it changes nothing: skip the SDK's per-record state work.
                known, partition = self._partition_of
                if known is not context or context is None:
                    partition = partition_of(context)
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
            super()._increment_stream_state({key: text}, context=context)
        elif kind is BookmarkKind.POSITION:
            super()._increment_stream_state(latest_record, context=context)
        elif value != self._reading:  # DATE
            done, self._reading = self._reading, value
            if done is not None:
                self.commit_bookmark(done, context)


def partition_of(context: types.Context | None) -> Partition:
    return tuple(sorted((context or {}).items()))
