"""target-vibes: the Singer target that writes any stream into Vibes (reverse ETL).

The target owns the run: settings, stream -> resource routing, and the end-of-run plan,
summary and verdict; what its sinks share (the session with the one client and runner, the
outcome tallies, the dead-letter file, progress) is a LoadContext (load_context.py). Sinks are
drained one at a time (``max_parallelism = 1``) so that streams apply in the order they
arrived -- a persons stream lands before the subscribers stream that names those people --
and each stream's own writes run concurrently inside its batch.
"""

from __future__ import annotations

from typing import Any, ClassVar

from singer_sdk import Target
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.helpers.capabilities import CapabilitiesEnum, PluginCapabilities
from singer_sdk.sinks import Sink

from target_vibes.batch_files import batch_records
from target_vibes.dead_letters import DEFAULT_PATH
from target_vibes.failures import (
    MessagingNotAllowed,
    RejectRatioExceeded,
    UnknownStream,
    messaging_refused_message,
)
from target_vibes.file_imports.sink import FILE_SINK_BY_RESOURCE
from target_vibes.load_context import LoadContext
from target_vibes.routing import (
    Route,
    RoutingError,
    allow_messaging_help,
    parse_streams_setting,
    resolve_route,
    streams_setting_help,
    unknown_stream_message,
)
from target_vibes.sinks import SINK_BY_RESOURCE, SkippedStreamSink
from target_vibes.sinks.connection_check import MELTANO_TEST_STREAM, ConnectionCheckSink
from vibes_api.errors import VibesConfigError
from vibes_api.exit_codes import ending_expected_failures
from vibes_api.masking import mask_logger
from vibes_api.plugin_settings import connection_properties
from vibes_api.settings import VibesSettings
from vibes_api.version import DISTRIBUTION


