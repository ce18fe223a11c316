"""Meltano for the demo and the tests: its own virtualenv, pinned, and the project's plugins.

Meltano lives apart from the project's .venv (its dependencies are not ours to pin) in
``.meltano/cli``; Meltano installs each plugin into its own virtualenv under ``.meltano/``.
Both steps are skipped when nothing they depend on changed since the last install.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MELTANO_VERSION = "4.4.1"
MELTANO_VENV = ROOT / ".meltano" / "cli"
MELTANO = MELTANO_VENV / "bin" / "meltano"
DEMO_DIR = ROOT / ".demo"
# Pip prints a warning per package for this machine's extra local indexes that do not exist.
PIP_NOISE = "is neither a file nor a directory"


def meltano_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment Meltano runs in: no telemetry, no colour codes, no update check."""
    env = {
        key: value
        for key, value in os.environ.items()
        # A parent virtualenv must not leak into the plugins' own interpreters.
        if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
    }
    env.update(
        {
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "MELTANO_DISABLE_TRACKING": "true",
            "NO_COLOR": "1",
            # Meltano installs plugins with uv, which writes no .pyc files by itself; without
            # them every plugin start (three per `meltano run`) recompiles its imports.
            "UV_COMPILE_BYTECODE": "1",
            "MELTANO_CLI_LOG_LEVEL": env.get("MELTANO_CLI_LOG_LEVEL", "info"),
        }
    )
    env.update(extra or {})
    return env


def _run_quiet(command: list[str], what: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = "\n".join(
            line for line in (result.stdout + result.stderr).splitlines() if PIP_NOISE not in line
        )
        raise RuntimeError(f"{what} failed (exit {result.returncode}):\n{output[-4000:]}")


def _fingerprint(*paths: Path) -> str:
    digest = hashlib.sha256(MELTANO_VERSION.encode())
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_meltano(say: Callable[[str], None] = print) -> Path:
    """Create ``.meltano/cli`` with meltano==MELTANO_VERSION unless it is already there."""
    stamp = MELTANO_VENV / ".installed"
    if MELTANO.exists() and stamp.exists() and stamp.read_text() == MELTANO_VERSION:
        return MELTANO
    say(f"Installing Meltano {MELTANO_VERSION} into {MELTANO_VENV.relative_to(ROOT)} ...")
    base_python = getattr(sys, "_base_executable", sys.executable)
    _run_quiet(
        [base_python, "-m", "venv", "--clear", "--without-pip", str(MELTANO_VENV)],
        "python -m venv",
    )
    # ensurepip on its own, so that a failure shows pip's own words; it failed once (not
    # reproducibly) on the build machine, hence one retry.
    ensurepip = [
        str(MELTANO_VENV / "bin" / "python"),
        "-m",
        "ensurepip",
        "--upgrade",
        "--default-pip",
    ]
    try:
        _run_quiet(ensurepip, "python -m ensurepip")
    except RuntimeError:
        _run_quiet(ensurepip, "python -m ensurepip")
    pip = str(MELTANO_VENV / "bin" / "pip")
    _run_quiet(
        [pip, "install", "--quiet", f"meltano=={MELTANO_VERSION}"],
        f"pip install meltano=={MELTANO_VERSION}",
    )
    stamp.write_text(MELTANO_VERSION)
    return MELTANO


def ensure_plugins(say: Callable[[str], None] = print) -> None:
    """``meltano install`` when meltano.yml or pyproject.toml changed since the last one."""
    ensure_meltano(say)
    stamp = MELTANO_VENV / ".plugins-installed"
    fingerprint = _fingerprint(ROOT / "meltano.yml", ROOT / "pyproject.toml")
    if stamp.exists() and stamp.read_text() == fingerprint:
        return
    say("Installing the Meltano plugins (meltano install) ...")
    _run_quiet([str(MELTANO), "install"], "meltano install", env=meltano_env())
    stamp.write_text(fingerprint)


def loader_python(loader: str = "target-duckdb") -> Path:
    """The interpreter of a loader's virtualenv (target-duckdb's carries the duckdb module)."""
    return ROOT / ".meltano" / "loaders" / loader / "venv" / "bin" / "python"
