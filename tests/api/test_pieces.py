"""Pure pieces of vibes_api: settings, encoding, errors, backoff, token bucket, metrics."""

from __future__ import annotations

import io
import logging
import pickle
import random
import threading
from decimal import Decimal

import orjson
import pytest

from vibes_api import (
    EU_API_URL,
    US_API_URL,
    ClientMetrics,
    ProgressReporter,
    RetryPolicy,
    TokenBucket,
    VibesConfigError,
    VibesNotFound,
    VibesSettings,
    VibesTransportError,
    encode_query,
    quote_id,
)
from vibes_api.encoding import dumps_json, encode_path
from vibes_api.errors import VibesServerError, error_for_status
from vibes_api.rate_limit import RateLimits
from vibes_api.retry import is_retryable

SECRET = "s3cret-Pa55word"
BASE = {"company_key": "acme", "username": "etl-user", "password": SECRET}


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# -- settings ---------------------------------------------------------------------------------
def test_settings_defaults_and_regions() -> None:
    settings = VibesSettings.from_config({**BASE, "start_date": "ignored"})
    assert settings.api_url == US_API_URL
    assert settings.requests_per_second == 90.0
    assert settings.max_concurrency == 32 and settings.max_retries == 8
    assert VibesSettings.from_config({**BASE, "region": "EU"}).api_url == EU_API_URL
    # The EU host is published with a trailing slash.
    assert VibesSettings.from_config({**BASE, "api_url": EU_API_URL + "/"}).api_url == EU_API_URL
    explicit = VibesSettings.from_config({**BASE, "region": "eu", "api_url": "https://x:1/"})
    assert explicit.api_url == "https://x:1"
    # A missing (or null) api_url leaves the choice to region, then the US host.
    assert VibesSettings.from_config({**BASE, "api_url": None, "region": "eu"}).api_url == (
        EU_API_URL
    )


@pytest.mark.parametrize("empty", ["", "   ", "\t\n", "/", " / "])
def test_an_empty_api_url_is_an_error_never_the_us_host(empty: str) -> None:
    for config in ({**BASE, "api_url": empty}, {**BASE, "api_url": empty, "region": "us"}):
        with pytest.raises(VibesConfigError) as info:
            VibesSettings.from_config(config)
        message = str(info.value)
        assert "'api_url' is empty" in message and "\n" not in message


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "HTTP://example.com:80/",
        "http://10.0.0.5:8080",
        "http://192.0.2.2",
        "http://[fd00::2]:80",
        "http://localhost.example.com",
        "http://127.0.0.1.nip.io",
        "http://vm",  # names are not resolved: only localhost is loopback by its spelling
    ],
)
def test_plain_http_is_refused_unless_the_host_is_loopback(url: str) -> None:
    with pytest.raises(VibesConfigError) as info:
        VibesSettings.from_config({**BASE, "api_url": url})
    message = str(info.value)
    assert "'api_url' must use https" in message and "\n" not in message
    assert SECRET not in message


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://127.1.2.3",
        "http://localhost:9",
        "http://LOCALHOST",
        "http://[::1]:8080",
        "http://[::ffff:127.0.0.1]:1",
        "https://example.com",
    ],
)
def test_https_and_loopback_http_are_accepted(url: str) -> None:
    assert VibesSettings.from_config({**BASE, "api_url": url}).api_url == url.rstrip("/")


def test_settings_coerce_numbers_from_text() -> None:
    settings = VibesSettings.from_config({**BASE, "requests_per_second": "50", "max_retries": "0"})
    assert settings.requests_per_second == 50.0 and settings.max_retries == 0


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"password": None}, "'password' is required"),
        ({"region": "asia"}, "'region' must be one of"),
        ({"api_url": "ftp://host"}, "http(s) URL"),
        ({"requests_per_second": 0}, "'requests_per_second' must be greater than 0"),
        ({"max_concurrency": "many"}, "'max_concurrency' must be a number"),
        ({"max_retries": -1}, "'max_retries' must be 0 or more"),
        ({"ca_bundle": "/nonexistent/ca.pem"}, "'ca_bundle' names no readable file"),
    ],
)
def test_settings_reject_bad_values_clearly(change: dict[str, object], needle: str) -> None:
    with pytest.raises(VibesConfigError, match=None) as info:
        VibesSettings.from_config({**BASE, **change})
    assert needle in str(info.value)


