"""The one base sink: map, batch, write concurrently in order per key, account outcomes.

A concrete sink declares its resource and three things: ``prepare`` (pure mapping of a
record to a write and its ordering key), ``write`` (the requests and the rule that turns
Vibes' answer into an outcome) and ``plan`` (what a dry run reads to decide). Everything
else lives here:

- Records whose mapping fails, or that break their stream's schema, are rejected at once
  (dead letter with the reason).
- A batch is split by key (a person, a wallet item); each key's writes run one after
  another in input order while different keys run concurrently through the shared
  AsyncRunner, under the client's rate limit and in-flight window.
- Vibes' 4xx answers reject the record. Failures that retries could not fix (5xx, 429
  storms, dropped connections, bad credentials) stop the batch and fail the run: the SDK
  then never emits the STATE after it, so the last STATE written is a safe place to resume.
  The exception: a write that is not safe to repeat (broadcast, wallet message, incentive
  issuance or redemption) whose answer was lost is dead-lettered as "may or may not have"
  done it.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from singer_sdk.sinks import BatchSink
from singer_sdk.sinks.core import BaseJSONSchemaValidator

from target_vibes.early_stop import FirstRecordsWatch
from target_vibes.failures import RunStopped, messaging_refused_message
from target_vibes.mapping.common import AlreadyInVibes, MappingError
from target_vibes.outcomes import Outcome, Result, progress_key
from target_vibes.routing import Messaging, RouteOption
from target_vibes.validation import RecordSchemaCheck
from vibes_api.client import VibesClient, VibesResponse
from vibes_api.endpoints import Call
from vibes_api.errors import VibesAPIError, VibesRequestError
from vibes_api.masking import mask_logger

if TYPE_CHECKING:
    from target_vibes.target import TargetVibes

_DRY_RUN_REASONS_SHOWN = 20
SUPERSEDED = "superseded by a later row for the same person and list in this batch"


class MessagingRefused(MappingError):
    """The record would text or notify real people and allow_messaging is false."""

    def __init__(self, what: str) -> None:
        super().__init__(messaging_refused_message(what))


class DryRunWriteAttempt(RuntimeError):
    """A sink tried to write during a dry run (a bug; nothing was sent)."""


@dataclass(slots=True)
class Pending:
    """A mapped record waiting for its batch: the record, its ordering key, its write."""

    record: dict[str, Any]
    key: str | None
    write: Any


class _Abort:
    """Shared by one batch's coroutines: the first fatal failure stops the rest."""

    def __init__(self) -> None:
        self.error: VibesRequestError | None = None


def group_by_key(items: list[Pending]) -> list[list[Pending]]:
    """Items split by ordering key, in order of first appearance; keyless items alone."""
    groups: dict[object, list[Pending]] = {}
    for index, item in enumerate(items):
        key: object = item.key if item.key is not None else ("#", index)
        groups.setdefault(key, []).append(item)
    return list(groups.values())


