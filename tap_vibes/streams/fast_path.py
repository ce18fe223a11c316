"""The one fast path of the tap's streams: a RECORD goes straight to the writer when the
SDK's message step could not change it.

Per record, the SDK's ``_write_record_message`` (a private method, streams/core.py, 0.54)
walks the selection mask, conforms types and builds a RecordMessage per stream map. When
none of that can change the record (see :meth:`FastRecordPath._direct_writer`) the record
goes to the writer as it is: the same line (tests/tap/test_writer.py) in the same place,
and the same STATE cadence. tests/tap/test_record_path.py compares every message, STATE
included, with the SDK's own path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from singer_sdk import Stream
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.mapper import SameRecordTransform

from tap_vibes.writer import OrjsonSingerWriter

if TYPE_CHECKING:
    from singer_sdk.helpers import types
    from singer_sdk.mapper import StreamMap
    from singer_sdk.singerlib import SelectionMask


class FastRecordPath(Stream):
    """Mixin for a Stream whose records need no SDK message step in the common case."""

    _direct_for: tuple[SelectionMask | None, list[StreamMap] | None] = (None, None)
    _direct: tuple[OrjsonSingerWriter, str] | None = None

    def _write_record_message(self, record: types.Record) -> None:
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