def test_settings_never_show_the_password() -> None:
    settings = VibesSettings.from_config(BASE)
    assert SECRET not in repr(settings) and SECRET not in str(settings)
    with pytest.raises(VibesConfigError) as info:
        VibesSettings.from_config({**BASE, "api_url": f"https://user:{SECRET}@host"})
    assert SECRET not in str(info.value)
    assert "must not contain credentials" in str(info.value)


def test_settings_ca_bundle_builds_a_verifying_context(tmp_path: object) -> None:
    import ssl

    assert VibesSettings.from_config(BASE).ssl_context() is None  # aiohttp's verifying default
    certifi_like = ssl.get_default_verify_paths().cafile
    if certifi_like is None:
        pytest.skip("no system CA file to load")
    context = VibesSettings.from_config({**BASE, "ca_bundle": certifi_like}).ssl_context()
    assert context is not None
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


# -- encoding ---------------------------------------------------------------------------------
def test_query_encodes_plus_and_reserved_characters() -> None:
    query = encode_query({"mdn": "+15551234567", "q": "a b&c=d", "flag": True, "none": None})
    assert query == "mdn=%2B15551234567&q=a%20b%26c%3Dd&flag=true"
    assert encode_query({"status": ["sent", "scheduled"]}) == "status=sent&status=scheduled"


def test_path_encoding_keeps_existing_escapes() -> None:
    assert quote_id("a/b c%") == "a%2Fb%20c%25"
    assert encode_path("/mobiledb/persons/external/" + quote_id("x/y")) == (
        "/mobiledb/persons/external/x%2Fy"
    )
    assert encode_path("/persons/a b+c") == "/persons/a%20b%2Bc"


def test_json_keeps_decimals_exact() -> None:
    assert dumps_json({"balance": Decimal("10.10"), "big": Decimal("1E+30")}) == (
        b'{"balance":10.10,"big":1E+30}'
    )
    with pytest.raises(TypeError):
        dumps_json({"bad": Decimal("NaN")})


# -- errors -----------------------------------------------------------------------------------
def test_error_from_vibes_envelope() -> None:
    body = orjson.dumps({"errors": [{"message": "Person not found", "code": 1}]})
    error = error_for_status(404, "GET", "/companies/demo/mobiledb/persons/abc", body)
    assert isinstance(error, VibesNotFound)
    assert error.messages == ["Person not found"] and error.errors[0]["code"] == 1
    assert str(error) == (
        "GET /companies/demo/mobiledb/persons/abc -> 404 Not Found: Person not found "
        "(after 1 attempt)"
    )


def test_an_errors_first_argument_is_its_whole_message() -> None:
    """Loggers that print args[0] (the Singer SDK's excepthook) say what failed, not "GET";
    the attempt count the client sets after the fact is in it, and copies keep it."""
    body = orjson.dumps({"errors": [{"message": "invalid credentials"}]})
    error = error_for_status(401, "GET", "/companies/demo/mobiledb/subscription_lists", body)
    error.attempts = 2
    assert error.args == (str(error),)
    assert str(error) == (
        "GET /companies/demo/mobiledb/subscription_lists -> 401 Unauthorized: invalid "
        "credentials (after 2 attempts): check username and password (the US and EU hosts "
        "have separate credentials: check region/api_url too)"
    )
    copied = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert (type(copied), copied.args, copied.status) == (type(error), error.args, 401)
    transport = VibesTransportError("timeout", "PUT", "/companies/demo/x", "no answer")
    assert transport.args == ("PUT /companies/demo/x -> timeout: no answer (after 1 attempt)",)


