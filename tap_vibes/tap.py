"""TapVibes: settings and the list of streams."""

from __future__ import annotations

import atexit
import gc
import json
import logging
import weakref
from typing import TYPE_CHECKING, Any

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.about import AboutFormatter
from singer_sdk.exceptions import ConfigValidationError

from tap_vibes.failures import expected_failure
from tap_vibes.not_found import MAX_NOT_FOUND_RATIO, MIN_IDS_FOR_RATIO
from tap_vibes.settings_check import check_settings
from tap_vibes.sources_table import sources_about, sources_markdown, stream_types
from tap_vibes.writer import OrjsonSingerWriter
from vibes_api.errors import VibesConfigError
from vibes_api.exit_codes import ending_expected_failures
from vibes_api.masking import mask_logger
from vibes_api.plugin_settings import connection_properties
from vibes_api.session import RunSession
from vibes_api.settings import VibesSettings
from vibes_api.version import DISTRIBUTION

if TYPE_CHECKING:
    from singer_sdk import Stream


class TapVibes(Tap):
    """Singer tap for the Vibes Mobile Engagement Platform."""

    name = "tap-vibes"
    package_name = DISTRIBUTION  # one distribution holds both plugins
    message_writer_class = OrjsonSingerWriter
    # The catalog depends on the config (callback_journal and extracts_path swap streams
    # in), and this makes the SDK check the config before discovery too: a refused api_url
    # fails `--discover` (and so `meltano config test`), not only the first request.
    dynamic_catalog = True
    _session: RunSession | None = None

    config_jsonschema = th.PropertiesList(
        *connection_properties(),
        th.Property(
            "start_date",
            th.DateTimeType,
            description=(
                "Earliest replication value to emit when a stream has no bookmark yet: an "
                "ISO-8601 date or date-time (e.g. 2024-01-01T00:00:00Z). Records older than "
                "it are skipped; journal streams compare it with the events' event_date, "
                "extract streams with the files' dates."
            ),
        ),
        th.Property(
            "end_date",
            th.DateTimeType,
            description=(
                "If set, records whose replication value is at or after it are skipped "
                "(for bounded backfills). Journal streams stop at the first event dated at "
                "or after it (the rest waits for the next run); extract streams read the "
                "files dated before its day."
            ),
        ),
        th.Property(
            "person_ids_file",
            th.StringType,
            description=(
                "CSV file of persons to read (streams persons, subscribers and push_devices): "
                "a header "
                "naming person_key, external_person_id or mdn (E.164, e.g. +15551234567), "
                "then one person per row (blank lines are skipped; in a row with several "
                "ids, person_key wins, then external_person_id, then mdn). Without it those "
                "three streams emit nothing."
            ),
        ),
        th.Property(
            "max_not_found_ratio",
            th.NumberType(minimum=0, maximum=1),
            default=MAX_NOT_FOUND_RATIO,
            description=(
                "Fail the run (exit code 4) when Vibes answers 404 for more than this "
                "share of the ids in person_ids_file (0.5 = 50%), in files of "
                f"{MIN_IDS_FOR_RATIO} ids or more: that usually means a wrong api_url or "
                "company_key. 1 turns the check off."
            ),
        ),
        th.Property(
            "incentive_codes_file",
            th.StringType,
            description=(
                "CSV file of incentive codes (streams incentive_issuances and "
                "incentive_redemptions): a header naming incentive_code or code, then one "
                "code per row, read like person_ids_file. Vibes lists no codes; without it "
                "those two streams emit nothing."
            ),
        ),
        th.Property(
            "callback_journal",
            th.StringType,
            description=(
                "Path of the journal written by `vibes-callbacks serve`. With it, persons, "
                "subscribers, participants, wallet_item_events, inbound_messages "
                "(unmatched_message_received), subscription_list_events, message_events "
                "(event_processed) and device_events (device_added/removed/updated) emit the "
                "changes Vibes called back with, after their bookmark (a journal position); "
                "persons need no request (cannot be set with person_ids_file)."
            ),
        ),
        th.Property(
            "extracts_path",
            th.StringType,
            description=(
                "Vibes' daily extract files: a local directory, or "
                "sftp://user@host:port/files/out with sftp_private_key_path (a location "
                "with no extract but a folder below it that has them, such as files/out, is "
                "read from there, with a warning). With it, "
                "subscribers and wallet_item_events read the extracts (bookmark: the last "
                "file date), messages, push_messages, url_clicks and wallet_page_views "
                "read the analytics extracts, and persons and push_devices hydrate the "
                "person keys they name (docs/files.md); cannot be set with person_ids_file."
            ),
        ),
        th.Property(
            "sftp_private_key_path",
            th.StringType,
            description="Private key file for the SFTP login of an sftp:// extracts_path.",
        ),
        th.Property(
            "sftp_known_hosts",
            th.StringType,
            description=(
                "OpenSSH known_hosts file to check the SFTP host key against "
                "(default: ~/.ssh/known_hosts). The host key is always checked."
            ),
        ),
        th.Property(
            "sftp_min_interval_seconds",
            th.NumberType,
            default=300,
            description=(
                "Least time between two SFTP connections to one account; Vibes asks for "
                "at least five minutes. Kept with a marker file under ~/.cache/vibes-connectors."
            ),
        ),
    ).to_dict()

    @classmethod
    def invoke(cls, **kwargs: Any) -> None:
        """The command line: an expected failure ends with one line saying what failed and
        its exit code (README: Exit codes), not a traceback."""
        # The interpreter's last garbage collection at exit walks every object the SDK,
        # aiohttp and jsonschema created at import (0.3 s of a run on a 2-core machine) only
        # to free memory the OS takes back anyway; frozen objects are skipped. Nothing of
        # the tap relies on it: the session closes at the end of sync_all, and
        # weakref.finalize callbacks run at exit whether objects are frozen or not.
        atexit.register(gc.freeze)
        with ending_expected_failures(cls.logger, expected_failure):
            super().invoke(**kwargs)

    @classmethod
    def cb_test(cls, *args: Any, **kwargs: Any) -> None:
        """``--test``, which the SDK runs before ``invoke``: the same exit codes."""
        with ending_expected_failures(cls.logger, expected_failure):
            super().cb_test(*args, **kwargs)

    @classmethod
    def print_about(cls, output_format: str | None = None) -> None:
        """The SDK's about output plus which source serves each stream (sources_table.py):
        a "sources" key in JSON, a "Stream sources" section in text and markdown."""
        info = cls._get_about_info()
        formatter = AboutFormatter.get_formatter(output_format or "text")
        text = formatter.format_about(info)
        if output_format == "json":
            text = json.dumps({**json.loads(text), "sources": sources_about()}, indent=2)
        else:
            text = f"{text.rstrip()}\n\n{sources_markdown()}\n"
        print(text)

    def __init__(self, *args: Any, validate_config: bool = True, **kwargs: Any) -> None:
        mask_logger(self.logger)  # also masks the SDK's one-line report of a failed run
        kwargs["state"] = state_value(kwargs.get("state"), self.logger)
        super().__init__(*args, validate_config=validate_config, **kwargs)
        self._settings: VibesSettings | None = None
        if validate_config:
            # At start-up (discovery included, see dynamic_catalog): an empty or plain-http
            # api_url stops the tap before any connection.
            try:
                self._settings = VibesSettings.from_config(self.config)
            except VibesConfigError as problem:
                raise ConfigValidationError(str(problem), errors=[str(problem)]) from None
            # The settings that name files and dates matter to syncs and --test, which set
            # up stream maps; discovery (setup_mapper False) reads none of them.
            if kwargs.get("setup_mapper", True):
                check_settings(self.config)

    def discover_streams(self) -> list[Stream]:
        # Which class serves each stream: tap_vibes/sources_table.py.
        return [stream_type(tap=self) for stream_type in stream_types(self.config)]

    @property
    def session(self) -> RunSession:
        """The run's runner, client and progress, opened on first use."""
        if self._session is None or self._session.closed:
            settings = self._settings or VibesSettings.from_config(self.config)
            session = RunSession(settings, self.name)
            # Fallback for runs that do not reach the end of sync_all (errors, --test) when
            # the tap is collected. Not at interpreter exit: a test process holding many
            # taps would print their summaries after its own report; the runner's own exit
            # hook still closes the HTTP session then.
            weakref.finalize(self, session.close).atexit = False
            self._session = session
        return self._session

    def close_session(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def stream_finished(self, stream: Stream) -> None:
        """Called by each stream at the end of ``sync_all``; the last one ends the run."""
        streams = list(self.streams.values())
        if streams and stream is streams[-1]:
            self.close_session()


def state_value(state: Any, logger: logging.Logger) -> Any:
    """The state to resume from: a whole STATE message saved instead of its value (the last
    line of a run's output) would otherwise read as no bookmarks and resync everything."""
    if isinstance(state, dict) and state.get("type") == "STATE" and "value" in state:
        logger.warning(
            'The state file holds a whole STATE message; resuming from its "value" '
            "(save only the value next time)."
        )
        return state["value"]
    return state
