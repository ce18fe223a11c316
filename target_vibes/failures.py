"""Why a target-vibes run stops (each message says what to change)."""

from __future__ import annotations


class TargetVibesFailure(Exception):
    """Base of the reasons a run fails as a whole."""


class UnknownStream(TargetVibesFailure):
    """A stream maps to no resource and unknown_streams is fail."""


class MessagingNotAllowed(TargetVibesFailure):
    """A stream would text or notify real people and allow_messaging is false."""


class RejectRatioExceeded(TargetVibesFailure):
    """More records were rejected than max_reject_ratio allows."""


class RunStopped(TargetVibesFailure):
    """Vibes kept failing after retries; the run stopped before the next STATE."""
