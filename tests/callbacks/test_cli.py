"""``vibes-callbacks serve`` as a process: clean stops, and no acknowledged event lost to a
SIGKILL in the middle of a burst."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import aiohttp
import orjson

from vibes_callbacks.journal import Journal
from vibes_callbacks.testing import ReceiverProcess


def _event(event_id: str) -> bytes:
    return orjson.dumps({"event_id": event_id, "callback_type": "person_updated", "person": {}})


async def _deliver(
    url: str, event_ids: list[str], concurrency: int = 16
) -> tuple[set[str], set[str]]:
    """POST each event once, as Vibes would; (acknowledged with 2xx, not acknowledged)."""
    acknowledged: set[str] = set()
    failed: set[str] = set()
    queue = list(reversed(event_ids))
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:

        async def worker() -> None:
            while queue:
                event_id = queue.pop()
                try:
                    async with session.post(
                        url, data=_event(event_id), headers={"Content-Type": "application/json"}
                    ) as response:
                        ok = 200 <= response.status < 300
                except (aiohttp.ClientError, TimeoutError):
                    ok = False
                (acknowledged if ok else failed).add(event_id)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return acknowledged, failed


def test_serve_prints_its_url_stores_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    secret = "only-vibes-knows"
    journal = tmp_path / "journal.db"
    receiver = ReceiverProcess(journal, secret=secret).start()
    try:
        acknowledged, failed = asyncio.run(_deliver(receiver.url, ["a", "b", "a"]))
        wrong, _ = asyncio.run(_deliver(receiver.base_url + "/callbacks", ["c"]))
    finally:
        code = receiver.stop()
    assert code == 0
    assert acknowledged == {"a", "b"} and not failed and not wrong
    assert secret not in receiver.stderr_text and "/callbacks/***" in receiver.stderr_text
    with Journal.open_existing(journal) as opened:
        assert [e.event_id for e in opened.read()] == ["a", "b"]


def test_every_acknowledged_event_survives_sigkill_and_the_rest_arrive_after_restart(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "journal.db"
    event_ids = [f"evt-{i:05d}" for i in range(1500)]

    async def burst_then_kill(receiver: ReceiverProcess) -> tuple[set[str], set[str]]:
        delivery = asyncio.create_task(_deliver(receiver.url, event_ids))
        while receiver.process is not None:
            await asyncio.sleep(0.05)
            with Journal.open_existing(journal) as seen:
                if seen.count() >= 200:
                    break
        receiver.kill()
        return await delivery

    receiver = ReceiverProcess(journal).start()
    acknowledged, failed = asyncio.run(burst_then_kill(receiver))
    assert receiver.returncode == -9
    assert failed, "the kill should land while callbacks are still arriving"
    with Journal.open_existing(journal) as after_kill:
        stored = after_kill.event_ids()
    assert acknowledged <= stored  # 2xx only after the commit

    # Vibes retries what it did not see acknowledged (3xx/5xx/no answer), on the restarted receiver.
    with ReceiverProcess(journal) as restarted:
        again, still_failed = asyncio.run(_deliver(restarted.url, sorted(failed)))
    assert again == failed and not still_failed
    with Journal.open_existing(journal) as final:
        assert final.event_ids() == set(event_ids)
        assert final.count() == len(event_ids)  # events stored before the kill but not yet
        # acknowledged were delivered again and stored once


def test_bad_arguments_exit_2_with_a_message(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "vibes_callbacks",
            "serve",
            "--journal",
            str(tmp_path / "j.db"),
            "--allow-ip",
            "not-an-address",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "not-an-address" in result.stderr


def test_a_journal_that_cannot_be_opened_exits_1_with_a_message(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vibes_callbacks", "serve", "--journal", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "cannot open journal" in result.stderr and "Traceback" not in result.stderr
