"""What one target-vibes run shares with its sinks, as target-postgres' sinks share their
connector: the session (runner, client, progress), the settings, the routes, the outcome
tallies, the dead-letter file and the "a batch was written" signal the STATE cadence
reads. Sinks hold this object, not the Target.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from target_vibes.dead_letters import DEFAULT_PATH, DeadLetterWriter
from target_vibes.failures import UnknownStream
from target_vibes.outcomes import Outcome, RunOutcomes, progress_key
from target_vibes.routing import Route, resolve_route, unknown_stream_message
from vibes_api.progress import ProgressCounter
from vibes_api.session import RunSession
from vibes_api.settings import VibesSettings

if TYPE_CHECKING:
    from target_vibes.routing import Sinks


class LoadContext:
    """The run's shared pieces; made once by the target, closed once at the end."""

    def __init__(
        self,
        config: Mapping[str, Any],
        settings: VibesSettings,
        routes: Mapping[str, Route],
        sinks: Sinks,
        name: str,
    ) -> None:
        self.settings = settings
        self.dry_run = bool(config.get("dry_run", False))
        self._routes = routes
        self._sinks = sinks
        self.outcomes = RunOutcomes()
        self.dead_letters = DeadLetterWriter(config.get("dead_letter_path", DEFAULT_PATH))
        self._batch_written = threading.Event()
        self.session = RunSession(
            settings,
            name,
            progress_interval_seconds=float(config.get("progress_interval_seconds", 10.0)),
        )

    def route_for(self, stream_name: str) -> Route:
        route = resolve_route(stream_name, self._routes, self._sinks)
        if route is None:
            raise UnknownStream(unknown_stream_message(stream_name, self._sinks))
        return route

    def progress_counter(self, stream_name: str) -> ProgressCounter:
        counter = self.session.counter(stream_name)
        for outcome in Outcome:
            if self.dry_run or outcome is not Outcome.UNVERIFIED:  # only a plan has unverified
                counter.add(0, progress_key(outcome, dry_run=self.dry_run))
        return counter

    def batch_written(self) -> None:
        """Called by a sink once a batch's writes are done (written or dead-lettered)."""
        self._batch_written.set()

    def take_batch_written(self) -> bool:
        """Whether a batch was written since the last call (and forget it)."""
        written = self._batch_written.is_set()
        self._batch_written.clear()
        return written

    def close(self) -> None:
        """Close the dead-letter file and the session (which prints the summary)."""
        self.dead_letters.close()
        self.session.close()
