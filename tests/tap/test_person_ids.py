"""The person_ids_file reader: kinds of ids, file order, and errors naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tap_vibes.person_ids import PersonId, PersonIdsFile, PersonIdsFileError
from tests.tap.harness import run_tap
from vibes_emulator.testing import RunningEmulator


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ids.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_every_kind_in_file_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "person_key,external_person_id,mdn,note\nk1,,,a\n,ext-2,,b\n,, +15551230003 ,c\n",
    )
    assert list(PersonIdsFile(path)) == [
        PersonId("person_key", "k1", 2),
        PersonId("external_person_id", "ext-2", 3),
        PersonId("mdn", "+15551230003", 4),
    ]
    assert PersonIdsFile(path).check() == 3


def test_single_column_file_with_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_bytes(b"\xef\xbb\xbfMDN\r\n+15551230001\r\n+15551230002\r\n")
    assert [p.value for p in PersonIdsFile(path)] == ["+15551230001", "+15551230002"]


@pytest.mark.parametrize(
    ("text", "line", "phrase"),
    [
        ("id,name\n1,x\n", 1, "header must name one of"),
        ("", None, "empty"),
        ("person_key\nk1\n\nk3\n", 3, "no id"),
        ("person_key,mdn\nk1,+15551230001\n", 2, "2 ids"),
        ("mdn\n+15551230001\n   \n", 3, "no id"),
    ],
)
def test_bad_files_fail_with_file_and_line(
    tmp_path: Path, text: str, line: int | None, phrase: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PersonIdsFileError) as caught:
        PersonIdsFile(path).check()
    message = str(caught.value)
    assert str(path) in message
    assert phrase in message
    if line is not None:
        assert f"line {line}" in message
    assert "+1555" not in message  # rows (phone numbers) are never echoed


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PersonIdsFileError, match="cannot be read"):
        PersonIdsFile(tmp_path / "nope.csv").check()


def test_reading_is_lazy(tmp_path: Path) -> None:
    path = write(tmp_path, "person_key\nk1\nk2\n\n")
    ids = iter(PersonIdsFile(path))
    assert next(ids).value == "k1"  # the bad line 4 is not read yet
    assert next(ids).value == "k2"
    with pytest.raises(PersonIdsFileError, match="line 4"):
        next(ids)


def test_a_bad_ids_file_stops_the_persons_stream_before_any_request(
    tmp_path: Path, emulator: RunningEmulator
) -> None:
    path = write(tmp_path, "person_key\nk1\nk2\n\nk4\n")
    emulator.control.reset_stats()
    config = {**emulator.config(), "person_ids_file": str(path)}
    with pytest.raises(PersonIdsFileError, match=r"ids\.csv, line 4: no id"):
        run_tap(config, streams=("persons",))
    assert emulator.control.stats()["requests"] == 0
