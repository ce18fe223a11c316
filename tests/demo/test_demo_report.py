"""The demo's reading of Meltano's logs and its warehouse check (pure functions)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from demo.logs import parse_run
from demo.report import check_rows, extract_table


def _line(name: str, event: str, level: str = "info") -> str:
    """One line as `meltano --log-format=json run` prints a plugin's stderr line."""
    return json.dumps({"stdio": "stderr", "name": name, "event": event, "level": level})


def _metric(stream: str, metric: str, value: float, context: dict[str, str] | None = None) -> str:
    kind = "counter" if metric == "record_count" else "timer"
    tags = {"stream": stream, "pid": 1, "context": context or {}}
    return "METRIC: " + json.dumps({"type": kind, "metric": metric, "value": value, "tags": tags})


OUTPUT = "\n".join(
    [
        json.dumps({"event": "Meltano 4.4.1, Python 3.11.7", "level": "info"}),
        _line("tap-vibes", _metric("wallet_campaigns", "record_count", 2)),
        # A child stream counts per parent record: the demo must add the counters up.
        _line("tap-vibes", _metric("wallet_items", "record_count", 50, {"wallet_id": "a"})),
        _line("tap-vibes", _metric("wallet_items", "sync_duration", 0.5, {"wallet_id": "a"})),
        _line("tap-vibes", _metric("wallet_items", "record_count", 7, {"wallet_id": "b"})),
        _line("tap-vibes", _metric("wallet_items", "sync_duration", 0.25, {"wallet_id": "b"})),
        _line("tap-vibes", _metric("persons", "record_count", 1000)),
        _line("tap-vibes", _metric("persons", "record_count", 200)),
        _line(
            "tap-vibes",
            "summary persons: 1200 records (91.0/s), 1213 requests (92.0/s), 13 retries, 4 x 429",
        ),
        _line("target-duckdb", "Loading 1200 rows into 'vibes.persons'"),
        _line(
            "target-vibes",
            "summary crm_contacts: 25 records (127.1/s), 24 written, 0 unchanged, 1 rejected, "
            "24 requests (122.0/s), 0 retries, 0 x 429",
        ),
        json.dumps({"event": "Loader failed", "level": "error"}),
    ]
)


def test_parse_run_adds_up_the_taps_counters_and_reads_its_summary() -> None:
    log = parse_run(OUTPUT, "tap-vibes", "target-duckdb")

    assert {name: f.records for name, f in log.tap.items()} == {
        "wallet_campaigns": 2,
        "wallet_items": 57,
        "persons": 1200,
    }
    persons = log.tap["persons"]
    assert (persons.requests, persons.retries, persons.throttled) == (1213, 13, 4)
    assert log.tap["wallet_items"].seconds == 0.75
    assert log.summarized == {"persons"}
    assert log.problems == ["meltano: Loader failed"]
    # Another plugin's lines never count as the tap's.
    assert log.target == {}


def test_parse_run_reads_the_targets_outcomes_per_stream() -> None:
    log = parse_run(OUTPUT, "tap-crm-contacts", "target-vibes", {"crm_contacts": "persons"})

    contacts = log.target["crm_contacts"]
    assert contacts.resource == "persons"
    assert contacts.records == 25
    assert contacts.outcomes == {"written": 24, "unchanged": 0, "rejected": 1}
    assert (contacts.requests, contacts.retries, contacts.throttled) == (24, 0, 0)


def test_check_rows_names_every_stream_where_the_warehouse_differs() -> None:
    log = parse_run(OUTPUT, "tap-vibes", "target-duckdb")
    # wallet_items lost a row; "orphan" holds rows the tap never reported.
    rows = {"wallet_campaigns": 2, "wallet_items": 56, "persons": 1200, "orphan": 3}

    mismatches = check_rows(log.tap, rows)

    assert [(m.stream, m.records, m.rows) for m in mismatches] == [
        ("orphan", 0, 3),
        ("wallet_items", 57, 56),
    ]
    assert "wallet_items: the tap emitted 57 records" in str(mismatches[1])
    assert check_rows(log.tap, {"wallet_campaigns": 2, "wallet_items": 57, "persons": 1200}) == []


def test_extract_table_has_one_row_per_stream_and_a_total() -> None:
    log = parse_run(OUTPUT, "tap-vibes", "target-duckdb")
    text = extract_table(log.tap, {"wallet_campaigns": 2, "wallet_items": 57, "persons": 1200})

    lines = text.splitlines()
    assert lines[0].split() == [
        "stream",
        "records",
        "rows",
        "in",
        "DuckDB",
        "requests",
        "retries",
        "429s",
        "seconds",
    ]
    assert [line.split()[0] for line in lines[2:]] == [
        "persons",
        "wallet_campaigns",
        "wallet_items",
        "total",
    ]
    assert lines[-1].split()[:3] == ["total", "1,259", "1,259"]


def test_crm_file_matches_the_seeded_demo_company() -> None:
    """The CRM's phones must be the ones Vibes holds, or every contact would be a conflict."""
    from demo.crm_file import contact_rows, render, seeded_persons
    from demo.readback import CRM_CONTACTS

    expected = render(contact_rows(seeded_persons()))
    assert CRM_CONTACTS.read_text(encoding="utf-8") == expected, (
        "demo/data/crm_contacts.csv no longer matches the emulator's seed data: "
        "run .venv/bin/python -m demo.crm_file"
    )
    assert len(expected.splitlines()) == 26


def test_the_extracts_of_a_second_run_are_dated_the_day_after_the_last(tmp_path: Path) -> None:
    from demo.run_demo import extract_day

    today = date(2024, 3, 5)
    assert extract_day(tmp_path, today) == today
    (tmp_path / "messages_demo_2024-03-05.txt").write_text("")
    (tmp_path / "messages_demo_2024-03-06.txt").write_text("")
    assert extract_day(tmp_path, today) == date(2024, 3, 7)
    assert extract_day(tmp_path, date(2024, 4, 1)) == date(2024, 4, 1)
