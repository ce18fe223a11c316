"""The project as users get it: a wheel built like a release, installed into a fresh venv.

``built_wheel`` runs ``python -m build`` (an sdist, then the wheel from that sdist) once per
session. ``installed`` creates a virtual environment outside the checkout and installs that
wheel, not editable, with the pinned dependencies (constraints.txt); its interpreters load
``source_tree_guard`` at start-up, which logs every path they open, so a test can show that
nothing came from the source tree.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from demo.environment import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
GUARD = Path(__file__).with_name("source_tree_guard.py")
GUARD_LOG_VARIABLE = "SOURCE_TREE_GUARD_LOG"


@dataclass(frozen=True)
class BuiltWheel:
    wheel: Path
    sdist: Path
    output: str  # everything `python -m build` printed, the backend's warnings included

    @property
    def directory(self) -> Path:
        return self.wheel.parent


@dataclass(frozen=True)
class InstalledVenv:
    root: Path
    site_packages: Path
    guard_log: Path

    def script(self, name: str) -> str:
        return str(self.root / "bin" / name)

    def environment(self) -> dict[str, str]:
        """The environment of an installed command: this venv first on PATH, nothing of the
        checkout's (no PYTHONPATH, no .venv), and the guard logging where it opens files."""
        path = [
            entry
            for entry in os.environ.get("PATH", "").split(os.pathsep)
            if entry and not Path(entry).resolve().is_relative_to(ROOT)
        ]
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
        }
        env["PATH"] = os.pathsep.join([str(self.root / "bin"), *path])
        env[GUARD_LOG_VARIABLE] = str(self.guard_log)
        return env

    def opened_paths(self) -> list[Path]:
        """Every path an interpreter of this venv opened, listed or connected to so far."""
        if not self.guard_log.exists():
            return []
        lines = self.guard_log.read_text(encoding="utf-8", errors="replace").splitlines()
        return [Path(line.split("\t", 1)[1]) for line in lines if "\t" in line]


def base_python() -> str:
    """The interpreter the project's .venv was made from (a venv of a venv would inherit)."""
    return getattr(sys, "_base_executable", sys.executable)


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> BuiltWheel:
    out = tmp_path_factory.mktemp("dist")
    # PYTHONDONTWRITEBYTECODE, set on some machines (this one), makes distutils print
    # "byte-compiling is disabled" warnings that a user's build does not show.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return BuiltWheel(wheel=wheel, sdist=sdist, output=output)


@pytest.fixture(scope="session")
def installed(built_wheel: BuiltWheel, tmp_path_factory: pytest.TempPathFactory) -> InstalledVenv:
    root = tmp_path_factory.mktemp("installed") / "venv"
    assert not root.resolve().is_relative_to(ROOT)
    subprocess.run([base_python(), "-m", "venv", str(root)], check=True, timeout=300)
    python = str(root / "bin" / "python")
    install = subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--constraint",
            str(ROOT / "constraints.txt"),
            str(built_wheel.wheel),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert install.returncode == 0, (install.stdout + install.stderr)[-4000:]
    site_packages = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site_packages / "source_tree_guard.py").write_text(GUARD.read_text())
    (site_packages / "source_tree_guard.pth").write_text("import source_tree_guard\n")
    return InstalledVenv(root=root, site_packages=site_packages, guard_log=root / "opened.log")