@pytest.mark.parametrize(
    ("body", "messages"),
    [
        (b"<html>Bad Gateway</html>", ["<html>Bad Gateway</html>"]),
        (b"", []),
        (b'{"message": "odd"}', ["odd"]),
        (b'["x", {"message": "y"}]', ["x", "y"]),
        (b'{"errors": ["plain"]}', ["plain"]),
        (b"x" * 1000, ["x" * 200 + "..."]),
    ],
)
def test_error_tolerates_odd_bodies(body: bytes, messages: list[str]) -> None:
    error = error_for_status(502, "POST", "/companies/demo/x", body, attempts=3)
    assert isinstance(error, VibesServerError)
    assert error.messages == messages
    assert str(error).endswith("(after 3 attempts)")


def test_maybe_processed_rules() -> None:
    assert error_for_status(500, "POST", "/p", b"").maybe_processed
    assert not error_for_status(503, "POST", "/p", b"").maybe_processed
    assert not error_for_status(429, "POST", "/p", b"").maybe_processed
    assert VibesTransportError("timeout", "POST", "/p").maybe_processed
    assert not VibesTransportError("connect", "POST", "/p").maybe_processed


# -- retry policy -----------------------------------------------------------------------------
def test_backoff_is_full_jitter_within_the_exponential_ceiling() -> None:
    policy = RetryPolicy(max_retries=8, base_seconds=0.25, cap_seconds=10.0)
    rng = random.Random(3)
    assert [policy.ceiling(n) for n in (1, 2, 3, 6, 7, 50)] == [0.25, 0.5, 1.0, 8.0, 10.0, 10.0]
    for retry in range(1, 12):
        draws = [policy.backoff(retry, rng) for _ in range(200)]
        assert all(0.0 <= d <= policy.ceiling(retry) for d in draws)
        # Full jitter: draws spread over the whole range, not bunched at the ceiling.
        assert min(draws) < policy.ceiling(retry) * 0.2 < max(draws)


def test_retry_classification() -> None:
    def api(status: int) -> VibesServerError:
        return error_for_status(status, "GET", "/p", b"")  # type: ignore[return-value]

    for status in (400, 401, 403, 404, 409, 413, 422):
        assert not is_retryable(api(status), retry_unsafe=True)
    for status in (429, 500, 502, 503, 504):
        assert is_retryable(api(status), retry_unsafe=True)
    # Unsafe writes retry only what proves nothing happened.
    assert is_retryable(api(429), retry_unsafe=False)
    assert is_retryable(api(503), retry_unsafe=False)
    assert not is_retryable(api(500), retry_unsafe=False)
    assert not is_retryable(VibesTransportError("disconnected", "POST", "/p"), retry_unsafe=False)
    assert is_retryable(VibesTransportError("connect", "POST", "/p"), retry_unsafe=False)
    assert not is_retryable(VibesTransportError("tls", "GET", "/p"), retry_unsafe=True)
    policy = RetryPolicy(max_retries=2)
    assert policy.should_retry(api(500), attempts=2, retry_unsafe=True)
    assert not policy.should_retry(api(500), attempts=3, retry_unsafe=True)


# -- token bucket -----------------------------------------------------------------------------
def test_token_bucket_burst_then_steady_spacing() -> None:
    clock = FakeClock()
    bucket = TokenBucket(100.0, clock=clock)
    # A tenth of a second of burst: 10 immediate slots, then one every 10 ms.
    waits = [bucket.reserve() for _ in range(13)]
    assert waits[:10] == [0.0] * 10
    assert waits[10:] == pytest.approx([0.01, 0.02, 0.03])


def test_token_bucket_never_exceeds_capacity_plus_rate_in_any_second() -> None:
    clock = FakeClock()
    bucket = TokenBucket(90.0, clock=clock)
    sends: list[float] = []
    rng = random.Random(5)
    for _ in range(2000):
        clock.now += rng.choice([0.0, 0.0, 0.001, 0.05, 0.3])  # bursts and idle gaps
        sends.append(clock.now + bucket.reserve())
    sends.sort()
    right = 0
    worst = 0
    for left, start in enumerate(sends):
        while right < len(sends) and sends[right] < start + 1.0:
            right += 1
        worst = max(worst, right - left)
    assert worst <= 9 + 90 <= 100  # burst + one second of refill stays under Vibes' 100/s


