"""Pure parsing of Vibes import files (FACTS §4.3) and formatting of their result files.

An import file is an optional header block of ``Name: value`` lines, a blank line, then
the body: delimited text (``,`` unless ``Delimiter`` says otherwise), fields quoted with
``"`` and inner quotes doubled, UTF-8. Without a ``Fields`` header the first body row names
the columns. Field names must be lowercase. The type is the file-name extension.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

IMPORT_TYPES = {
    ".persons": "persons",
    ".person": "persons",
    ".subscriptions": "subscriptions",
    ".opt_outs": "opt_outs",
    ".wallet_update": "wallet_update",
}
KNOWN_HEADERS = (
    "fields", "delimiter", "multi-select-delimiter", "content-type",
    "subscription-list-id", "campaign-token",
)  # fmt: skip
_HEADER = re.compile(r"^([A-Za-z][A-Za-z-]*)\s*:\s*(.*)$")


class ImportFileError(ValueError):
    """The whole file cannot be read (no usable header, bad encoding...)."""


@dataclass
class ImportBody:
    headers: dict[str, str]
    fields: list[str]
    rows: Iterator[tuple[int, int, dict[str, str]]]  # (row number, line, values)
    problems: list[tuple[int, int, str]] = field(default_factory=list)


def import_type(name: str) -> str | None:
    for extension, kind in IMPORT_TYPES.items():
        if name.lower().endswith(extension):
            return kind
    return None


def _is_header(line: str) -> bool:
    match = _HEADER.match(line.strip())
    return match is not None and match.group(1).lower() in KNOWN_HEADERS


def read_import(handle: IO[str]) -> ImportBody:
    """Headers, field names and a lazy iterator over the body rows."""
    headers: dict[str, str] = {}
    line_no = 0
    first = handle.readline()
    line_no += 1
    pending: list[str] = []
    if _is_header(first):
        line = first
        while line.strip():
            match = _HEADER.match(line.strip())
            if match is None:
                raise ImportFileError(f"line {line_no}: expected 'Name: value' in the header")
            headers[match.group(1).lower()] = match.group(2).strip()
            line = handle.readline()
            line_no += 1
            if not line:
                break
    else:
        pending.append(first)
    delimiter = headers.get("delimiter") or ","
    if delimiter.lower() in ("tab", "\\t"):
        delimiter = "\t"
    if len(delimiter) != 1:
        raise ImportFileError(f"Delimiter must be one character, got {delimiter!r}")
    body_start = line_no + (0 if pending else 1)

    def lines() -> Iterator[str]:
        yield from pending
        yield from handle

    reader = csv.reader(lines(), delimiter=delimiter, strict=True)
    if "fields" in headers:
        names = [n.strip() for n in next(csv.reader([headers["fields"]], delimiter=delimiter))]
    else:
        try:
            names = [n.strip() for n in next(reader)]
        except StopIteration:
            raise ImportFileError("the file has no body and no Fields header") from None
    if not names or not all(names):
        raise ImportFileError("empty field name in the field list")
    upper = [n for n in names if n != n.lower()]
    if upper:
        raise ImportFileError(f"field names must be lowercase: {', '.join(upper)}")
    offset = body_start - 1
    body = ImportBody(headers, names, iter(()))
    body.rows = _rows(reader, names, offset, body)
    return body


def _rows(
    reader: Iterator[list[str]], names: list[str], offset: int, body: ImportBody
) -> Iterator[tuple[int, int, dict[str, str]]]:
    number = 0
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            number += 1
            body.problems.append((number, offset + getattr(reader, "line_num", 0), str(exc)))
            continue
        if not values or not any(v.strip() for v in values):
            continue
        number += 1
        line = offset + getattr(reader, "line_num", number)
        if len(values) != len(names):
            body.problems.append(
                (number, line, f"{len(values)} fields, the field list has {len(names)}")
            )
            continue
        yield number, line, dict(zip(names, values, strict=True))


def format_result(name: str, total: int, failures: list[tuple[int, int, str]]) -> str:
    """The result file: a header block like an import's, then ``row,line,reason`` lines."""
    out = [
        f"File: {name}",
        f"Rows: {total}",
        f"Succeeded: {total - len(failures)}",
        f"Failed: {len(failures)}",
        "",
        "row,line,reason",
    ]
    for row, line, reason in sorted(failures):
        out.append(f'{row},{line},"{reason.replace(chr(34), chr(34) * 2)}"')
    return "\n".join(out) + "\n"
