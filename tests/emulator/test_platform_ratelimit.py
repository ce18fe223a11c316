"""Token buckets, driven by a fake clock: counts, never wall-clock timing."""

from __future__ import annotations

import pytest

from vibes_emulator.ratelimit import EVENTS, GENERAL, GOOGLE_WALLET, RateLimiter, rates_for


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run_steady(limiter: RateLimiter, clock: FakeClock, rps: float, seconds: int) -> int:
    """Send at an even ``rps`` for ``seconds``; return how many were refused."""
    refused = 0
    for _ in range(int(rps * seconds)):
        if not limiter.allow("demo", GENERAL):
            refused += 1
        clock.now += 1.0 / rps
    return refused


def test_documented_rates_are_the_default() -> None:
    assert rates_for(None) == {GENERAL: 100.0, EVENTS: 300.0, GOOGLE_WALLET: 20.0}


def test_rate_limit_override_scales_every_bucket() -> None:
    assert rates_for(5) == {GENERAL: 5.0, EVENTS: 15.0, GOOGLE_WALLET: 1.0}


def test_zero_turns_throttling_off() -> None:
    limiter = RateLimiter(0)
    assert limiter.rates is None
    assert all(limiter.allow("demo", GENERAL) for _ in range(10_000))


def test_client_at_the_limit_from_cold_start_is_never_refused() -> None:
    clock = FakeClock()
    assert run_steady(RateLimiter(None, clock), clock, 100, seconds=10) == 0


def test_client_twenty_percent_over_the_limit_sees_about_one_in_six_refused() -> None:
    clock = FakeClock()
    limiter = RateLimiter(None, clock)
    run_steady(limiter, clock, 120, seconds=6)  # 20/s over the limit drains 100 tokens in 5 s
    refused = run_steady(limiter, clock, 120, seconds=10)
    assert refused / 1200 == pytest.approx(20 / 120, abs=0.01)


def test_no_burst_beyond_one_second_of_tokens() -> None:
    clock = FakeClock()
    limiter = RateLimiter(None, clock)
    clock.now += 3600  # a long idle period must not bank more than one second
    allowed = sum(limiter.allow("demo", GENERAL) for _ in range(500))
    assert allowed == 100


def test_companies_and_buckets_are_independent() -> None:
    clock = FakeClock()
    limiter = RateLimiter(None, clock)
    assert sum(limiter.allow("demo", GENERAL) for _ in range(200)) == 100
    assert sum(limiter.allow("other", GENERAL) for _ in range(200)) == 100
    assert sum(limiter.allow("demo", EVENTS) for _ in range(400)) == 300
    assert sum(limiter.allow("demo", GOOGLE_WALLET) for _ in range(40)) == 20


def test_allow_all_takes_nothing_when_one_bucket_is_empty() -> None:
    clock = FakeClock()
    limiter = RateLimiter(None, clock)
    both = (GOOGLE_WALLET, GENERAL)
    assert sum(limiter.allow_all("demo", both) for _ in range(50)) == 20
    # The 30 refused Google Wallet updates did not spend general tokens.
    assert sum(limiter.allow("demo", GENERAL) for _ in range(200)) == 80


def test_sub_one_per_second_limits_still_admit_one_request() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, clock)  # Google Wallet scales to 0.4/s
    assert limiter.allow("demo", GOOGLE_WALLET)
    assert not limiter.allow("demo", GOOGLE_WALLET)
    clock.now += 2.5
    assert limiter.allow("demo", GOOGLE_WALLET)
