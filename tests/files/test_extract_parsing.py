"""Pure parsing of extract names, dates and rows (no emulator)."""

from __future__ import annotations

import io
from datetime import date

import pytest

from tap_vibes.sources.extract_files import parse_extract_name, read_rows, select_extracts
from tap_vibes.sources.extracts import RowError, extract_time, subscriber_plan
from vibes_emulator.files.formats import central_time, utc_time


@pytest.mark.parametrize(
    ("name", "kind", "day"),
    [
        ("current_subscribers_demo_2024-03-05.txt", "current_subscribers", "2024-03-05"),
        ("CURRENT_SUBSCRIBERS_2024-03-05.TXT", "current_subscribers", "2024-03-05"),
        ("subscriptions2024-03-05.txt", "subscriptions", "2024-03-05"),
        ("SUBSCRIPTIONS2024-03-05.TXT", "subscriptions", "2024-03-05"),
        ("subscriptions_demo_2024-03-05.tsv", "subscriptions", "2024-03-05"),
        ("walletInstance_2024-03-05.txt", "walletinstance", "2024-03-05"),
        ("WALLETINSTANCE_2024-03-05.TXT", "walletinstance", "2024-03-05"),
        ("walletinstance_demo_2024-03-05.txt", "walletinstance", "2024-03-05"),
    ],
)
def test_every_generation_of_extract_names_is_recognised(name: str, kind: str, day: str) -> None:
    extract = parse_extract_name(name, "demo")
    assert extract is not None
    assert (extract.kind, extract.day) == (kind, date.fromisoformat(day))


def test_other_companies_and_other_files_are_ignored() -> None:
    assert parse_extract_name("subscriptions_other_2024-03-05.txt", "demo") is None
    assert parse_extract_name("clicks_demo_2024-03-05.txt", "demo") is None
    assert parse_extract_name("subscriptions_demo_2024-02-31.txt", "demo") is None
    assert parse_extract_name(".subscriptions_demo_2024-03-05.txt.partial", "demo") is None


def test_full_load_plan_is_newest_snapshot_then_later_event_files() -> None:
    files = select_extracts(
        [
            "current_subscribers_demo_2024-03-01.txt",
            "current_subscribers_demo_2024-03-03.txt",
            "subscriptions_demo_2024-03-03.txt",
            "subscriptions_demo_2024-03-04.txt",
            "SUBSCRIPTIONS2024-03-02.TXT",
        ],
        "demo",
    )
    plan = [f.name for f in subscriber_plan(files, None)]
    assert plan == ["current_subscribers_demo_2024-03-03.txt", "subscriptions_demo_2024-03-04.txt"]
    incremental = [f.name for f in subscriber_plan(files, "2024-03-02")]
    assert incremental == ["subscriptions_demo_2024-03-03.txt", "subscriptions_demo_2024-03-04.txt"]


def test_vibes_dates_round_trip_to_utc() -> None:
    ms = 1_491_423_000_000  # 2017-04-05T20:10:00Z
    assert central_time(ms) == "2017-04-05 14:10:00 -0600"
    assert utc_time(ms) == "2017-04-05 20:10:00 UTC"
    assert extract_time(central_time(ms), "d") == "2017-04-05T20:10:00Z"
    assert extract_time(utc_time(ms), "d") == "2017-04-05T20:10:00Z"
    assert extract_time("", "d") is None
    with pytest.raises(RowError, match="opt_in_date"):
        extract_time("yesterday", "opt_in_date")


def test_malformed_rows_are_reported_with_their_line_and_skipped() -> None:
    text = (
        "person_id\tsubscription_list_id\tnote\n"
        "k1\t10\tplain\n"
        "k2\t10\n"  # line 3: a field short
        'k3\t10\t"quoted\ttab ""and"" quote"\n'
        "\t10\tno key\n"  # line 5: required value missing
        "k4\t11\tlast\n"
    )
    problems: list[tuple[str, int, str]] = []
    rows = list(
        read_rows(
            io.StringIO(text),
            "f.txt",
            ("person_id", "subscription_list_id"),
            lambda f, n, r: problems.append((f, n, r)),
        )
    )
    assert [(line, row["person_id"]) for line, row in rows] == [(2, "k1"), (4, "k3"), (6, "k4")]
    assert rows[1][1]["note"] == 'quoted\ttab "and" quote'
    assert [(f, n) for f, n, _ in problems] == [("f.txt", 3), ("f.txt", 5)]
