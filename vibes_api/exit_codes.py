"""Exit codes shared by every console script; the README's "Exit codes" table lists them.

A script that fails for one of the expected reasons below prints one line saying what
failed and what to change, with no traceback, and exits with that reason's code; anything
else is a bug or an outage and exits 1 with the traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

OK = 0
FAILED = 1  # Vibes kept failing after retries, or an unexpected error (a bug)
BAD_CONFIG = 2  # a setting, or a file a setting names, is missing or malformed
AUTHENTICATION = 3  # Vibes refused the credentials (401) or the company (403)
BAD_INPUT = 4  # the run's input cannot be used (e.g. ids that Vibes does not know)
REJECT_LIMIT = 5  # too many records were rejected (max_reject_ratio, systematic rejects)


class ExpectedFailure(Exception):
    """A failure the user can fix: its message says what and how; no traceback is shown."""

    exit_code = FAILED


def run_command(command: Callable[[], object], logger_name: str) -> None:
    """Run a console script; an ExpectedFailure ends it with one line and its exit code."""
    try:
        command()
    except ExpectedFailure as failure:
        logging.getLogger(logger_name).error("%s", failure)
        sys.exit(failure.exit_code)
