"""Fast random helpers for the seed generator (it calls them millions of times)."""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")


def rand(rng: random.Random, start: int, stop: int | None = None) -> int:
    """Like ``rng.randrange(start, stop)`` without its argument checks."""
    if stop is None:
        start, stop = 0, start
    return start + int(rng.random() * (stop - start))


def pick(rng: random.Random, options: Sequence[T]) -> T:
    """Like ``rng.choice`` without its checks."""
    return options[int(rng.random() * len(options))]


class Weighted(Generic[T]):
    """``rng.choices(options, weights)[0]`` with the cumulative weights computed once."""

    def __init__(self, options: Sequence[T], weights: Sequence[float]) -> None:
        self.options = list(options)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    def draw(self, rng: random.Random) -> T:
        return self.options[bisect(self.cumulative, rng.random() * self.total)]
