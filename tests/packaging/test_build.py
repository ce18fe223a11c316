"""The release build: `python -m build` prints no warning, and the wheel carries what users need."""

from __future__ import annotations

import email.parser
import zipfile

from demo.environment import PIP_NOISE, ROOT
from tests.packaging.conftest import PROJECT, BuiltWheel


def test_the_build_prints_no_warning(built_wheel: BuiltWheel) -> None:
    # The machine's pip configuration names local indexes that do not exist; pip's note
    # about each is about this machine, not about the project.
    lines = [line for line in built_wheel.output.splitlines() if PIP_NOISE not in line]
    warnings = [line for line in lines if "warn" in line.lower() or "deprecat" in line.lower()]
    assert warnings == [], "\n".join(lines)


def test_the_wheel_declares_an_spdx_license_and_ships_its_text(built_wheel: BuiltWheel) -> None:
    with zipfile.ZipFile(built_wheel.wheel) as wheel:
        dist_info = f"vibes_connectors-{PROJECT['version']}.dist-info"
        metadata = email.parser.Parser().parsestr(wheel.read(f"{dist_info}/METADATA").decode())
        assert metadata["License-Expression"] == "Apache-2.0"
        assert metadata["Version"] == PROJECT["version"]
        license_text = wheel.read(f"{dist_info}/licenses/LICENSE").decode()
        assert "Apache License" in license_text and "Version 2.0" in license_text


def test_the_wheel_holds_every_schema_and_console_script(built_wheel: BuiltWheel) -> None:
    with zipfile.ZipFile(built_wheel.wheel) as wheel:
        names = set(wheel.namelist())
        dist_info = f"vibes_connectors-{PROJECT['version']}.dist-info"
        entry_points = wheel.read(f"{dist_info}/entry_points.txt").decode()
    schemas = {f"tap_vibes/schemas/{p.name}" for p in (ROOT / "tap_vibes" / "schemas").iterdir()}
    assert schemas and schemas <= names
    # The emulator validates requests against the contract it ships.
    data = {f"vibes_emulator/data/{p.name}" for p in (ROOT / "vibes_emulator" / "data").iterdir()}
    assert data and data <= names
    for script, target in PROJECT["scripts"].items():
        assert f"{script} = {target}" in entry_points
