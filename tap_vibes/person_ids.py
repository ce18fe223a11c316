"""The ``person_ids_file`` setting: a CSV of persons to hydrate, read as a stream.

The header names at least one of ``person_key``, ``external_person_id`` or ``mdn`` (other
columns are ignored). Files come as people export them: a BOM, CRLF line ends, blank lines
(skipped), values quoted or padded with spaces. A row may fill several id columns (a CRM
export that has both keys): the first of ``person_key``, ``external_person_id``, ``mdn``
wins, as that is the order in which an id names one Vibes person most directly. A row with
other values but no id is an error. Errors name the file and the line, and never echo the
row (it may hold a phone number). The file is read lazily, so a million ids never sit in
memory at once; ``check()`` is a fast first pass that finds bad rows before any request.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from vibes_api.masking import mask_mdn, mask_text
from vibes_api.values import PERSON_ID_KINDS

_QUOTES = ('"', "'")


def clean_value(text: str) -> str:
    """A cell without padding and without one pair of quotes around it (``"k1"`` or
    ``'k1'`` left over when a spreadsheet quotes a value the CSV layer did not unquote)."""
    value = text.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in _QUOTES:
        value = value[1:-1].strip()
    return value


class PersonIdsFileError(ValueError):
    """The ids file cannot be used; the message names the file and the line."""


@dataclass(frozen=True, slots=True)
class PersonId:
    """One id from the file and the line it came from."""

    kind: str  # one of the file's id columns (a PersonIdKind for person_ids_file)
    value: str
    line: int

    def describe(self) -> str:
        """The id for a log line, its phone number or email masked (person keys are not
        personal; an external id may be an email address or a phone number)."""
        if self.kind == "mdn":
            return f"mdn={mask_mdn(self.value)}"
        if self.kind == "external_person_id":
            return f"external_person_id={mask_text(self.value)}"
        return f"{self.kind}={self.value}"


class PersonIdsFile:
    """Iterating yields a :class:`PersonId` per row, in file order.

    Another file of ids read the same way (``incentive_codes_file``) subclasses it, naming
    its setting and its id columns."""

    setting: ClassVar[str] = "person_ids_file"
    columns: ClassVar[tuple[str, ...]] = PERSON_ID_KINDS

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def check(self) -> int:
        """Read the whole file once, raising on the first bad line; returns the id count."""
        return sum(1 for _ in self)

    def __iter__(self) -> Iterator[PersonId]:
        try:
            handle = self.path.open(newline="", encoding="utf-8-sig")
        except OSError as exc:
            raise PersonIdsFileError(
                f"{self.setting} {self.path}: cannot be read ({exc.strerror})"
            ) from None
        with handle:
            reader = csv.reader(handle)
            try:
                yield from self._rows(reader)
            except csv.Error as exc:
                raise PersonIdsFileError(
                    f"{self.setting} {self.path}, line {reader.line_num}: not valid CSV ({exc})"
                ) from None
            except UnicodeDecodeError:
                raise PersonIdsFileError(
                    f"{self.setting} {self.path}, line {reader.line_num + 1}: not UTF-8 text"
                ) from None

    def _rows(self, reader: Iterator[list[str]]) -> Iterator[PersonId]:
        header = next((row for row in reader if any(clean_value(cell) for cell in row)), None)
        line = getattr(reader, "line_num", 1)
        columns = self._id_columns(header, line)
        for row in reader:
            line = getattr(reader, "line_num", line + 1)
            if not any(clean_value(cell) for cell in row):
                continue  # a blank line (or a row of empty cells) names nobody
            found = [(kind, clean_value(row[i])) for kind, i in columns if i < len(row)]
            ids = [(kind, value) for kind, value in found if value]
            if not ids:
                raise PersonIdsFileError(
                    f"{self.setting} {self.path}, line {line}: no id in columns "
                    f"{', '.join(kind for kind, _ in columns)}"
                )
            kind, value = ids[0]  # columns are in order of precedence
            yield PersonId(kind, value, line)

    def _id_columns(self, header: list[str] | None, line: int) -> list[tuple[str, int]]:
        if header is None:
            raise PersonIdsFileError(
                f"{self.setting} {self.path}: empty; the first line must be a header naming "
                f"one of {', '.join(self.columns)}"
            )
        names = [clean_value(name).lower() for name in header]
        columns = [(kind, names.index(kind)) for kind in self.columns if kind in names]
        if not columns:
            raise PersonIdsFileError(
                f"{self.setting} {self.path}, line {line}: the header must name one of "
                f"{', '.join(self.columns)}; "
                f"found {', '.join(repr(n) for n in names) or 'nothing'}"
            )
        return columns