class VibesSink(BatchSink):
    """Base of every target-vibes sink; subclasses are declarations (see module doc)."""

    resource: ClassVar[str] = ""
    # What routing needs (target_vibes/routing.py): the options a route to this resource
    # may carry, and whether its writes text or notify people (with a few words for the
    # allow_messaging help saying which).
    route_options: ClassVar[Mapping[str, RouteOption]] = {}
    messages_people: ClassVar[Messaging] = Messaging.NEVER
    messaging_note: ClassVar[str] = ""
    # Whether an ambiguous failure (answer lost after sending) may be resolved by running
    # the record again. False for creates that would duplicate (broadcasts, messages).
    repeatable: ClassVar[bool] = True
    # What a lost answer leaves unknown, for the dead letter ("may or may not have ...").
    ambiguous_outcome: ClassVar[str] = ""
    # Writes wait for a batch to fill (or the input to end); a large batch keeps the
    # request window busy instead of draining it at every batch boundary.
    MAX_SIZE_DEFAULT = 10000

    def __init__(
        self,
        target: TargetVibes,
        stream_name: str,
        schema: dict,
        key_properties: Any,
    ) -> None:
        self._schema_problems: dict[int, tuple[str, dict | None]] = {}
        super().__init__(target, stream_name, schema, key_properties)
        mask_logger(self.logger)  # reasons and the SDK's DEBUG lines quote records
        self.context = target.context
        self.session = self.context.session
        self.route = self.context.route_for(stream_name)
        self.tally = self.context.outcomes.stream(stream_name, self.resource)
        self.progress = self.context.progress_counter(stream_name)
        self._dry_run_reasons = 0
        self._warned_ignored: set[str] = set()
        self.watch = FirstRecordsWatch(stream_name)

    # ---- declarations -------------------------------------------------------------------
    def prepare(self, record: dict[str, Any]) -> tuple[str | None, Any]:
        """(ordering key, write) for a record; MappingError rejects it."""
        raise NotImplementedError

    async def write(self, client: VibesClient, write: Any) -> Result:
        """Send one write and say what happened."""
        raise NotImplementedError

    async def plan(self, client: VibesClient, write: Any) -> Result:
        """What ``write`` would do, using reads only (dry run)."""
        raise NotImplementedError

    def supersede(self, group: Sequence[Pending]) -> tuple[list[Pending], list[Pending]]:
        """(writes to run, writes a later one in the group makes pointless); by default
        every write of a key runs, in input order."""
        return list(group), []

    # ---- helpers for declarations --------------------------------------------------------
    @property
    def allow_messaging(self) -> bool:
        return bool(self.config.get("allow_messaging", False))

    @property
    def dry_run(self) -> bool:
        return bool(self.config.get("dry_run", False))

    async def call(
        self, client: VibesClient, method: str, path: str, **options: Any
    ) -> VibesResponse:
        """One request, counted in this stream's metrics; never a write in a dry run."""
        if self.dry_run and method.upper() != "GET":
            raise DryRunWriteAttempt(f"dry run must not send {method} {path}")
        return await client.request(method, path, metrics=self.progress.metrics, **options)

    def api(self, client: VibesClient) -> Call:
        """``call`` on ``client``, in the form the endpoint functions take."""
        return functools.partial(self.call, client)

    def warn_ignored(self, columns: tuple[str, ...]) -> None:
        """Say once per column that it was left out of the request."""
        new = [column for column in columns if column not in self._warned_ignored]
        if new:
            self._warned_ignored.update(new)
            self.logger.warning(
                "stream %s: column(s) %s are not part of a %s write and are left out; "
                "rename them with stream maps (e.g. to custom_fields__<name>) to send them",
                self.stream_name,
                ", ".join(new),
                self.resource,
            )

    # ---- SDK hooks ----------------------------------------------------------------------
    def setup(self) -> None:
        super().setup()
        # Open the session now so the first batch does not pay for it.
        _ = self.session.client

    def get_validator(self) -> BaseJSONSchemaValidator | None:
        inner = super().get_validator()
        return None if inner is None else RecordSchemaCheck(inner, self._schema_problems)

    def preprocess_record(self, record: dict, context: dict) -> dict:
        """Note a record that lacks a key property (the stream's own contract) so that it is
        rejected with that reason rather than stopping the run; the blank fills the gap
        only for the SDK's own key check, and the dead letter keeps the record as sent."""
        missing = [key for key in self.key_properties if key not in record]
        if missing and id(record) not in self._schema_problems:
            problem = f"record lacks key propert{'y' if len(missing) == 1 else 'ies'} "
            self._schema_problems[id(record)] = (problem + ", ".join(missing), dict(record))
        for key in missing:
            record[key] = None
        return record

    def process_record(self, record: dict, context: dict) -> None:
        problem = self._schema_problems.pop(id(record), None)
        if problem is not None:
            self.settle(problem[1] or record, Result.rejected(problem[0]))
        else:
            try:
                key, write = self.prepare(record)
            except AlreadyInVibes as done:
                self.settle(record, Result.unchanged("skip", reason=str(done)))
            except MappingError as refusal:
                self.settle(record, Result.rejected(str(refusal)))
            else:
                context.setdefault("records", []).append(Pending(record, key, write))
        if self.watch.stop is not None:
            raise self.watch.stop

    def process_batch(self, context: dict) -> None:
        self.send_batch(context.get("records", []))
        # The batch is done and its STATE may follow: what the watch held is now final.
        self._dead_letter(self.watch.release())
        self.context.batch_written()

    def latest(self, pending: list[Pending]) -> list[list[Pending]]:
        """The batch split by key, each key's superseded writes settled as unchanged."""
        groups = []
        for group in group_by_key(pending):
            runs, superseded = self.supersede(group)
            for item in superseded:
                self.settle(item.record, Result.unchanged("skip", reason=SUPERSEDED))
            groups.append(runs)
        return groups

    def send_batch(self, pending: list[Pending]) -> None:
        """Write a batch's mapped records: each key's in order, keys concurrently."""
        if not pending:
            return
        groups = self.latest(pending)
        abort = _Abort()
        # While the first records of the stream are watched, only as many are sent as the
        # watch still needs, so that systematic rejects stop before the rest is sent.
        watched = self.watch.remaining()
        first, rest = groups, []
        if watched:
            for index in range(len(groups)):
                watched -= len(groups[index])
                if watched <= 0:
                    first, rest = groups[: index + 1], groups[index + 1 :]
                    break
        settled = 0
        for part in (first, rest):
            if part and abort.error is None and self.watch.stop is None:
                settled += self.session.run(self._run_batch(self.session.client, abort, part))
        if self.watch.stop is not None:
            raise self.watch.stop
        if abort.error is not None:
            status = getattr(abort.error, "status", None)
            hint = ": check username and password" if status == 401 else ""
            raise RunStopped(
                f"stream {self.stream_name}: Vibes kept failing: {abort.error}{hint}. "
                f"{len(pending) - settled} record(s) of this batch were not written; no STATE "
                "was emitted after them, so rerunning from the last STATE this run emitted "
                "resumes safely",
                authentication=status == 401,
            ) from abort.error

    # ---- outcomes -----------------------------------------------------------------------
    async def _run_batch(
        self, client: VibesClient, abort: _Abort, groups: list[list[Pending]]
    ) -> int:
        """Run every group, ``window`` at a time, on the runner's loop; returns records settled.

        One coroutine per batch (not per record) keeps the thread hand-offs out of the
        per-record cost; each group's records run in order, groups run concurrently, and
        outcomes are settled as they come so progress stays live.
        """
        remaining = iter(groups)
        settled = 0

        async def worker() -> None:
            nonlocal settled
            # The shared iterator hands each group to exactly one worker (no await between).
            for group in remaining:
                for item, result in zip(
                    group, await self._run_group(client, abort, group), strict=True
                ):
                    if result is not None:
                        self.settle(item.record, result)
                        settled += 1

        try:
            async with asyncio.TaskGroup() as workers:
                for _ in range(min(self.session.window, len(groups))):
                    workers.create_task(worker())
        except BaseExceptionGroup as failures:
            # Not a Vibes failure (those become outcomes): a bug; show it as itself.
            raise failures.exceptions[0] from None
        return settled

    async def _run_group(
        self, client: VibesClient, abort: _Abort, group: list[Pending]
    ) -> list[Result | None]:
        results: list[Result | None] = []
        for item in group:
            if abort.error is not None or self.watch.stop is not None:
                results.append(None)
                continue
            result: Result | None
            try:
                if self.dry_run:
                    result = await self.plan(client, item.write)
                else:
                    result = await self.write(client, item.write)
            except VibesAPIError as failure:
                if failure.about_the_record:
                    result = rejection(failure)
                else:
                    result = self._unsettled(failure, abort)
            except VibesRequestError as failure:
                result = self._unsettled(failure, abort)
            results.append(result)
        return results

    def _unsettled(self, failure: VibesRequestError, abort: _Abort) -> Result | None:
        if failure.maybe_processed and not self.repeatable and not self.dry_run:
            what = self.ambiguous_outcome or f"created this {self.resource[:-1]}"
            return Result.rejected(
                f"Vibes may or may not have {what} ({failure}); check in Vibes before replaying it",
                status=getattr(failure, "status", None),
                errors=list(getattr(failure, "errors", [])),
                attempts=failure.attempts,
                replay_safe=False,
            )
        if abort.error is None:
            abort.error = failure
        return None

    def settle(self, record: Mapping[str, Any], result: Result) -> None:
        """Count one record's outcome; a rejected one goes to the dead-letter file."""
        self.tally.add(result)
        self.progress.add_records(1)
        self.progress.add(1, progress_key(result.outcome, dry_run=self.dry_run))
        rejected = result.outcome is Outcome.REJECTED
        if rejected and self.dry_run and self._dry_run_reasons < _DRY_RUN_REASONS_SHOWN:
            self._dry_run_reasons += 1
            self.logger.warning("dry run: would reject a record: %s", result.reason)
        self._dead_letter(self.watch.observe(record, result))

    def _dead_letter(self, letters: list[tuple[Mapping[str, Any], Result]]) -> None:
        if self.dry_run:
            return
        for record, result in letters:
            self.context.dead_letters.write(self.stream_name, self.resource, record, result)


def rejection(failure: VibesAPIError, reason: str | None = None) -> Result:
    """A rejected outcome carrying Vibes' status, errors and the attempts."""
    return Result.rejected(
        reason or str(failure),
        status=failure.status,
        errors=failure.errors,
        attempts=failure.attempts,
    )
