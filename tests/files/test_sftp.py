"""Vibes' SFTP rules on both ends: key-only login, one connection, five minutes apart."""

from __future__ import annotations

from pathlib import Path

import asyncssh
import pytest

from tests.files.conftest import sftp_settings
from vibes_api.sftp import SftpError, SftpLocation, SftpSession
from vibes_emulator.testing import RunningEmulator


def _session(
    emulator: RunningEmulator, settings: dict[str, object], **overrides: object
) -> SftpSession:
    location = SftpLocation.parse(
        f"sftp://{emulator.username}@127.0.0.1:{settings['port']}/files/out"
    )
    options = {
        "known_hosts": settings["sftp_known_hosts"],
        "min_interval_seconds": settings["sftp_min_interval_seconds"],
        **overrides,
    }
    return SftpSession(location, str(settings["sftp_private_key_path"]), **options)  # type: ignore[arg-type]


def test_second_connection_within_five_minutes_is_refused_locally(
    files_emulator: RunningEmulator, tmp_path: Path
) -> None:
    settings = sftp_settings(files_emulator, tmp_path)
    first = _session(files_emulator, settings, min_interval_seconds=300)
    try:
        assert first.listdir() == []
    finally:
        first.close()
    second = _session(files_emulator, settings, min_interval_seconds=300)
    with pytest.raises(SftpError, match="one SFTP connection per 300 s"):
        second.listdir()
    assert files_emulator.control.call("GET", "sftp")["connections"] == 1


def test_unknown_key_and_simultaneous_connection_are_refused(
    files_emulator: RunningEmulator, tmp_path: Path
) -> None:
    settings = sftp_settings(files_emulator, tmp_path)
    stranger = tmp_path / "stranger"
    asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(stranger))
    with pytest.raises(SftpError, match="cannot open"):
        SftpSession(
            SftpLocation.parse(f"sftp://demo@127.0.0.1:{settings['port']}/files/out"),
            str(stranger),
            known_hosts=str(settings["sftp_known_hosts"]),
            min_interval_seconds=0,
        ).listdir()
    first, second = _session(files_emulator, settings), _session(files_emulator, settings)
    try:
        first.listdir()
        with pytest.raises(SftpError, match="one connection per account"):
            second.listdir()
    finally:
        first.close()
        second.close()


def test_url_must_not_carry_a_password() -> None:
    with pytest.raises(SftpError, match="public key only"):
        SftpLocation.parse("sftp://demo:secret@127.0.0.1:2222/files/out")
