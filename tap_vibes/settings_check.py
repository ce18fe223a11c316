"""Every tap-vibes setting checked before the first request.

The SDK checks the config's JSON schema (types, required keys); this checks what a schema
cannot: date-time forms, files and folders that must exist, settings that cannot be set
together. Each problem is one line naming the setting and the form it expects, so a run
fails at start-up instead of after minutes of records (an unreadable ``start_date`` used
to fail only once the first incremental stream began).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tap_vibes.incentive_codes import IncentiveCodesFile
from tap_vibes.person_ids import PersonIdsFile
from vibes_api.errors import VibesConfigError
from vibes_api.settings import VibesSettings
from vibes_api.sftp import SftpError, SftpLocation, is_sftp
from vibes_callbacks.journal import Journal, JournalError

DATE_TIME_FORM = "an ISO-8601 date or date-time such as 2024-01-01T00:00:00Z"


def check_settings(config: Mapping[str, Any]) -> None:
    """Raise VibesConfigError for the first setting that cannot work; returns None."""
    VibesSettings.from_config(config)
    start = setting_instant(config, "start_date")
    end = setting_instant(config, "end_date")
    if start is not None and end is not None and end <= start:
        raise VibesConfigError(
            f"setting 'end_date' ({config['end_date']}) must be later than 'start_date' "
            f"({config['start_date']})"
        )
    _check_sources(config)
    _check_person_ids_file(config)
    if config.get(IncentiveCodesFile.setting):
        IncentiveCodesFile(config[IncentiveCodesFile.setting]).check()
    _check_journal(config)
    _check_extracts(config)


def setting_instant(config: Mapping[str, Any], name: str) -> datetime.datetime | None:
    """The aware instant a date-time setting names (naive is UTC), or None when unset.

    Parsed as the Singer SDK parses ``start_date`` (``datetime.fromisoformat``), so a value
    accepted here is one the SDK accepts later."""
    value = config.get(name)
    if value is None or value == "":
        return None
    try:
        parsed = datetime.datetime.fromisoformat(str(value).strip())
    except ValueError:
        message = f"setting {name!r} must be {DATE_TIME_FORM}, got {value!r}"
        raise VibesConfigError(message) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def _check_sources(config: Mapping[str, Any]) -> None:
    """Persons come from one source: an ids file is never silently left unread."""
    if not config.get("person_ids_file"):
        return
    for other in ("callback_journal", "extracts_path"):
        if config.get(other):
            raise VibesConfigError(
                f"settings 'person_ids_file' and {other!r} conflict: with {other} the persons "
                f"stream reads {_PERSONS_FROM[other]}, not the ids file; unset one of them "
                "(README: Resuming and switching sources)"
            )


_PERSONS_FROM = {
    "callback_journal": "the journal's person events",
    "extracts_path": "the persons the extract files name",
}


def _check_person_ids_file(config: Mapping[str, Any]) -> None:
    path = config.get("person_ids_file")
    if not path:
        return
    PersonIdsFile(path).check()  # PersonIdsFileError names the setting, file and line


def _check_journal(config: Mapping[str, Any]) -> None:
    path = config.get("callback_journal")
    if not path:
        return
    try:
        Journal.open_existing(path).close()
    except (JournalError, OSError) as exc:
        raise VibesConfigError(
            f"setting 'callback_journal': {exc} (the file `vibes-callbacks serve --journal` "
            "writes; start the receiver first)"
        ) from None


def _check_extracts(config: Mapping[str, Any]) -> None:
    location = config.get("extracts_path")
    if not location:
        return
    location = str(location)
    if not is_sftp(location):
        if not Path(location).is_dir():
            raise VibesConfigError(
                f"setting 'extracts_path' must be a directory or an "
                f"sftp://user@host:port/files/out URL; {location} is not a directory"
            )
        return
    try:
        SftpLocation.parse(location)
    except SftpError as exc:
        raise VibesConfigError(f"setting 'extracts_path': {exc}") from None
    _readable_file(config, "sftp_private_key_path", required=True)
    _readable_file(config, "sftp_known_hosts", required=False)
    interval = config.get("sftp_min_interval_seconds")
    if interval is not None and (isinstance(interval, bool) or not _non_negative(interval)):
        raise VibesConfigError(
            f"setting 'sftp_min_interval_seconds' must be a number of seconds >= 0, "
            f"got {interval!r}"
        )


def _readable_file(config: Mapping[str, Any], name: str, *, required: bool) -> None:
    path = config.get(name)
    if not path:
        if required:
            raise VibesConfigError(
                f"setting {name!r} is required with an sftp:// extracts_path "
                "(the private key file of the SFTP login)"
            )
        return
    if not Path(str(path)).is_file():
        raise VibesConfigError(f"setting {name!r} names no readable file: {path}")


def _non_negative(value: Any) -> bool:
    try:
        return float(value) >= 0
    except (TypeError, ValueError):
        return False
