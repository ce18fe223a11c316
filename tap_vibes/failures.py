"""The failures tap-vibes expects, each with its exit code (vibes_api.exit_codes) and the one
line that says what failed and what to change.

Anything not listed here is a bug or an outage (retries ran out): it keeps its traceback and
exits 1, and the Vibes client's errors then still end with a line naming the call, the
status and Vibes' own message (VibesRequestError's first argument is that message).
"""

from __future__ import annotations

from tap_vibes.person_ids import PersonIdsFileError
from tap_vibes.sources.extract_files import ExtractError
from vibes_api import exit_codes
from vibes_api.sftp import SftpError
from vibes_callbacks.journal import JournalError


def expected_failure(error: BaseException) -> tuple[int, str] | None:
    """(exit code, message) for a failure only the tap expects (the ones every command
    expects are vibes_api.exit_codes.expected); None for anything else."""
    if isinstance(error, PersonIdsFileError | JournalError):
        return exit_codes.BAD_CONFIG, str(error)
    if isinstance(error, SftpError):  # refused, unreachable, or too soon after the last
        return exit_codes.FAILED, f"SFTP: {error}"
    if isinstance(error, ExtractError):
        return exit_codes.BAD_INPUT, str(error)
    return None
