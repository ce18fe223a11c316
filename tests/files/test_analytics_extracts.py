"""The analytics extracts (Message, Push Message, URL Click, Wallet Page View; FACTS §4.2):
written by the emulator from what it sent, read by tap-vibes' four streams."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tap_vibes.sources.analytics_extracts import MAKERS, REQUIRED
from tap_vibes.sources.extract_files import parse_extract_name, read_rows
from tests.files.busy_store import busy_store as _busy_store
from tests.files.conftest import out_dir as _out
from tests.reliability.test_resume_mid_stream import CONFIG, _kill_resume_and_compare
from tests.tap.harness import run_tap
from vibes_emulator.files.extracts import ExtractWriter
from vibes_emulator.files.formats import COLUMNS, MESSAGES, write_tsv
from vibes_emulator.store.activity import Activity
from vibes_emulator.store.table import Table
from vibes_emulator.testing import RunningEmulator

STREAMS = ("messages", "push_messages", "url_clicks", "wallet_page_views")
FILES = {
    "messages": "messages",
    "push_messages": "pushmessages",
    "url_clicks": "urls",
    "wallet_page_views": "walletpageview",
}
KEYS = {
    "messages": ("message_id",),
    "push_messages": ("message_id", "vibes_device_id"),
    "url_clicks": ("click_id",),
    "wallet_page_views": ("view_uid",),
}
HOUR = 3600.0


def _tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _file_keys(out: Path, stream: str, day: str) -> list[tuple[str, ...]]:
    columns = [c.replace("person_key", "person_id") for c in KEYS[stream]]
    rows = _tsv(out / f"{FILES[stream]}_demo_{day}.txt")
    return [tuple(r[c] for c in columns) for r in rows]


# ---- names and parsing (no emulator) ------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("messages_demo_2024-03-05.txt", "messages"),
        ("messages2024-03-05.txt", "messages"),
        ("MESSAGES2024-03-05.TXT", "messages"),
        ("pushmessages_demo_2024-03-05.txt", "pushmessages"),
        ("PUSHMESSAGES_2024-03-05.TXT", "pushmessages"),
        ("urls_demo_2024-03-05.txt", "urls"),
        ("urls2024-03-05.txt", "urls"),
        ("URLS2024-03-05.TXT", "urls"),
        ("walletpageview_demo_2024-03-05.txt", "walletpageview"),
        ("walletPageView_2024-03-05.txt", "walletpageview"),
        ("WALLETPAGEVIEWS_2024-03-05.TXT", "walletpageview"),
    ],
)
def test_every_generation_of_analytics_extract_names_is_recognised(name: str, kind: str) -> None:
    extract = parse_extract_name(name, "demo")
    assert extract is not None
    assert (extract.kind, extract.day) == (kind, date(2024, 3, 5))
    assert parse_extract_name(name.replace("demo", "other"), "demo") is None or "demo" not in name


def _read(kind: str, text: str, name: str) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    extract = parse_extract_name(name)
    assert extract is not None
    bad: list[tuple[int, str]] = []
    records = []
    for line, row in read_rows(
        io.StringIO(text, newline=""), name, REQUIRED[kind], lambda _f, n, why: bad.append((n, why))
    ):
        records.append(MAKERS[kind](row, extract, line))
    return records, bad


def test_message_text_with_tabs_quotes_and_newlines_round_trips() -> None:
    content = 'Hi "Ann"\tsee\nhttp://vbs.cm/Ab1 ""now""'
    handle = io.StringIO(newline="")
    row = dict.fromkeys(COLUMNS[MESSAGES], "")
    row.update(person_id="P1", mdn="3125550100", message_id="M1", message_status="SUCCESS")
    row.update(timestamp="2024-03-05 14:30:00 -0600", content=content)
    plain = {**row, "message_id": "M2", "content": "plain", "message_status": "Route Not Found"}
    write_tsv(handle, COLUMNS[MESSAGES], [row, plain])
    text = handle.getvalue()
    assert '\t"plain"\n' in text  # text fields are always quoted (FACTS §4.2)
    records, bad = _read("messages", text, "messages_demo_2024-03-05.txt")
    assert bad == []
    first, second = records
    assert first["content"] == content
    assert (first["mdn"], first["timestamp"], first["delivered"]) == (
        "+13125550100",
        "2024-03-05T20:30:00Z",
        True,
    )
    assert (second["message_status"], second["delivered"]) == ("Route Not Found", False)
    assert (second["extract_line"], second["extract_file"]) == (4, "messages_demo_2024-03-05.txt")


def test_a_vibes_file_with_unpublished_trailing_columns_keeps_them() -> None:
    text = (
        "person_id\texternal_person_id\tmdn\tcarrier_code\tmessage_id\tclient_message_id\t"
        "timestamp\tmessage_status\tshort_code\n"
        'P1\t\t+13125550100\t\tM1\t\t2024-03-05 14:30:00 -0600\t"Capped Message"\t65301\n'
    )
    records, bad = _read("messages", text, "MESSAGES2024-03-05.TXT")
    assert bad == []
    assert records[0]["other_columns"] == {"short_code": "65301"}
    assert records[0]["message_status"] == "Capped Message"


def test_bad_rows_are_reported_with_their_line_and_a_bad_header_is_an_error() -> None:
    header = "click_id\tclick_timestamp\tfirst_click\n"
    text = header + "C1\tyesterday\tTRUE\nC2\t2024-03-05 10:00:00 UTC\tmaybe\nC3\t\t\n"
    extract = parse_extract_name("urls2024-03-05.txt")
    assert extract is not None
    bad: list[tuple[int, str]] = []
    made = []
    for line, row in read_rows(
        io.StringIO(text), extract.name, REQUIRED["urls"], lambda _f, n, w: bad.append((n, w))
    ):
        try:
            made.append(MAKERS["urls"](row, extract, line))
        except ValueError as exc:
            bad.append((line, str(exc)))
    assert [r["click_id"] for r in made] == ["C3"]
    assert bad == [
        (2, "click_timestamp is not a date"),
        (3, "first_click is neither TRUE nor FALSE"),
    ]
    with pytest.raises(ValueError, match="line 1: header lacks view_uid"):
        _read("walletpageview", "uuid\tviewed_at\nI1\t\n", "walletpageview_demo_2024-03-05.txt")


# ---- the emulator's files, read by the tap -------------------------------------------------
def _config(out: Path, **extra: Any) -> dict[str, Any]:
    return {**CONFIG, "extracts_path": str(out), **extra}


def test_a_busy_days_files_hold_every_kind_and_the_tap_reads_them(tmp_path: Path) -> None:
    store, _ = _busy_store(seed_value=5)
    written = ExtractWriter(store, tmp_path).write(date(2025, 10, 9))["files"]
    out = tmp_path / "files" / "out"
    for stream, kind in FILES.items():
        assert written[f"{kind}_demo_2025-10-09.txt"] > 0, stream

    run = run_tap(_config(out), streams=STREAMS)
    for stream in STREAMS:
        got = [tuple(r[k] for k in KEYS[stream]) for r in run.records[stream]]
        assert got == _file_keys(out, stream, "2025-10-09"), stream
    messages = run.records["messages"]
    statuses = Counter(r["message_status"] for r in messages)
    assert statuses["SUCCESS"] > len(messages) / 2 and len(statuses) > 1
    assert {r["activity_type"] for r in messages} >= {"broadcast"}
    linked = {r["message_id"]: r for r in messages if r["activity_type"] == "broadcast"}
    for click in run.records["url_clicks"]:
        sent = linked[click["message_id"]]
        assert sent["delivered"] and f"vbs.cm/{click['short_key']}" in sent["content"]
        assert click["long_url"] == "https://example.com/track"
        assert click["click_timestamp"] > sent["timestamp"]
    pushes = run.records["push_messages"]
    sent = {(p["activity_type"], p["content"]) for p in pushes}
    assert sent == {("wallet_message", "New\treward")}
    assert {v["wallet_page_type"] for v in run.records["wallet_page_views"]} <= {
        "smartlink",
        "passbook",
    }


def test_the_same_seed_writes_the_same_files_and_another_seed_others(tmp_path: Path) -> None:
    texts = []
    for number, seed_value in enumerate((5, 5, 6)):
        store, _ = _busy_store(seed_value)
        ExtractWriter(store, tmp_path / str(number)).write(date(2025, 10, 9))
        out = tmp_path / str(number) / "files" / "out"
        texts.append({p.name: p.read_text(encoding="utf-8") for p in sorted(out.iterdir())})
    assert texts[0] == texts[1]
    assert texts[0]["messages_demo_2025-10-09.txt"] != texts[2]["messages_demo_2025-10-09.txt"]


def test_the_stores_event_triggered_messages_are_written_as_sent(tmp_path: Path) -> None:
    """The hook for the sent_message table (event-triggered messages), in its fields."""
    store, clock = _busy_store(seed_value=5)
    state = store.core.company("demo")
    if "sent_message" not in state.tables:
        state.tables["sent_message"] = Table("sent_message")
    person = next(p for p in state.tables["person"].values() if p.get("mdn"))
    sent = {
        "event_id": "E1",
        "event_type": "order_shipped",
        "event_triggered_message_id": 7,
        "person_key": person["person_key"],
        "external_person_id": person.get("external_person_id"),
        "message": 'Your "order" shipped',
        "status": "delivered",
        "queued_at": int(clock.now * 1000) - 1000,
    }
    state.tables["sent_message"].put(
        "sms-1",
        {**sent, "message_id": "sms-1", "channel": "sms", "mdn": person["mdn"]},
    )
    state.tables["sent_message"].put(
        "push-1",
        {**sent, "message_id": "push-1", "channel": "push", "app_id": "A", "vibes_device_id": "D"},
    )
    ExtractWriter(store, tmp_path).write(date(2025, 10, 9))
    out = tmp_path / "files" / "out"
    texts = {r["message_id"]: r for r in _tsv(out / "messages_demo_2025-10-09.txt")}
    assert texts["sms-1"]["message_status"] == "SUCCESS"
    assert texts["sms-1"]["mdn"] == person["mdn"]
    assert (texts["sms-1"]["activity_type"], texts["sms-1"]["activity_id"]) == (
        "event_triggered_message",
        "7",
    )
    pushes = {r["message_id"]: r for r in _tsv(out / "pushmessages_demo_2025-10-09.txt")}
    assert (pushes["push-1"]["vibes_device_id"], pushes["push-1"]["app_id"]) == ("D", "A")
    assert pushes["push-1"]["content"] == 'Your "order" shipped'


def test_the_next_days_file_holds_only_what_happened_since(tmp_path: Path) -> None:
    store, clock = _busy_store(seed_value=5)
    writer = ExtractWriter(store, tmp_path)
    writer.write(date(2025, 10, 9))
    out = tmp_path / "files" / "out"
    first = run_tap(_config(out), streams=STREAMS)
    assert first.final_state["bookmarks"]["messages"]["replication_key_value"] == "2025-10-09"

    Activity(store, "demo").perform("opt_out", random.Random(1))
    clock.now += 24 * HOUR
    writer.write(date(2025, 10, 10))
    second = run_tap(_config(out), streams=STREAMS, state=first.final_state)
    assert {r["extract_date"] for s in STREAMS for r in second.records[s]} <= {"2025-10-10"}
    assert [(r["message_id"],) for r in second.records["messages"]] == _file_keys(
        out, "messages", "2025-10-10"
    )
    earlier = {r["message_id"] for r in first.records["messages"]}
    assert not earlier & {r["message_id"] for r in second.records["messages"]}
    third = run_tap(_config(out), streams=STREAMS, state=second.final_state)
    assert not any(third.records[s] for s in STREAMS)

    # start_date picks files by their date, as for the other extract streams.
    later = run_tap(_config(out, start_date="2025-10-10T00:00:00Z"), streams=("messages",))
    assert {r["extract_date"] for r in later.records["messages"]} == {"2025-10-10"}


def test_seeded_emulator_over_loopback_and_a_corrupt_file_fails_clearly(
    files_emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator = files_emulator
    written = emulator.control.call("POST", "extracts", {"date": "2024-03-01"})["files"]
    assert written["messages_demo_2024-03-01.txt"] > 0
    out = _out(emulator)
    config = {**emulator.config(), "extracts_path": str(out)}
    run = run_tap(config, streams=("messages",))
    rows = _tsv(out / "messages_demo_2024-03-01.txt")
    assert Counter(r["message_status"] for r in run.records["messages"]) == Counter(
        r["message_status"] for r in rows
    )

    (out / "urls_demo_2024-03-02.txt").write_bytes(b"click_id\tmdn\nC1\t\xff\xfe\n")
    with pytest.raises(ValueError, match=r"urls_demo_2024-03-02.txt, near the start: not UTF-8"):
        run_tap(config, streams=("url_clicks",))


@pytest.mark.slow
def test_the_messages_stream_killed_midway_resumes_at_the_file_it_was_reading(
    tmp_path: Path,
) -> None:
    out = tmp_path / "files" / "out"
    out.mkdir(parents=True)
    for day in range(1, 6):
        rows = []
        for n in range(60):
            row = dict.fromkeys(COLUMNS[MESSAGES], "")
            row.update(
                person_id=f"P{n}",
                message_id=f"M{day}-{n}",
                timestamp=f"2024-03-0{day} 0{n % 10}:00:00 -0600",
                message_status="SUCCESS" if n % 7 else "Route Not Found",
                content=f'Day {day}\t"{n}"',
            )
            rows.append(row)
        with (out / f"messages_demo_2024-03-0{day}.txt").open("w", newline="") as handle:
            write_tsv(handle, COLUMNS[MESSAGES], rows)
    _kill_resume_and_compare(tmp_path, {**CONFIG, "extracts_path": str(out)}, "messages")