class TargetVibes(Target):
    """Singer target for the Vibes Mobile Engagement Platform."""

    name = "target-vibes"
    capabilities: ClassVar[list[CapabilitiesEnum]] = [
        *Target.capabilities,
        PluginCapabilities.BATCH,
    ]
    package_name = DISTRIBUTION  # one distribution holds both plugins
    default_sink_class = SkippedStreamSink
    config_jsonschema = th.PropertiesList(
        *connection_properties(),
        th.Property(
            "streams",
            th.ObjectType(additional_properties=True),
            description=streams_setting_help(SINK_BY_RESOURCE),
        ),
        th.Property(
            "unknown_streams",
            th.StringType,
            default="fail",
            allowed_values=["fail", "skip"],
            description="What to do with a stream that maps to no resource: fail "
            "(stop before writing it, naming the 'streams' setting) or skip.",
        ),
        th.Property(
            "allow_messaging",
            th.BooleanType,
            default=False,
            description=allow_messaging_help(SINK_BY_RESOURCE),
        ),
        th.Property(
            "allow_incentive_issuance",
            th.BooleanType,
            default=False,
            description="Allow incentive_issuances records to issue codes: each takes a code "
            "out of a finite pool and cannot be undone. Off: those records are rejected.",
        ),
        th.Property(
            "dry_run",
            th.BooleanType,
            default=False,
            description="Map and validate every record and read what decisions need, "
            "but write nothing; prints the plan (creates, updates, unsubscribes, "
            "rejects) per stream.",
        ),
        th.Property(
            "dead_letter_path",
            th.StringType,
            default=DEFAULT_PATH,
            description="JSON-lines file that receives every rejected record with its "
            "reason; replay it with target-vibes-replay.",
        ),
        th.Property(
            "max_reject_ratio",
            th.NumberType,
            default=0.1,
            description="Fail the run (non-zero exit) when more than this share of "
            "records is rejected (0.1 = 10%).",
        ),
        th.Property(
            "load_via",
            th.StringType,
            default="api",
            allowed_values=["api", "files"],
            description="api (requests) or files: persons, subscribers and wallet_items "
            "go as Vibes import files (.persons, .subscriptions/.opt_outs, .wallet_update) "
            "to files_path; other resources still use the API. See docs/files.md.",
        ),
        th.Property(
            "files_path",
            th.StringType,
            description="With load_via files: the import inbox, a local directory or "
            "sftp://user@host:port/files/in (results are read from the sibling 'out').",
        ),
        th.Property(
            "files_result_timeout_seconds",
            th.NumberType,
            default=0,
            description="Seconds to wait for each import's result file (<name>.result) "
            "and dead-letter the rows it rejects; 0 does not wait.",
        ),
        th.Property(
            "files_confirmed_opt_ins",
            th.BooleanType,
            default=False,
            description="Send subscribe rows by Subscriber Import, which texts nobody and "
            "is only for opt-ins already confirmed elsewhere. Off: such rows are rejected.",
        ),
        th.Property(
            "sftp_private_key_path",
            th.StringType,
            description="Private key file for the SFTP login of an sftp:// files_path.",
        ),
        th.Property(
            "sftp_known_hosts",
            th.StringType,
            description="known_hosts file to check the SFTP host key against "
            "(default ~/.ssh/known_hosts).",
        ),
        th.Property(
            "sftp_min_interval_seconds",
            th.NumberType,
            default=300,
            description="Least time between SFTP connections to one account (Vibes asks "
            "for five minutes).",
        ),
        th.Property(
            "progress_interval_seconds",
            th.NumberType,
            default=10.0,
            description="Seconds between progress lines on stderr.",
        ),
    ).to_dict()

    @classmethod
    def invoke(cls, **kwargs: Any) -> None:
        """The command line: an expected failure ends with one line saying what failed and
        its exit code (README: Exit codes), not a traceback."""
        with ending_expected_failures(cls.logger):
            super().invoke(**kwargs)

    @classmethod
    def append_builtin_config(cls, config_jsonschema: dict) -> None:
        super().append_builtin_config(config_jsonschema)
        # Writes are always upserts by the resource's own rules, and _sdc_* metadata
        # columns have nowhere to go in Vibes: these SDK settings would only mislead.
        # BATCH files are read from the URLs their messages name: batch_config (where to
        # write files) would only matter to a writer.
        for name in ("load_method", "add_record_metadata", "batch_config"):
            config_jsonschema["properties"].pop(name, None)

    def __init__(self, **kwargs: Any) -> None:
        mask_logger(self.logger)  # also masks the SDK's one-line report of a failed run
        super().__init__(**kwargs)
        # Streams drain in arrival order; see the module docstring.
        self.max_parallelism = 1
        try:
            self._routes = parse_streams_setting(self.config.get("streams"), SINK_BY_RESOURCE)
            self.settings = VibesSettings.from_config(self.config)
        except (RoutingError, VibesConfigError) as problem:
            raise ConfigValidationError(str(problem), errors=[str(problem)]) from None
        if not self.config.get("allow_messaging", False):
            for route in self._routes.values():
                self._check_messaging(route)
        # What the sinks share: they hold this, not the target.
        self.context = LoadContext(
            self.config, self.settings, self._routes, SINK_BY_RESOURCE, self.name
        )

    # ---- routing ------------------------------------------------------------------------
    def _check_messaging(self, route: Route) -> None:
        if route.always_messages and not self.config.get("allow_messaging", False):
            raise MessagingNotAllowed(
                messaging_refused_message(f"stream {route.stream!r} ({route.resource})")
            )

    def get_sink_class(self, stream_name: str) -> type[Sink]:
        route = resolve_route(stream_name, self._routes, SINK_BY_RESOURCE)
        if route is None and stream_name == MELTANO_TEST_STREAM:
            return ConnectionCheckSink
        if route is None:
            if self.config.get("unknown_streams", "fail") == "skip":
                return SkippedStreamSink
            raise UnknownStream(unknown_stream_message(stream_name, SINK_BY_RESOURCE))
        self._check_messaging(route)
        if self.config.get("load_via") == "files" and route.resource in FILE_SINK_BY_RESOURCE:
            return FILE_SINK_BY_RESOURCE[route.resource]
        return SINK_BY_RESOURCE[route.resource]

    # ---- messages -----------------------------------------------------------------------
    def _process_batch_message(self, message_dict: dict) -> None:
        # Each record of the files goes the RECORD way (see target_vibes/batch_files.py).
        self._assert_line_requires(message_dict, requires={"stream", "encoding", "manifest"})
        stream = message_dict["stream"]
        for record in batch_records(message_dict["encoding"], message_dict["manifest"]):
            self._process_record_message({"type": "RECORD", "stream": stream, "record": record})

    def _process_state_message(self, message_dict: dict) -> None:
        # A dry run wrote nothing, so passing STATE on would let an orchestrator skip
        # these records in the real run.
        if self.config.get("dry_run", False):
            return
        super()._process_state_message(message_dict)
        # The SDK writes STATE only when it drains every sink (end of input, or records
        # five minutes old); a full sink drains alone and says nothing. Once a batch has
        # been written, the next STATE drains the rest too and goes out, so a crash re-sends
        # at most one batch (batch_size_rows).
        if self.context.take_batch_written():
            self.drain_all()
            self.context.take_batch_written()  # what drain_all wrote is covered by its STATE

    # ---- end of run ---------------------------------------------------------------------
    def process_endofpipe(self) -> None:
        try:
            super().process_endofpipe()
        finally:
            self._finish()
        self._verdict()

    def _finish(self) -> None:
        """Log the dry-run plan, then close the files and the session (which prints the
        summary)."""
        context = self.context
        if context.dry_run:
            self.logger.info("dry run: nothing was written to Vibes and no STATE was emitted")
            for tally in context.outcomes.tallies():
                self.logger.info("%s", tally.plan_line())
        context.close()
        letters = context.dead_letters
        if letters.count:
            self.logger.warning(
                "%d rejected record(s) written to %s; after fixing the cause, replay them with: "
                "target-vibes-replay --config <config.json> %s",
                letters.count,
                letters.path,
                letters.path,
            )

    def _verdict(self) -> None:
        limit = float(self.config.get("max_reject_ratio", 0.1))
        outcomes = self.context.outcomes
        ratio = outcomes.reject_ratio()
        if ratio > limit:
            raise RejectRatioExceeded(
                f"{outcomes.rejected} of {outcomes.total} records were rejected "
                f"({ratio:.1%}), more than max_reject_ratio {limit:.1%}; see "
                f"{self.context.dead_letters.path}"
            )


if __name__ == "__main__":
    TargetVibes.cli()
