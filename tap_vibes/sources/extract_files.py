"""Vibes' extract files as a tap reads them: names, listing and streamed rows (FACTS §4.2).

Three generations of names are accepted (FACTS §8.12): ``current_subscribers_<company>_<date>.txt``
(current), ``CURRENT_SUBSCRIBERS_YYYY-MM-DD.TXT`` (DP) and ``subscriptionsYYYY-MM-DD.txt``
(old wiki); ``walletInstance_YYYY-MM-DD.txt``, ``PUSHMESSAGES_YYYY-MM-DD.TXT``,
``urlsYYYY-MM-DD.txt`` and the like too, and ``walletpageview(s)`` for the Wallet Page View
Extract, whose name Vibes does not publish. A name carrying another company's key is
ignored (one directory may hold several companies). Rows are read with the csv module over
a text stream, one at a time: a million-row file never sits in memory. A malformed row
(wrong field count, bad CSV, a missing required value) is reported with its file and line
and skipped; the rest of the file loads.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Protocol

logger = logging.getLogger("tap_vibes")

CURRENT_SUBSCRIBERS = "current_subscribers"
SUBSCRIPTIONS = "subscriptions"
WALLET_INSTANCE = "walletinstance"
MESSAGES = "messages"
PUSH_MESSAGES = "pushmessages"
URL_CLICKS = "urls"
WALLET_PAGE_VIEWS = "walletpageview"

_NAME = re.compile(
    r"^(?P<kind>current_subscribers|subscriptions|walletinstance|messages|pushmessages|urls"
    r"|walletpageviews?)"
    r"(?:_(?P<company>.+?))?_?(?P<date>\d{4}-\d{2}-\d{2})\.[a-z0-9]+$",
    re.IGNORECASE,
)
# Vibes publishes no Wallet Page View file name (FACTS §8.7): the singular (the emulator's
# choice, like walletinstance) and the plural are both read as one kind.
_KIND_ALIASES = {"walletpageviews": WALLET_PAGE_VIEWS}
# The csv module's default field limit (128 KiB) is far above any documented column width.
Row = dict[str, str]
MalformedHandler = Callable[[str, int, str], None]


@dataclass(frozen=True, order=True)
class ExtractFile:
    """One extract file: its date and kind (what orders them) and its name."""

    day: date
    kind: str
    name: str


def parse_extract_name(name: str, company_key: str | None = None) -> ExtractFile | None:
    """The extract a file name denotes, or None (not an extract, or another company's)."""
    match = _NAME.match(name)
    if match is None:
        return None
    company = match.group("company")
    if company is not None and company_key is not None and company != company_key:
        return None
    try:
        day = date.fromisoformat(match.group("date"))
    except ValueError:
        return None
    kind = match.group("kind").lower()
    return ExtractFile(day, _KIND_ALIASES.get(kind, kind), name)


def select_extracts(names: list[str], company_key: str | None) -> list[ExtractFile]:
    """The extracts among ``names``, oldest first; of two names for one (kind, date) (say a
    current and an old-style name) the first in name order is kept."""
    found: dict[tuple[date, str], ExtractFile] = {}
    for name in sorted(names):
        extract = parse_extract_name(name, company_key)
        if extract is not None:
            found.setdefault((extract.day, extract.kind), extract)
    return sorted(found.values())


class ExtractSource(Protocol):
    """Where extracts are: a local directory, or Vibes' SFTP ``/files/out``."""

    def describe(self) -> str: ...

    def names(self) -> list[str]: ...

    def open_text(self, name: str) -> AbstractContextManager[IO[str]]: ...

    def close(self) -> None: ...


_SEARCH_DEPTH = 3


def extract_folders(directory: Path, company_key: str | None = None) -> list[Path]:
    """Folders at most three levels below ``directory`` that hold extracts, nearest first
    (Vibes' SFTP layout and the emulator put them in ``files/out``)."""
    found: list[Path] = []
    level = [directory]
    for _ in range(_SEARCH_DEPTH):
        below: list[Path] = []
        for folder in level:
            try:
                children = sorted(p for p in folder.iterdir() if p.is_dir())
            except OSError:
                continue
            below.extend(children)
        found.extend(f for f in below if _holds_extracts(f, company_key))
        if found:
            return found
        level = below
    return found


def _holds_extracts(folder: Path, company_key: str | None) -> bool:
    try:
        names = [p.name for p in folder.iterdir() if p.is_file()]
    except OSError:
        return False
    return bool(select_extracts(names, company_key))


def folder_to_read(setting: str, below: list[str]) -> str:
    """For an extracts_path that holds no extract: the one folder below it that does (the
    setting named the folder above ``files/out``), with a warning; with none or several,
    the setting's own folder, and the warning names them."""
    if len(below) == 1:
        logger.warning(
            "extracts_path %s holds no extract file; reading the extracts in %s, below it "
            "(set extracts_path to that folder to silence this warning)",
            setting,
            below[0],
        )
        return below[0]
    if below:
        logger.warning(
            "extracts_path %s holds no extract file; several folders below it do: %s. "
            "Set extracts_path to one of them.",
            setting,
            ", ".join(below),
        )
    else:
        logger.warning(
            "extracts_path %s holds no extract file (names such as "
            "current_subscribers_<company>_<date>.txt), nor does any folder below it",
            setting,
        )
    return setting


class LocalExtracts:
    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    @classmethod
    def locate(cls, directory: str | Path, company_key: str | None = None) -> LocalExtracts:
        """``directory``, or the one folder below it that holds the extracts (see
        ``folder_to_read``)."""
        here = Path(directory)
        if not here.is_dir():
            raise ExtractError(f"extracts_path {here}: not a directory")
        if _holds_extracts(here, company_key):
            return cls(here)
        below = [str(f) for f in extract_folders(here, company_key)]
        return cls(folder_to_read(str(here), below))

    def describe(self) -> str:
        return str(self.directory)

    def names(self) -> list[str]:
        try:
            return [p.name for p in self.directory.iterdir() if p.is_file()]
        except OSError as exc:
            raise ExtractError(f"extracts_path {self.directory}: {exc.strerror}") from None

    def open_text(self, name: str) -> AbstractContextManager[IO[str]]:
        return (self.directory / name).open(encoding="utf-8-sig", newline="")

    def close(self) -> None:
        """Nothing stays open between files."""


class ExtractError(ValueError):
    """An extract location or file cannot be read at all (message names it)."""


def read_rows(
    handle: IO[str],
    file_name: str,
    required: tuple[str, ...],
    on_malformed: MalformedHandler,
) -> Iterator[tuple[int, Row]]:
    """(line, row) per well-formed row, header names lowercased (``Platform`` occurs)."""
    reader = csv.reader(handle, delimiter="\t", strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ExtractError(f"{file_name}, line 1: header is not valid ({exc})") from None
    except UnicodeDecodeError:
        # Text is decoded a block at a time: the bad bytes may be in any of the first lines.
        raise ExtractError(f"{file_name}, near the start: not UTF-8 text") from None
    if header is None:
        return
    names = [column.strip().lower() for column in header]
    missing = [column for column in required if column not in names]
    if missing:
        raise ExtractError(f"{file_name}, line 1: header lacks {', '.join(missing)}")
    width = len(names)
    line = reader.line_num
    while True:
        start = line + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num
            on_malformed(file_name, start, f"not valid TSV ({exc})")
            continue
        except UnicodeDecodeError:
            raise ExtractError(f"{file_name}, line {start}: not UTF-8 text") from None
        line = reader.line_num
        if not fields:
            continue  # a blank line carries no record
        if len(fields) != width:
            on_malformed(file_name, start, f"{len(fields)} fields, the header has {width}")
            continue
        row = dict(zip(names, fields, strict=True))
        empty = [column for column in required if not row[column].strip()]
        if empty:
            on_malformed(file_name, start, f"no value for {', '.join(empty)}")
            continue
        yield start, row


def log_malformed(file_name: str, line: int, reason: str) -> None:
    # Never the row itself: it holds phone numbers.
    logger.warning("extract %s, line %d: malformed row skipped: %s", file_name, line, reason)
