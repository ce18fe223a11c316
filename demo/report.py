"""The demo's printed tables and the check of the warehouse against what the tap emitted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from demo.logs import StreamFigures


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Left-aligned first column, right-aligned numbers, two spaces between columns."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]

    numeric = [
        bool(rows) and all(isinstance(row[i], int | float) or row[i] == "" for row in rows)
        for i in range(len(headers))
    ]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if right else v.ljust(w)
            for v, w, right in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(list(headers)), line(["-" * w for w in widths]), *map(line, cells)])


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


@dataclass(frozen=True)
class Mismatch:
    """A stream whose rows in the warehouse differ from the RECORD messages the tap wrote."""

    stream: str
    records: int
    rows: int

    def __str__(self) -> str:
        return (
            f"{self.stream}: the tap emitted {self.records} records, "
            f"the warehouse received {self.rows} rows"
        )


def check_rows(tap: Mapping[str, StreamFigures], rows: Mapping[str, int]) -> list[Mismatch]:
    """Every stream the tap reported, or the warehouse holds, must agree exactly."""
    names = sorted(set(tap) | set(rows))
    return [
        Mismatch(name, tap[name].records if name in tap else 0, rows.get(name, 0))
        for name in names
        if (tap[name].records if name in tap else 0) != rows.get(name, 0)
    ]


def extract_table(
    tap: Mapping[str, StreamFigures],
    rows: Mapping[str, int],
    full_load: Mapping[str, int] | None = None,
) -> str:
    """Per stream: records, rows the warehouse received, HTTP figures, seconds.

    On an incremental run ``full_load`` (records per stream of the first run) adds a column.
    """
    headers = ["stream", "records", "rows in DuckDB", "requests", "retries", "429s", "seconds"]
    if full_load is not None:
        headers.insert(1, "full load")
    body: list[list[object]] = []
    totals = [0] * (6 if full_load is not None else 5)
    for name in sorted(tap):
        f = tap[name]
        values = [f.records, rows.get(name, 0), f.requests, f.retries, f.throttled]
        if full_load is not None:
            values.insert(0, full_load.get(name, 0))
        totals = [a + b for a, b in zip(totals, values, strict=True)]
        body.append([name, *values, f.seconds])
    body.append(["total", *totals, ""])
    return table(headers, body)


def load_table(target: Mapping[str, StreamFigures], seconds: float) -> str:
    headers = [
        "stream -> resource",
        "records",
        "written",
        "unchanged",
        "rejected",
        "requests",
        "retries",
        "429s",
        "seconds",
    ]
    body: list[list[object]] = []
    for name in sorted(target):
        f = target[name]
        body.append(
            [
                f"{name} -> {f.resource}",
                f.records,
                f.outcomes.get("written", 0),
                f.outcomes.get("unchanged", 0),
                f.outcomes.get("rejected", 0),
                f.requests,
                f.retries,
                f.throttled,
                seconds,
            ]
        )
    return table(headers, body)
