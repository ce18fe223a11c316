"""Meltano for the demo's tests: installed once per session, like `make demo` does it."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.environment import MELTANO, ROOT, ensure_plugins, meltano_env


@pytest.fixture(scope="session")
def meltano() -> Path:
    """The pinned Meltano with the project's plugins installed (about 1-2 min the first time)."""
    ensure_plugins(say=lambda _text: None)
    return MELTANO


def run_meltano(
    args: list[str], env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``meltano ARGS`` from the project root with ``env`` added to Meltano's environment."""
    return subprocess.run(
        [str(MELTANO), *args],
        cwd=ROOT,
        env=meltano_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def processes_mentioning(marker: str) -> list[str]:
    """Command lines of live processes whose command line or environment contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline or marker.encode() in environ:
            found.append(cmdline.replace(b"\0", b" ").decode(errors="replace"))
    return found


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    """A state directory for one demo or Meltano run, checked for leftover processes after."""
    yield tmp_path
    assert processes_mentioning(str(tmp_path)) == []
