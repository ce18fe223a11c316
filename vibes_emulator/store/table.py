"""A table of one kind of record that keeps its own indexes and its durable copy.

Every write goes through :meth:`Table.put` or :meth:`Table.remove`, which update the
declared indexes, tell the table's change hook and write through to persistence, so none
of these can drift from the records. Reads see the table as a read-only mapping.

Records may be changed in place and put back under the same id (handlers keep references
to them): the table remembers the index values each record was filed under, so moving a
record from one MDN or campaign to another unfiles the old value, not the new one.
"""

from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterator, KeysView, Mapping, ValuesView
from dataclasses import dataclass
from typing import Any

Record = dict[str, Any]
Writer = Callable[[str, str, Record | None], None]
ChangeHook = Callable[[Record], None]


@dataclass(frozen=True)
class Unique:
    """At most one record per value of ``key`` (records whose key is None are not filed)."""

    name: str
    key: Callable[[Record], str | None]


@dataclass(frozen=True)
class Group:
    """Records grouped by ``key``; within a group, each one filed under ``member``."""

    name: str
    key: Callable[[Record], str]
    member: Callable[[Record], str]


_EMPTY: Mapping[str, Record] = {}


class Table(Mapping[str, Record]):
    def __init__(
        self,
        kind: str,
        *,
        unique: tuple[Unique, ...] = (),
        groups: tuple[Group, ...] = (),
        order: Callable[[str], Any] | None = None,
        on_change: ChangeHook | None = None,
    ) -> None:
        self.kind = kind
        self._unique = unique
        self._groups = groups
        # Sort key of record ids that load and rebuild restore (e.g. creation order).
        self._order = order
        self._on_change = on_change
        self._records: dict[str, Record] = {}
        self._found: dict[str, dict[str, Record]] = {u.name: {} for u in unique}
        self._grouped: dict[str, dict[str, dict[str, Record]]] = {g.name: {} for g in groups}
        # Per record id: the (index name, value, member) it is filed under.
        self._filed: dict[str, list[tuple[str, str, str]]] = {}
        # Write-through to persistence; None while detached (loading, seeding, no database).
        self.writer: Writer | None = None

    # ---- reads ---------------------------------------------------------------------
    def __getitem__(self, record_id: str) -> Record:
        return self._records[record_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._records

    # The mixins would go through __getitem__ (and an exception per miss) on hot paths.
    def get(self, record_id: str, default: Any = None) -> Any:
        return self._records.get(record_id, default)

    def keys(self) -> KeysView[str]:
        return self._records.keys()

    def values(self) -> ValuesView[Record]:
        return self._records.values()

    def items(self) -> ItemsView[str, Record]:
        return self._records.items()

    def find(self, index: str, value: str) -> Record | None:
        """The record whose unique ``index`` value is ``value``."""
        return self._found[index].get(value)

    def group(self, index: str, value: str) -> Mapping[str, Record]:
        """The records filed under ``value`` in group ``index`` (by member), maybe empty."""
        return self._grouped[index].get(value, _EMPTY)

    def groups(self, index: str) -> Mapping[str, Mapping[str, Record]]:
        return self._grouped[index]

    # ---- writes --------------------------------------------------------------------
    def put(self, record_id: str, record: Record) -> None:
        self._unfile(record_id)
        self._records[record_id] = record
        self._file(record_id, record)
        if self.writer is not None:
            self.writer(self.kind, record_id, record)
        if self._on_change is not None:
            self._on_change(record)

    def remove(self, record_id: str) -> None:
        self._unfile(record_id)
        record = self._records.pop(record_id, None)
        if self.writer is not None:
            self.writer(self.kind, record_id, None)
        if record is not None and self._on_change is not None:
            self._on_change(record)

    def load(self, record_id: str, record: Record) -> None:
        """Add a record that is already durable (or will be saved whole): no write-through."""
        self._unfile(record_id)
        self._records[record_id] = record
        self._file(record_id, record)

    def clear(self) -> None:
        """Forget every record (not written through: the caller replaces the durable copy)."""
        self._records = {}
        self.rebuild()

    def rebuild(self) -> None:
        """Restore the declared order and file every record again (after a bulk load)."""
        if self._order is not None:
            order = self._order
            self._records = dict(sorted(self._records.items(), key=lambda kv: order(kv[0])))
        self._found = {u.name: {} for u in self._unique}
        self._grouped = {g.name: {} for g in self._groups}
        self._filed = {}
        for record_id, record in self._records.items():
            self._file(record_id, record)

    def _file(self, record_id: str, record: Record) -> None:
        filed: list[tuple[str, str, str]] = []
        for unique in self._unique:
            value = unique.key(record)
            if value is not None:
                self._found[unique.name][value] = record
                filed.append((unique.name, value, ""))
        for group in self._groups:
            value, member = group.key(record), group.member(record)
            self._grouped[group.name].setdefault(value, {})[member] = record
            filed.append((group.name, value, member))
        if filed:
            self._filed[record_id] = filed

    def _unfile(self, record_id: str) -> None:
        old = self._records.get(record_id)
        for name, value, member in self._filed.pop(record_id, ()):
            if name in self._found:
                if self._found[name].get(value) is old:
                    del self._found[name][value]
                continue
            members = self._grouped[name].get(value)
            if members is not None and members.get(member) is old:
                del members[member]
                if not members:
                    del self._grouped[name][value]
