"""AsyncRunner: the sync-to-async bridge used by tap streams and target sinks."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import AsyncIterator, Iterator

import pytest

from vibes_api import AsyncRunner


@pytest.fixture
def runner() -> Iterator[AsyncRunner]:
    with AsyncRunner("test-runner") as running:
        yield running


def test_run_returns_results_and_reraises(runner: AsyncRunner) -> None:
    async def double(x: int) -> int:
        await asyncio.sleep(0)
        return 2 * x

    async def fail() -> None:
        raise KeyError("boom")

    assert runner.run(double(21)) == 42
    with pytest.raises(KeyError, match="boom"):
        runner.run(fail())


def test_run_from_the_loop_thread_is_refused(runner: AsyncRunner) -> None:
    async def nested() -> None:
        runner.run(asyncio.sleep(0))

    with pytest.raises(RuntimeError, match="await instead"):
        runner.run(nested())


def test_map_ordered_yields_in_input_order_despite_completion_order(runner: AsyncRunner) -> None:
    finished: list[int] = []

    async def slow_first(x: int) -> int:
        # Earlier inputs sleep longer, so they finish last.
        await asyncio.sleep(0.002 * (20 - x))
        finished.append(x)
        return x * x

    results = list(runner.map_ordered(slow_first, range(20), window=20))
    assert results == [x * x for x in range(20)]
    assert finished != sorted(finished)  # they really completed out of order


def test_map_ordered_bounds_in_flight_and_reads_input_lazily(runner: AsyncRunner) -> None:
    in_flight = 0
    peak = 0
    pulled = 0
    lock = threading.Lock()

    def inputs() -> Iterator[int]:
        nonlocal pulled
        for value in itertools.count():
            pulled += 1
            yield value

    async def work(x: int) -> int:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        await asyncio.sleep(0.001)
        with lock:
            in_flight -= 1
        return x

    results = runner.map_ordered(work, inputs(), window=5, max_buffered=10)
    taken = list(itertools.islice(results, 50))
    assert taken == list(range(50))
    assert peak <= 5
    assert pulled <= 50 + 10  # an endless input is read only as far as the buffer allows
    results.close()  # type: ignore[attr-defined]


def test_map_ordered_raises_in_turn_or_returns_exceptions(runner: AsyncRunner) -> None:
    async def picky(x: int) -> int:
        if x == 3:
            raise ValueError(f"bad {x}")
        return x

    seen: list[int] = []
    with pytest.raises(ValueError, match="bad 3"):
        for value in runner.map_ordered(picky, range(10), window=4):
            seen.append(value)
    assert seen == [0, 1, 2]

    mixed = list(runner.map_ordered(picky, range(5), window=4, return_exceptions=True))
    assert mixed[:3] == [0, 1, 2] and mixed[4] == 4
    assert isinstance(mixed[3], ValueError)


def test_abandoned_map_ordered_cancels_work_in_flight(runner: AsyncRunner) -> None:
    cancelled: list[int] = []

    async def forever_but_first(x: int) -> int:
        if x == 0:
            return 0
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.append(x)
            raise
        return x

    results = runner.map_ordered(forever_but_first, range(6), window=6)
    assert next(results) == 0  # inputs 1..5 are now in flight
    # Walk away the way a stopped tap stream does: close (or drop) the generator.
    results.close()  # type: ignore[attr-defined]
    runner.run(asyncio.sleep(0.05))
    assert sorted(cancelled) == [1, 2, 3, 4, 5]


def test_iterate_consumes_an_async_generator_and_closes_it_early(runner: AsyncRunner) -> None:
    closed = threading.Event()

    async def pages() -> AsyncIterator[int]:
        try:
            for page in range(100):
                await asyncio.sleep(0)
                yield page
        finally:
            closed.set()

    assert list(runner.iterate(pages())) == list(range(100))
    closed.clear()
    iterator = runner.iterate(pages())
    assert [next(iterator), next(iterator)] == [0, 1]
    iterator.close()  # type: ignore[attr-defined]
    assert closed.is_set()


def test_close_is_idempotent_and_final() -> None:
    runner = AsyncRunner()
    assert runner.run(asyncio.sleep(0, result=5)) == 5
    runner.close()
    runner.close()
    with pytest.raises(RuntimeError, match="closed"):
        runner.run(asyncio.sleep(0))