def test_429_slows_the_bucket_then_it_recovers() -> None:
    clock = FakeClock()
    bucket = TokenBucket(40.0, clock=clock)
    assert bucket.on_throttled()
    assert bucket.current_rate == pytest.approx(28.0)
    assert not bucket.on_throttled()  # a volley of 429s within the cooldown counts once
    clock.now += 1.5
    assert bucket.on_throttled()
    assert bucket.lowest_rate < 28.0
    clock.now += 60
    assert bucket.current_rate == 40.0
    for _ in range(40):
        bucket.on_throttled()
        clock.now += 1.0
    assert bucket.lowest_rate >= bucket.floor > 0


async def test_google_wallet_takes_from_both_buckets_and_events_from_their_own() -> None:
    limits = RateLimits(90.0, 300.0, 20.0, clock=FakeClock())
    await limits.acquire("google_wallet")
    await limits.acquire("events")
    acquired = {name: bucket.acquired for name, bucket in limits.buckets.items()}
    assert acquired == {"default": 1, "events": 1, "google_wallet": 1}
    assert limits.on_throttled("google_wallet")
    assert limits.buckets["default"].slowdowns == 0


# -- metrics and progress ---------------------------------------------------------------------
def test_metrics_snapshot() -> None:
    clock = FakeClock()
    metrics = ClientMetrics(clock=clock, reservoir_size=50)
    for index in range(100):
        metrics.record_request()
        metrics.record_response(429 if index % 10 == 0 else 200, latency=index / 1000)
    metrics.record_retry()
    metrics.record_transport_error("timeout", 0.5)
    clock.now += 10
    snap = metrics.snapshot()
    assert snap["requests"] == 100 and snap["responses"] == 100
    assert snap["by_status"] == {"200": 90, "429": 10}
    assert snap["throttled"] == 10 and snap["retries"] == 1 and snap["transport_errors"] == 1
    assert snap["latency"]["count"] == 101
    assert 0 <= snap["latency"]["p50_seconds"] <= snap["latency"]["p95_seconds"] <= 0.5
    assert snap["requests_per_second"] == 10.0
    orjson.dumps(snap)  # plain data


def test_progress_log_lines_and_summary() -> None:
    stream = io.StringIO()
    clock = FakeClock()
    quiet = logging.getLogger("tests.api.progress.quiet")
    quiet.propagate = False
    reporter = ProgressReporter(stream=stream, live=False, log=quiet, clock=clock)
    counter = reporter.counter("persons")
    counter.add_records(120)
    counter.add(3, "rejected")
    counter.metrics.record_request()
    counter.metrics.record_response(429, 0.01)
    clock.now += 2
    reporter.report()
    reporter.stop()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("persons: 120 records (60.0/s), 3 rejected, 1 requests")
    assert "1 x 429" in lines[0]
    assert lines[-1].startswith("summary persons: 120 records")
    assert "error" not in stream.getvalue().lower()


def test_progress_live_line_redraws_in_place() -> None:
    stream = io.StringIO()
    reporter = ProgressReporter(stream=stream, live=True, clock=FakeClock())
    reporter.counter("a").add_records(1)
    reporter.counter("b").add_records(2)
    reporter.report()
    reporter.report()
    text = stream.getvalue()
    assert text.count("\r") == 2 and "a: 1 records" in text and "b: 2 records" in text


def test_progress_thread_reports_periodically_until_stopped() -> None:
    stream = io.StringIO()
    quiet = logging.getLogger("tests.api.progress.thread")
    quiet.propagate = False
    reporter = ProgressReporter(stream=stream, live=False, log=quiet, interval_seconds=0.01)
    with reporter:
        reporter.counter("lists").add_records(4)
        for _ in range(500):  # wait for the first periodic line, however slow the machine
            if "lists: 4 records" in stream.getvalue():
                break
            threading.Event().wait(0.01)
    lines = stream.getvalue().splitlines()
    assert any(line.startswith("lists: 4 records") for line in lines)
    assert lines[-1].startswith("summary lists: 4 records")
