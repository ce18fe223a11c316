"""The file-import sinks: a batch becomes import files, delivered, and their results read.

Mapping failures are dead-lettered before anything is written (as on the API path). A
dry run writes and uploads nothing and counts each row as the import it would be. After
delivery the sink waits up to ``files_result_timeout_seconds`` for the result file; rows it
lists as failed are dead-lettered with the platform's reason, the others count as
written. With no result in time (Vibes documents none, FACTS §8.8), rows count as written
("import" uploaded) and a warning says the outcome is unknown.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from target_vibes.failures import RunStopped
from target_vibes.file_imports.destination import ImportDestination
from target_vibes.file_imports.formats import EXTENSIONS, field_list, parse_result, write_import
from target_vibes.file_imports.rows import (
    UNCONFIRMED_OPT_IN,
    FileRow,
    person_row,
    subscriber_row,
    wallet_row,
)
from target_vibes.outcomes import Result
from target_vibes.sinks.base import Pending, VibesSink
from target_vibes.sinks.subscribers import SubscriberHistory, subscription_of
from vibes_api.client import VibesClient
from vibes_api.errors import VibesRequestError

# The run's one destination, a named resource of the session (one SFTP session serves
# every stream).
_DESTINATION = "import destination"


def shared_destination(sink: VibesSink) -> ImportDestination:
    return sink.session.resource(_DESTINATION, lambda: ImportDestination(sink.config))


class FileImportSink(VibesSink):
    """Base: ``prepare`` maps a record to (import kind, row); batches become files."""

    MAX_SIZE_DEFAULT = 100_000  # one file per batch: fewer, larger files

    def setup(self) -> None:
        super(VibesSink, self).setup()  # no API session needed

    def prepare(self, record: dict[str, Any]) -> tuple[str | None, Any]:
        return None, self.row(record)

    def row(self, record: Mapping[str, Any]) -> FileRow:
        raise NotImplementedError

    def send_batch(self, pending: list[Pending]) -> None:
        by_kind: dict[str, list[Pending]] = {}
        for item in pending:
            by_kind.setdefault(item.write[0], []).append(item)
        for kind, items in by_kind.items():
            if self.dry_run:
                for item in items:
                    self.settle(item.record, Result.written(f"import {kind}"))
                continue
            self._deliver(kind, items)

    def _deliver(self, kind: str, items: list[Pending]) -> None:
        destination = shared_destination(self)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"target-vibes_{self.stream_name}_{stamp}{EXTENSIONS[kind]}"
        rows = [item.write[1] for item in items]
        with tempfile.TemporaryDirectory(prefix="vibes-import-") as folder:
            local = Path(folder) / name
            with local.open("w", encoding="utf-8", newline="") as handle:
                write_import(handle, field_list(rows), rows)
            destination.deliver(local, name)
        self.logger.info(
            "stream %s: %d row(s) sent as %s to %s",
            self.stream_name,
            len(rows),
            name,
            destination.describe(),
        )
        timeout = float(self.config.get("files_result_timeout_seconds") or 0)
        text = destination.read_result(name, timeout) if timeout > 0 else None
        if text is None:
            if timeout > 0:
                self.logger.warning(
                    "stream %s: no result for %s within %.0f s; rows counted as sent",
                    self.stream_name,
                    name,
                    timeout,
                )
            for item in items:
                self.settle(item.record, Result.written(f"import {kind}"))
            return
        _, failures = parse_result(text)
        reasons = dict(failures)
        whole_file = reasons.get(0)
        for number, item in enumerate(items, start=1):
            reason = whole_file or reasons.get(number)
            if reason is None:
                self.settle(item.record, Result.written(f"import {kind}"))
            else:
                self.settle(item.record, Result.rejected(f"{name} row {number}: {reason}"))

    def clean_up(self) -> None:
        self.session.forget(_DESTINATION)
        super().clean_up()


class PersonsFileSink(FileImportSink):
    resource = "persons"

    def row(self, record: Mapping[str, Any]) -> FileRow:
        return person_row(record, self.route)


class SubscribersFileSink(FileImportSink, SubscriberHistory):
    """Subscriber and opt-out imports, with the API path's rule that only the latest row
    per person and list decides, and that a dated row (tap-vibes output, a warehouse copy of
    it) is first checked against Vibes' history: an Opt-Out Import would otherwise
    unsubscribe someone who subscribed again after the row's opt-out."""

    resource = "subscribers"

    def prepare(self, record: dict[str, Any]) -> tuple[str | None, Any]:
        # Whether a subscribe row may go is decided once history has had its say: a row
        # for someone already subscribed changes nothing and needs no confirmation.
        kind, row = subscriber_row(record, self.route, confirmed_opt_ins=True)
        key, change = self.subscriber(record)
        return key, (kind, row, change)

    def send_batch(self, pending: list[Pending]) -> None:
        latest = [item for group in self.latest(pending) for item in group]
        dated = [item for item in latest if subscription_of(item).as_of is not None]
        if dated:
            done = self.session.run(self._settled(self.session.client, dated))
            for item, result in done:
                self.settle(item.record, result)
            finished = {id(item) for item, _ in done}
            latest = [item for item in latest if id(item) not in finished]
        if not self.config.get("files_confirmed_opt_ins", False):
            for item in latest:
                if item.write[0] == "subscriptions":
                    self.settle(item.record, Result.rejected(UNCONFIRMED_OPT_IN))
            latest = [item for item in latest if item.write[0] != "subscriptions"]
        super().send_batch(latest)

    async def _settled(
        self, client: VibesClient, items: list[Pending]
    ) -> list[tuple[Pending, Result]]:
        """The dated rows Vibes' history makes pointless, read ``window`` at a time."""
        window = asyncio.Semaphore(self.session.window)

        async def check(item: Pending) -> tuple[Pending, Result | None]:
            change = subscription_of(item)
            async with window:
                try:
                    path = await self.person_path(client, change)
                    return item, await self.settled_already(client, change, path)
                except VibesRequestError as failure:
                    raise RunStopped(
                        f"stream {self.stream_name}: reading subscriptions failed: {failure}; "
                        "no import was sent and no STATE emitted past this batch"
                    ) from failure

        checked = await asyncio.gather(*(check(item) for item in items))
        return [(item, result) for item, result in checked if result is not None]


class WalletItemsFileSink(FileImportSink):
    resource = "wallet_items"

    def row(self, record: Mapping[str, Any]) -> FileRow:
        return wallet_row(record, self.route)


FILE_SINK_BY_RESOURCE: dict[str, type[VibesSink]] = {
    sink.resource: sink for sink in (PersonsFileSink, SubscribersFileSink, WalletItemsFileSink)
}
