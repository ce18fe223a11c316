"""The ``max_not_found_ratio`` rail: a run whose ids Vibes mostly does not know fails.

When nearly every id of ``person_ids_file`` answers 404, the ids are rarely wrong: the run
points at the wrong host or company. Without this rail such a run exits 0 with no records,
and the pipeline after it believes Vibes is empty.

The check fails the stream as soon as the outcome is certain (more ids not found than the
ratio allows of the whole file, whatever the rest answer), so a wrong company key does not
look up every id of a large file first; a stream that fails emits no bookmark (an unsorted
stream's bookmark is only promoted once it completes).
"""

from __future__ import annotations

from vibes_api.exit_codes import BAD_INPUT, ExpectedFailure

MAX_NOT_FOUND_RATIO = 0.5
MIN_IDS_FOR_RATIO = 20


class TooManyNotFound(ExpectedFailure):
    """More ids were unknown to Vibes than max_not_found_ratio allows.

    ``exit_code`` is the code the command exits with (vibes_api.exit_codes.BAD_INPUT).
    """

    exit_code = BAD_INPUT


class NotFoundTally:
    """Counts one stream's lookups and raises TooManyNotFound once the limit is surely passed."""

    def __init__(self, stream: str, company_key: str, total: int, limit: float) -> None:
        self.stream = stream
        self.company_key = company_key
        self.total = total
        self.limit = limit
        self.looked_up = 0
        self.not_found = 0

    def found(self) -> None:
        self.looked_up += 1

    def missing(self) -> None:
        self.looked_up += 1
        self.not_found += 1
        if self.total >= MIN_IDS_FOR_RATIO and self.not_found / self.total > self.limit:
            raise TooManyNotFound(self.message())

    def message(self) -> str:
        stopped = f", stopped after {self.looked_up} lookups" if self.looked_up < self.total else ""
        return (
            f"stream '{self.stream}': {self.not_found} of the {self.total} ids in "
            f"person_ids_file were not found in company {self.company_key!r} "
            f"({percent(self.not_found / self.total)}{stopped}), more than "
            f"max_not_found_ratio {percent(self.limit)}: check api_url/company_key and "
            "person_ids_file"
        )


def percent(share: float) -> str:
    """``0.5`` -> ``50%``, ``0.975`` -> ``97.5%``, ``0.5005`` -> ``50.05%``."""
    text = f"{share * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"
