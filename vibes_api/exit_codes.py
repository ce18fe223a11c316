"""Exit codes shared by every console script; the README's "Exit codes" table lists them.

A script that fails for one of the expected reasons below prints one line saying what
failed and what to change, with no traceback, and exits with that reason's code; anything
else is a bug or an outage and exits 1 with the traceback.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterator

from singer_sdk.exceptions import ConfigValidationError

from vibes_api.errors import VibesConfigError, VibesForbidden, VibesUnauthorized

OK = 0
FAILED = 1  # Vibes kept failing after retries, or an unexpected error (a bug)
BAD_CONFIG = 2  # a setting, or a file a setting names, is missing or malformed
AUTHENTICATION = 3  # Vibes refused the credentials (401) or the company (403)
BAD_INPUT = 4  # the run's input cannot be used (e.g. ids that Vibes does not know)
REJECT_LIMIT = 5  # too many records were rejected (max_reject_ratio, systematic rejects)


class ExpectedFailure(Exception):
    """A failure the user can fix: its message says what and how; no traceback is shown."""

    exit_code = FAILED


Classifier = Callable[[BaseException], "tuple[int, str] | None"]


def expected(error: BaseException) -> tuple[int, str] | None:
    """(exit code, message) for the failures every command expects; None for the others."""
    if isinstance(error, ExpectedFailure):
        return error.exit_code, str(error)
    if isinstance(error, ConfigValidationError):
        return BAD_CONFIG, "config is not valid: " + "; ".join(error.errors)
    if isinstance(error, VibesConfigError):
        return BAD_CONFIG, str(error)
    if isinstance(error, VibesUnauthorized | VibesForbidden):
        return AUTHENTICATION, str(error)
    return None


@contextlib.contextmanager
def ending_expected_failures(
    logger: logging.Logger, more: Classifier | None = None
) -> Iterator[None]:
    """Run a command; an expected failure (``expected`` or the command's own ``more``) ends
    it with one line and its exit code, anything else keeps its traceback."""
    try:
        yield
    except Exception as error:
        failure = (more(error) if more else None) or expected(error)
        if failure is None:
            raise
        code, message = failure
        logger.error("%s", message)
        sys.exit(code)
