"""Requests aiohttp's HTTP parser refuses, HEAD, oversized bodies: raw bytes over loopback,
each answer in Vibes' envelope."""

from __future__ import annotations

import asyncio
import base64
from urllib.parse import urlsplit

import orjson
import pytest

from tests.emulator.test_platform_http import assert_envelope
from vibes_emulator.testing import RunningEmulator

SECRET = "s3cr3t-" * 1300  # a header value over 8,190 bytes that must never be echoed
AUTH = "Authorization: Basic " + base64.b64encode(b"demo:demo").decode()
LISTS = "/companies/demo/mobiledb/subscription_lists"

MALFORMED = {
    "url-too-long": f"GET {LISTS}/{'a' * 9000} HTTP/1.1\r\nHost: x\r\n\r\n",
    "header-too-long": f"GET {LISTS} HTTP/1.1\r\nHost: x\r\nX-Token: {SECRET}\r\n\r\n",
    "bad-request-line": "GARBAGE\r\n\r\n",
    "bad-method": f"G@T {LISTS} HTTP/1.1\r\nHost: x\r\n\r\n",
    "bad-version": f"GET {LISTS} HTTP/9.9\r\nHost: x\r\n\r\n",
    "negative-content-length": (
        "POST /companies/demo/events HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"
    ),
    "length-and-chunked": (
        "POST /companies/demo/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    ),
    "too-many-headers": "GET / HTTP/1.1\r\nHost: x\r\n"
    + "".join(f"X-{n}: y\r\n" for n in range(200))
    + "\r\n",
}


async def exchange(emulator: RunningEmulator, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``raw`` on a fresh connection; the status, headers and body of the answer."""
    where = urlsplit(emulator.url)
    reader, writer = await asyncio.open_connection(where.hostname, where.port)
    writer.write(raw)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=10)  # the server closes
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize("raw", MALFORMED.values(), ids=MALFORMED.keys())
async def test_parser_errors_answer_400_in_the_envelope(
    emulator: RunningEmulator, raw: str
) -> None:
    status, headers, body = await exchange(emulator, raw.encode())
    assert status == 400
    assert headers["content-type"].startswith("application/json")
    messages = assert_envelope(orjson.loads(body))
    assert "s3cr3t" not in messages[0] and len(messages[0]) < 100


async def test_a_body_over_the_size_limit_is_413_in_the_envelope(emulator: RunningEmulator) -> None:
    body = b'{"event_type":"x","event_data":{"pad":"' + b"p" * (1024 * 1024 + 10) + b'"}}'
    raw = (
        f"POST /companies/demo/mobiledb/persons/ HTTP/1.1\r\nHost: x\r\n{AUTH}\r\n"
        "Content-Type: application/json\r\nConnection: close\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    status, headers, answer = await exchange(emulator, raw + body)
    assert status == 413
    assert headers["content-type"].startswith("application/json")
    assert_envelope(orjson.loads(answer))


async def test_head_answers_as_get_without_a_body(emulator: RunningEmulator) -> None:
    request = f"{{}} {LISTS} HTTP/1.1\r\nHost: x\r\n{AUTH}\r\nConnection: close\r\n\r\n"
    get_status, get_headers, get_body = await exchange(emulator, request.format("GET").encode())
    status, headers, body = await exchange(emulator, request.format("HEAD").encode())
    assert (status, body) == (get_status, b"") and get_body
    assert headers["content-type"] == get_headers["content-type"]
    # HEAD is only for GET routes: elsewhere it is 405.
    status, _, _ = await exchange(
        emulator, request.replace(LISTS, "/companies/demo/events").format("HEAD").encode()
    )
    assert status == 405
