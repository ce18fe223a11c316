"""The sink of Meltano's loader test stream: a read-only credentials check.

`meltano config test target-vibes` pipes a stream named ``meltano_test_stream`` into the
loader and expects it to be "written". Writing a made-up row into a customer's Vibes
company is the one thing a reverse-ETL target must not do, so this sink reads the
company's subscription lists instead: a 2xx proves the URL, company key and credentials;
a 401/404 stops the run with Vibes' answer. Nothing is ever written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from singer_sdk.sinks import BatchSink

from target_vibes.failures import RunStopped
from vibes_api import endpoints
from vibes_api.errors import VibesRequestError

if TYPE_CHECKING:
    from target_vibes.target import TargetVibes

MELTANO_TEST_STREAM = "meltano_test_stream"


class ConnectionCheckSink(BatchSink):
    """Checks connectivity and credentials once; counts the test records; writes nothing."""

    def __init__(
        self, target: TargetVibes, stream_name: str, schema: dict, key_properties: Any
    ) -> None:
        super().__init__(target, stream_name, schema, key_properties)
        self.context = target.context
        self.checked = 0

    def setup(self) -> None:
        super().setup()
        client = self.context.session.client
        try:
            lists = self.context.session.run(endpoints.subscription_lists(client.request))
        except VibesRequestError as failure:
            raise RunStopped(f"connection check failed: {failure}") from None
        self.logger.info(
            "connection check passed: %s answers for company %s (%d subscription lists); "
            "nothing is written for %s",
            self.context.settings.api_url,
            self.context.settings.company_key,
            len(lists),
            self.stream_name,
        )

    def process_record(self, record: dict, context: dict) -> None:
        self.checked += 1

    def process_batch(self, context: dict[str, Any]) -> None:
        return None
