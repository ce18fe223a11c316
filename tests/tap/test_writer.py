"""The orjson writer: same JSON as the SDK's encoder for decimals and datetimes, bytes out."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import orjson
from singer_sdk.singerlib import RecordMessage, SchemaMessage, StateMessage
from singer_sdk.singerlib.json import deserialize_json, serialize_json

from tap_vibes.tap import TapVibes
from tap_vibes.writer import OrjsonSingerWriter, dumps_message

RECORD = {
    "price": Decimal("1.10"),
    "huge": Decimal("12345678901234567890.123456789012345678"),
    "tiny": Decimal("1E-30"),
    "updated_at": datetime(2017, 1, 15, 14, 30, 5, 664000, tzinfo=UTC),
    "local": datetime(2017, 1, 15, 8, 30, tzinfo=timezone(timedelta(hours=-6))),
    "nested": {"values": [Decimal("0.1"), None, True, "x"]},
}


def test_decimals_and_datetimes_match_the_sdk_encoder() -> None:
    message = RecordMessage(stream="s", record=dict(RECORD)).to_dict()
    ours = dumps_message(message)
    assert ours.endswith(b"\n")
    parsed = deserialize_json(ours.decode())  # floats parsed as Decimal, like a target does
    assert parsed == deserialize_json(serialize_json(message))
    assert parsed["record"]["price"] == Decimal("1.10")
    assert str(parsed["record"]["price"]) == "1.10"  # exact digits, not 1.1
    assert parsed["record"]["huge"] == RECORD["huge"]
    assert parsed["record"]["tiny"] == Decimal("1E-30")
    assert parsed["record"]["updated_at"] == "2017-01-15T14:30:05.664000+00:00"
    assert parsed["record"]["local"] == "2017-01-15T08:30:00-06:00"


def test_integers_beyond_64_bits_fall_back_to_an_exact_encoder() -> None:
    big = 2**80 + 1
    line = dumps_message({"type": "RECORD", "stream": "s", "record": {"n": big}})
    assert orjson.loads(line.replace(str(big).encode(), b"0"))["record"]["n"] == 0
    assert str(big).encode() in line


def test_writes_bytes_to_the_current_stdout_as_the_sdk_test_runner_sets_it() -> None:
    buffer = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    writer = OrjsonSingerWriter()
    with redirect_stdout(buffer):
        writer.write_message(SchemaMessage("s", {"type": "object", "properties": {}}, ["id"]))
        writer.write_message(RecordMessage(stream="s", record={"id": 1, "v": Decimal("2.50")}))
        writer.write_message(StateMessage(value={"bookmarks": {}}))
    buffer.seek(0)
    lines = [orjson.loads(line) for line in buffer.read().splitlines()]
    assert [m["type"] for m in lines] == ["SCHEMA", "RECORD", "STATE"]
    assert lines[1]["record"] == {"id": 1, "v": 2.5}


def test_writes_text_when_stdout_has_no_byte_buffer() -> None:
    text = io.StringIO()
    with redirect_stdout(text):
        OrjsonSingerWriter().write_message(StateMessage(value={"a": Decimal("1.0")}))
    assert text.getvalue() == '{"type":"STATE","value":{"a":1.0}}\n'


def test_the_tap_uses_the_orjson_writer() -> None:
    assert TapVibes.message_writer_class is OrjsonSingerWriter
