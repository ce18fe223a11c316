"""Singer messages written with orjson, through the SDK's writer extension point.

The SDK's default writer serializes with simplejson and flushes stdout after every message;
this one serializes with orjson, lets stdout's own buffer batch records, and flushes at
SCHEMA and STATE messages so a target sees every bookmark promptly. Decimals go out as the
exact same digits (``orjson.Fragment``), datetimes as ISO-8601 like the SDK's own encoder.
"""

from __future__ import annotations

import datetime
import decimal
import sys
from typing import Any

import orjson
from singer_sdk.singerlib.encoding.base import GenericSingerWriter
from singer_sdk.singerlib.encoding.simple import Message, RecordMessage
from singer_sdk.singerlib.json import serialize_json

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_APPEND_NEWLINE


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


class OrjsonSingerWriter(GenericSingerWriter[bytes, Message]):
    """Writes Singer messages to the current ``sys.stdout`` (looked up per message, so
    ``contextlib.redirect_stdout`` in the SDK's test runners works)."""

    def serialize_message(self, message: Message) -> bytes:
        return dumps_message(message.to_dict())

    def write_message(self, message: Message) -> None:
        line = self.format_message(message)
        stream = sys.stdout
        buffer = getattr(stream, "buffer", None)
        if buffer is not None:
            buffer.write(line)
        else:  # a text-only stream such as io.StringIO
            stream.write(line.decode())
        if not isinstance(message, RecordMessage):
            # STATE (and SCHEMA) must not wait in a buffer behind the records they cover.
            # Flushing the text layer flushes the byte buffer under it as well.
            stream.flush()
