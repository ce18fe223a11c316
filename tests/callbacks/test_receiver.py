"""The receiver over loopback: 2xx only after the commit, 4xx for what is not an event, 5xx
when the journal cannot be written (so Vibes retries), and the secret path."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer

from vibes_callbacks.journal import Journal
from vibes_callbacks.receiver import (
    ReceiverOptions,
    RedactingAccessLogger,
    create_app,
    parse_allow_list,
)


@asynccontextmanager
async def receiver(
    options: ReceiverOptions, journal: Journal | None = None
) -> AsyncIterator[TestClient[object, object]]:
    server = TestServer(create_app(options, journal=journal))
    await server.start_server(access_log_class=RedactingAccessLogger)  # as the CLI runs it
    async with TestClient(server) as client:
        yield client


def _body(event_id: str, kind: str = "person_added") -> bytes:
    return orjson.dumps({"event_id": event_id, "callback_type": kind, "person": {"id": "p"}})


JSON = {"Content-Type": "application/json"}


async def test_post_and_put_are_journaled_and_duplicates_stored_once(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    async with receiver(ReceiverOptions(path)) as client:
        first = await client.post("/callbacks", data=_body("e1"), headers=JSON)
        again = await client.put("/callbacks", data=_body("e1"), headers=JSON)
        text_json = await client.post(
            "/callbacks", data=_body("e2"), headers={"Content-Type": "text/json; charset=utf-8"}
        )
        assert (first.status, again.status, text_json.status) == (200, 200, 200)
        assert (await first.json())["status"] == "stored"
        assert (await again.json())["status"] == "duplicate"
    with Journal.open_existing(path) as journal:
        assert [e.event_id for e in journal.read()] == ["e1", "e2"]


async def test_concurrent_duplicates_are_stored_once(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    async with receiver(ReceiverOptions(path)) as client:
        ids = [f"e{i % 100}" for i in range(300)]
        responses = await asyncio.gather(
            *(client.post("/callbacks", data=_body(i), headers=JSON) for i in ids)
        )
        statuses = [(await r.json())["status"] for r in responses]
        health = await (await client.get("/healthz")).json()
    assert statuses.count("stored") == 100 and statuses.count("duplicate") == 200
    assert health["stored"] == 100 and health["commits"] < 300  # grouped commits
    with Journal.open_existing(path) as journal:
        assert journal.count() == 100


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"{not json", JSON, 400),
        (b"[]", JSON, 400),
        (b"", JSON, 400),
        (b'{"event_id": "x"}', {"Content-Type": "application/x-www-form-urlencoded"}, 415),
    ],
)
async def test_what_is_not_an_event_is_refused_and_not_stored(
    tmp_path: Path, body: bytes, headers: dict[str, str], status: int
) -> None:
    path = tmp_path / "j.db"
    async with receiver(ReceiverOptions(path)) as client:
        response = await client.post("/callbacks", data=body, headers=headers)
        assert response.status == status
        assert (await response.json())["status"] == "error"
    with Journal.open_existing(path) as journal:
        assert journal.count() == 0


async def test_an_event_without_id_is_kept_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    body = b'{"callback_type": "subscription_added", "subscription": {}}'
    async with receiver(ReceiverOptions(path)) as client:
        # No Content-Type at all is accepted too.
        for _ in range(2):
            response = await client.post(
                "/callbacks", data=body, skip_auto_headers=["Content-Type"]
            )
            assert response.status == 200
    with Journal.open_existing(path) as journal:
        (entry,) = journal.read()
    assert entry.event_id.startswith("sha256:")


async def test_oversize_bodies_get_413(tmp_path: Path) -> None:
    options = ReceiverOptions(tmp_path / "j.db", max_body_bytes=1024)
    async with receiver(options) as client:
        big = orjson.dumps({"event_id": "big", "pad": "x" * 2000})
        assert (await client.post("/callbacks", data=big, headers=JSON)).status == 413
        assert (await client.post("/callbacks", data=_body("small"), headers=JSON)).status == 200


async def test_a_locked_journal_answers_503_and_the_retry_is_stored(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    journal = Journal(path, busy_timeout_ms=50)
    async with receiver(ReceiverOptions(path), journal=journal) as client:
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            refused = await client.post("/callbacks", data=_body("e1"), headers=JSON)
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert refused.status == 503
        retried = await client.post("/callbacks", data=_body("e1"), headers=JSON)
        assert retried.status == 200 and (await retried.json())["status"] == "stored"


async def test_a_closed_journal_answers_503(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.db")
    async with receiver(ReceiverOptions(journal.path), journal=journal) as client:
        journal.close()
        response = await client.post("/callbacks", data=_body("e1"), headers=JSON)
        assert response.status == 503


async def test_with_a_secret_only_the_secret_path_accepts_and_logs_hide_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "s3cr3t-path-value"
    caplog.set_level(logging.DEBUG)
    async with receiver(ReceiverOptions(tmp_path / "j.db", secret=secret)) as client:
        assert (await client.post("/callbacks", data=_body("a"), headers=JSON)).status == 404
        wrong = await client.post("/callbacks/guess", data=_body("a"), headers=JSON)
        assert wrong.status == 404
        right = await client.post(f"/callbacks/{secret}", data=_body("a"), headers=JSON)
        assert right.status == 200
    assert "/callbacks/***" in caplog.text
    assert secret not in caplog.text
    assert secret not in repr(ReceiverOptions(tmp_path / "j.db", secret=secret))


async def test_the_allow_list_refuses_other_sources(tmp_path: Path) -> None:
    only_vibes = ReceiverOptions(tmp_path / "a.db", allow_ips=parse_allow_list(["vibes"]))
    async with receiver(only_vibes) as client:
        assert (await client.post("/callbacks", data=_body("a"), headers=JSON)).status == 403
    with_loopback = ReceiverOptions(
        tmp_path / "b.db", allow_ips=parse_allow_list(["vibes-us,vibes-eu", "127.0.0.0/8"])
    )
    async with receiver(with_loopback) as client:
        assert (await client.post("/callbacks", data=_body("a"), headers=JSON)).status == 200


def test_allow_list_names_and_errors() -> None:
    assert len(parse_allow_list(["vibes"])) == 12
    assert len(parse_allow_list(["vibes-eu"])) == 6
    with pytest.raises(ValueError, match="neither an address"):
        parse_allow_list(["example.com"])
