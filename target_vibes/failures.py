"""Why a target-vibes run stops (each message says what to change), with its exit code."""

from __future__ import annotations

from vibes_api import exit_codes
from vibes_api.exit_codes import ExpectedFailure


class TargetVibesFailure(ExpectedFailure):
    """Base of the reasons a run fails as a whole."""


class UnknownStream(TargetVibesFailure):
    """A stream maps to no resource and unknown_streams is fail."""

    exit_code = exit_codes.BAD_CONFIG


class MessagingNotAllowed(TargetVibesFailure):
    """A stream would text or notify real people and allow_messaging is false."""

    exit_code = exit_codes.BAD_CONFIG


class RejectRatioExceeded(TargetVibesFailure):
    """More records were rejected than max_reject_ratio allows."""

    exit_code = exit_codes.REJECT_LIMIT


class SystematicRejects(TargetVibesFailure):
    """The first records of a stream were all rejected for one reason: the run stopped
    before sending the rest."""

    def __init__(self, message: str, *, authentication: bool = False) -> None:
        super().__init__(message)
        self.exit_code = exit_codes.AUTHENTICATION if authentication else exit_codes.REJECT_LIMIT


class RunStopped(TargetVibesFailure):
    """Vibes kept failing after retries (or refused the credentials); the run stopped
    before the next STATE."""

    def __init__(self, message: str, *, authentication: bool = False) -> None:
        super().__init__(message)
        self.exit_code = exit_codes.AUTHENTICATION if authentication else exit_codes.FAILED


def messaging_refused_message(what: str) -> str:
    """Why a write that would text or notify real people was refused."""
    return (
        f"{what} would text or notify real people; refused because allow_messaging is false "
        "(set allow_messaging: true to send)"
    )
