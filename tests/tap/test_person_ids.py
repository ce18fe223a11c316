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


def test_files_as_people_export_them(tmp_path: Path) -> None:
    """BOM, CRLF, blank lines (trailing too), quoted and padded values, quoted headers, and
    rows naming several ids: person_key wins, then external_person_id, then mdn."""
    path = tmp_path / "ids.csv"
    path.write_bytes(
        b'\xef\xbb\xbf"Person_Key","external_person_id",mdn,name\r\n'
        b"k1,ext-1,+15551230001,Ann\r\n"
        b"\r\n"
        b",ext-2,+15551230002,Bea\r\n"
        b', ," +15551230003 ",Cy\r\n'
        b" 'k4' ,,,Di\r\n"
        b",,,\r\n"
        b'"k,5",,,Ed\r\n'
        b"\r\n\r\n"
    )
    assert list(PersonIdsFile(path)) == [
        PersonId("person_key", "k1", 2),
        PersonId("external_person_id", "ext-2", 4),
        PersonId("mdn", "+15551230003", 5),
        PersonId("person_key", "k4", 6),
        PersonId("person_key", "k,5", 8),
    ]


@pytest.mark.parametrize(
    ("text", "line", "phrase"),
    [
        ("id,name\n1,x\n", 1, "header must name one of"),
        ("", None, "empty"),
        ("\n\n", None, "empty"),
        ("person_key,name\nk1,a\n,b\nk3,c\n", 3, "no id"),
        ("mdn,name\n+15551230001,a\n  ,+15551230002\n", 3, "no id"),
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
    path = write(tmp_path, "person_key,name\nk1,a\nk2,b\n,c\n")
    ids = iter(PersonIdsFile(path))
    assert next(ids).value == "k1"  # the bad line 4 is not read yet
    assert next(ids).value == "k2"
    with pytest.raises(PersonIdsFileError, match="line 4"):
        next(ids)


def test_a_bad_ids_file_stops_the_persons_stream_before_any_request(
    tmp_path: Path, emulator: RunningEmulator
) -> None:
    path = write(tmp_path, "person_key,name\nk1,a\nk2,b\n,c\nk4,d\n")
    emulator.control.reset_stats()
    config = {**emulator.config(), "person_ids_file": str(path)}
    with pytest.raises(PersonIdsFileError, match=r"ids\.csv, line 4: no id"):
        run_tap(config, streams=("persons",))
    assert emulator.control.stats()["requests"] == 0
