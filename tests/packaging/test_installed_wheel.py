"""The installed console scripts, end to end, from a non-editable install of the built wheel.

Every command runs from a scratch directory with the installed venv's interpreters, whose
start-up guard logs each path they open: the test ends by showing that no path lies in the
source tree and that the tap's schemas came from the installed package.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.environment import ROOT
from tests.packaging.conftest import GUARD_LOG_VARIABLE, PROJECT, InstalledVenv
from tests.target.support import Api
from vibes_callbacks.journal import Journal
from vibes_callbacks.testing import ReceiverProcess
from vibes_emulator.testing import EmulatorProcess

SCRIPTS = ("tap-vibes", "target-vibes", "vibes-emulator", "vibes-callbacks", "target-vibes-replay")


class InstalledEmulator(EmulatorProcess):
    """``vibes-emulator serve`` of the installed venv."""

    def __init__(self, venv: InstalledVenv, *cli_args: str) -> None:
        super().__init__(*cli_args)
        self.venv = venv

    def command(self) -> list[str]:
        return [self.venv.script("vibes-emulator"), "serve", "--port", "0", *self.cli_args]

    def environment(self) -> dict[str, str]:
        return self.venv.environment()


class InstalledReceiver(ReceiverProcess):
    """``vibes-callbacks serve`` of the installed venv."""

    def __init__(self, venv: InstalledVenv, journal: Path) -> None:
        super().__init__(journal)
        self.venv = venv

    def command(self) -> list[str]:
        script = self.venv.script("vibes-callbacks")
        return [script, "serve", "--port", "0", "--journal", str(self.journal)]

    def environment(self) -> dict[str, str]:
        return self.venv.environment()


def run(
    venv: InstalledVenv, script: str, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [venv.script(script), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=venv.environment(),
        timeout=300,
        check=False,
    )


def load_person(
    venv: InstalledVenv, config_file: str, external_id: str, mdn: str
) -> subprocess.CompletedProcess[str]:
    """target-vibes reads one persons record from stdin."""
    record = {"external_person_id": external_id, "mdn": mdn}
    messages = [
        {"type": "SCHEMA", "stream": "persons", "schema": {"properties": {}}, "key_properties": []},
        {"type": "RECORD", "stream": "persons", "record": record},
    ]
    stdin = "".join(json.dumps(message) + "\n" for message in messages)
    return run(venv, "target-vibes", "--config", config_file, stdin=stdin)


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    """Run from a directory outside the checkout, as a user would."""
    assert not tmp_path.resolve().is_relative_to(ROOT)
    with contextlib.chdir(tmp_path):
        yield tmp_path


def test_the_installed_package_is_not_the_checkout(installed: InstalledVenv, scratch: Path) -> None:
    where = subprocess.run(
        [installed.script("python"), "-c", "import tap_vibes; print(tap_vibes.__file__)"],
        capture_output=True,
        text=True,
        env=installed.environment(),
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(installed.site_packages)
    assert not list(installed.site_packages.glob("__editable__*"))


def test_the_guard_logs_a_read_of_the_source_tree(installed: InstalledVenv, scratch: Path) -> None:
    """The check at the end of the end-to-end test could not fail if the guard saw nothing."""
    log = scratch / "guard.log"
    env = {**installed.environment(), GUARD_LOG_VARIABLE: str(log)}
    source = ROOT / "pyproject.toml"
    subprocess.run(
        [installed.script("python"), "-c", f"open({str(source)!r}).read()"], env=env, check=True
    )
    assert f"open\t{source}" in log.read_text().splitlines()


@pytest.mark.parametrize("script", SCRIPTS)
def test_installed_scripts_print_version_and_help(
    installed: InstalledVenv, scratch: Path, script: str
) -> None:
    version = run(installed, script, "--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith(f"{script} v{PROJECT['version']}")
    shown = run(installed, script, "--help")
    assert shown.returncode == 0, shown.stderr
    assert script in shown.stdout and "usage" in shown.stdout.lower()


def test_installed_scripts_end_to_end_read_nothing_from_the_source_tree(
    installed: InstalledVenv, scratch: Path
) -> None:
    with InstalledEmulator(installed, "--seed", "40") as emulator:
        config = emulator.config()
        api = Api(emulator)
        (scratch / "tap.json").write_text(json.dumps(config))

        # tap-vibes: discover, select one stream, sync it.
        discovered = run(installed, "tap-vibes", "--config", "tap.json", "--discover")
        assert discovered.returncode == 0, discovered.stderr[-3000:]
        catalog = json.loads(discovered.stdout)
        for entry in catalog["streams"]:
            chosen = entry["tap_stream_id"] == "subscription_lists"
            for metadata in entry["metadata"]:
                if metadata["breadcrumb"] == []:
                    metadata["metadata"]["selected"] = chosen
        (scratch / "catalog.json").write_text(json.dumps(catalog))
        synced = run(installed, "tap-vibes", "--config", "tap.json", "--catalog", "catalog.json")
        assert synced.returncode == 0, synced.stderr[-3000:]
        messages = [json.loads(line) for line in synced.stdout.splitlines()]
        records = [m["record"] for m in messages if m["type"] == "RECORD"]
        assert {m["stream"] for m in messages if m["type"] == "RECORD"} == {"subscription_lists"}
        status, lists = api.call("GET", "/mobiledb/subscription_lists")
        assert status == 200 and lists
        assert sorted(str(r["id"]) for r in records) == sorted(str(x["id"]) for x in lists)
        assert any(m["type"] == "STATE" for m in messages)

        # target-vibes: one person loaded, then a dry run that writes nothing.
        target_config = {**config, "dead_letter_path": str(scratch / "dead_letters.jsonl")}
        (scratch / "target.json").write_text(json.dumps(target_config))
        loaded = load_person(installed, "target.json", "pkg-1", "+15555550101")
        assert loaded.returncode == 0, loaded.stderr[-3000:]
        person = api.person_by_external("pkg-1")
        assert person is not None and person["mobile_phone"]["mdn"] == "+15555550101"

        (scratch / "dry.json").write_text(json.dumps({**target_config, "dry_run": True}))
        dry = load_person(installed, "dry.json", "pkg-2", "+15555550102")
        assert dry.returncode == 0, dry.stderr[-3000:]
        assert "plan for stream persons -> persons: create=1 " in dry.stderr
        assert api.person_by_external("pkg-2") is None

    # vibes-callbacks: one event delivered as Vibes would, journaled once.
    journal = scratch / "journal.db"
    with InstalledReceiver(installed, journal) as receiver:
        event = {"event_id": "pkg-evt-1", "callback_type": "person_updated", "person": {}}
        request = urllib.request.Request(  # noqa: S310 - loopback receiver
            receiver.url,
            data=json.dumps(event).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            assert answer.status == 200
    assert receiver.returncode == 0, receiver.stderr_text[-2000:]
    with Journal.open_existing(journal) as stored:
        assert [(e.event_id, e.callback_type) for e in stored.read()] == [
            ("pkg-evt-1", "person_updated")
        ]

    opened = installed.opened_paths()
    in_checkout = sorted({str(p) for p in opened if p.is_relative_to(ROOT)})
    assert in_checkout == [], "the installed commands read the source tree"
    schemas = installed.site_packages / "tap_vibes" / "schemas"
    assert schemas / "subscription_lists.json" in opened
    for package in ("tap_vibes", "target_vibes", "vibes_api", "vibes_emulator", "vibes_callbacks"):
        assert any(p.is_relative_to(installed.site_packages / package) for p in opened), package
