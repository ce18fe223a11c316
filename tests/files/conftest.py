"""An emulator with batch files (and SFTP) on, in a temporary directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from vibes_emulator.testing import RunningEmulator


@pytest.fixture
def files_emulator(tmp_path: Path) -> Iterator[RunningEmulator]:
    """A fresh emulator seeded with 40 persons, files under ``tmp_path/vibes``, SFTP on."""
    root = tmp_path / "vibes"
    with RunningEmulator(seed=40, seed_value=3, extracts_dir=str(root), sftp_port=0) as running:
        yield running


def out_dir(emulator: RunningEmulator) -> Path:
    assert emulator.options.extracts_dir is not None
    return Path(emulator.options.extracts_dir) / "files" / "out"


def sftp_settings(emulator: RunningEmulator, folder: Path) -> dict[str, Any]:
    """A fresh key pair let in over the control plane, the emulator's host key trusted, and
    the five-minute spacing off (its marker kept in ``folder``); returns the key settings."""
    key = asyncssh.generate_private_key("ssh-ed25519")
    key_file = folder / "id_ed25519"
    key.write_private_key(str(key_file))
    emulator.control.call(
        "POST", "sftp/authorized_keys", {"public_key": key.export_public_key().decode()}
    )
    info = emulator.control.call("GET", "sftp")
    known_hosts = folder / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{info['port']} {info['host_key']}\n", encoding="utf-8")
    return {
        "port": info["port"],
        "sftp_private_key_path": str(key_file),
        "sftp_known_hosts": str(known_hosts),
        "sftp_min_interval_seconds": 0,
    }


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The SFTP connection-spacing markers live under XDG_CACHE_HOME: keep them per test.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
