"""Singer messages written with orjson, through the SDK's writer extension point.

The SDK's default writer serializes with simplejson and flushes stdout after every message;
this one serializes with orjson and batches RECORD lines (up to ``BATCH_BYTES``) into one
write, flushing them, then stdout, before every SCHEMA, STATE or other message, so a target
sees every bookmark promptly and never before the records it covers. ``write_record`` is
the streams' fast path: it serializes a record's message dict directly, with exactly the
keys and values :class:`~singer_sdk.singerlib.encoding.simple.RecordMessage` would produce,
without building the message object. Decimals go out as the exact same digits
(``orjson.Fragment``), datetimes as ISO-8601 like the SDK's own encoder.
"""

from __future__ import annotations

import datetime
import decimal
import sys
import weakref
from typing import Any, TextIO

import orjson
from singer_sdk.singerlib.encoding.base import GenericSingerWriter
from singer_sdk.singerlib.encoding.simple import Message, RecordMessage
from singer_sdk.singerlib.json import serialize_json

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_APPEND_NEWLINE
BATCH_BYTES = 1 << 16
"""RECORD lines are joined into writes of about this size (a pipe's default capacity)."""


def _default(value: Any) -> Any:
    """What orjson cannot encode itself: exact decimals, and anything else as text."""
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return None
        return orjson.Fragment(str(value).encode())
    if isinstance(value, datetime.datetime):  # subclasses orjson rejects
        return value.isoformat(sep="T")
    return str(value)


def dumps_message(message: dict[str, Any]) -> bytes:
    """One Singer message as a JSON line (bytes, newline included)."""
    try:
        return orjson.dumps(message, default=_default, option=_OPTIONS)
    except (orjson.JSONEncodeError, TypeError):
        # orjson refuses integers beyond 64 bits; the SDK's encoder keeps them exact.
        return (serialize_json(message) + "\n").encode()


class _PendingLines:
    """RECORD lines not yet handed to stdout, and the stdout they were written for.

    Kept apart from the writer so a ``weakref.finalize`` can flush it at interpreter exit
    (as Python flushes stdout's own buffer) without keeping the writer alive.
    """

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.size = 0
        self.target: TextIO | None = None

    def add(self, line: bytes) -> None:
        target = sys.stdout
        if target is not self.target:
            # stdout was swapped (the SDK's test runners redirect it): earlier lines go
            # to the stream that was current when they were written.
            self.flush()
            self.target = target
        self.lines.append(line)
        self.size += len(line)
        if self.size >= BATCH_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self.lines:
            return
        data = b"".join(self.lines)
        self.lines.clear()
        self.size = 0
        _write(self.target if self.target is not None else sys.stdout, data)


def _write(stream: TextIO, data: bytes) -> None:
    buffer = getattr(stream, "buffer", None)
    try:
        if buffer is not None:
            buffer.write(data)
        else:  # a text-only stream such as io.StringIO
            stream.write(data.decode())
    except ValueError:  # closed: a late flush of a finished test runner's stream
        if stream is sys.stdout:
            raise


class OrjsonSingerWriter(GenericSingerWriter[bytes, Message]):
    """Writes Singer messages to the current ``sys.stdout`` (looked up per message, so
    ``contextlib.redirect_stdout`` in the SDK's test runners works)."""

    def __init__(self) -> None:
        super().__init__()
        self._pending = _PendingLines()
        weakref.finalize(self, self._pending.flush)

    def serialize_message(self, message: Message) -> bytes:
        return dumps_message(message.to_dict())

    def write_record(self, stream: str, record: dict[str, Any], version: int | None) -> None:
        """A RECORD message, exactly as ``RecordMessage(...).to_dict()`` would serialize
        with ``time_extracted`` now, without building the message object."""
        message: dict[str, Any] = {"type": "RECORD", "stream": stream, "record": record}
        if version is not None:
            message["version"] = version
        message["time_extracted"] = datetime.datetime.now(datetime.UTC)
        self._pending.add(dumps_message(message))

    def write_message(self, message: Message) -> None:
        line = self.format_message(message)
        if isinstance(message, RecordMessage):
            self._pending.add(line)
            return
        # STATE (and SCHEMA) must not wait in a buffer behind the records they cover.
        self.flush()
        stream = sys.stdout
        _write(stream, line)
        # Flushing the text layer flushes the byte buffer under it as well.
        stream.flush()

    def flush(self) -> None:
        """Hand every pending RECORD line to stdout (its own buffer may still hold them)."""
        self._pending.flush()
