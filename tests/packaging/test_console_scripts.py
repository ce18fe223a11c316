"""Every console script pyproject.toml declares answers --version and --help (issue 13 item 5),
and the version they print is the one set in pyproject.toml, and nowhere else."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from demo.environment import ROOT
from tests.packaging.conftest import PROJECT

VERSION = PROJECT["version"]
PACKAGES = ("tap_vibes", "target_vibes", "vibes_api", "vibes_emulator", "vibes_callbacks")


def script(name: str) -> str:
    """The console script installed next to this interpreter (the project's venv)."""
    path = Path(sys.executable).parent / name
    assert path.exists(), f"{name} is not installed: make install"
    return str(path)


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_the_five_console_scripts_are_declared() -> None:
    assert sorted(PROJECT["scripts"]) == [
        "tap-vibes",
        "target-vibes",
        "target-vibes-replay",
        "vibes-callbacks",
        "vibes-emulator",
    ]


@pytest.mark.parametrize("name", sorted(PROJECT["scripts"]))
def test_version_prints_the_pyproject_version(name: str) -> None:
    shown = run(script(name), "--version")
    assert shown.returncode == 0, shown.stderr
    assert re.match(rf"{re.escape(name)} v{re.escape(VERSION)}(,|$)", shown.stdout.strip())


@pytest.mark.parametrize(
    "command",
    [
        *([name] for name in sorted(PROJECT["scripts"])),
        ["vibes-emulator", "serve"],
        ["vibes-callbacks", "serve"],
        ["vibes-callbacks", "register"],
    ],
    ids=" ".join,
)
def test_help_describes_the_command_and_exits_0(command: list[str]) -> None:
    shown = run(script(command[0]), *command[1:], "--help")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.lower().startswith("usage:")
    assert command[0] in shown.stdout and "--help" in shown.stdout
    assert shown.stderr == ""


def test_no_module_sets_a_version_of_its_own() -> None:
    for package in PACKAGES:
        for module in (ROOT / package).rglob("*.py"):
            text = module.read_text(encoding="utf-8")
            assert "__version__" not in text, module
            assert f'"{VERSION}"' not in text, module


def test_the_changelog_describes_this_version_first() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"^## \[(\d[^\]]*)\] - \d{4}-\d{2}-\d{2}$", changelog, re.M)
    assert releases and releases[0] == VERSION
    assert "## [Unreleased]" in changelog.split(f"## [{VERSION}]")[0]
