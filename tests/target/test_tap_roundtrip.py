"""tap-vibes output from one emulator company loads into another and reads back equal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.target.support import Api, run_target, target_config

OTHER = ("acme", "acme-user", "acme-password")
COMPARED = ("external_person_id", "mobile_phone", "custom_fields")


def test_tap_vibes_persons_load_into_another_company(emulator: Any, tmp_path: Path) -> None:
    emulator.control.seed(25, seed=3)
    emulator.control.add_company(*OTHER)
    persons = emulator.control.persons()
    ids = tmp_path / "ids.csv"
    ids.write_text("person_key\n" + "".join(p["person_key"] + "\n" for p in persons))
    tap_config = tmp_path / "tap.json"
    tap_config.write_text(json.dumps({**emulator.config(), "person_ids_file": str(ids)}))
    tapped = subprocess.run(
        [str(Path(sys.executable).parent / "tap-vibes"), "--config", str(tap_config)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    # Only the persons stream is selected for this pipeline (as a catalog would).
    messages = [json.loads(line) for line in tapped.stdout.splitlines()]
    selected = [m for m in messages if m.get("stream") == "persons" or m["type"] == "STATE"]
    assert sum(1 for m in selected if m["type"] == "RECORD") == len(persons)

    company, user, password = OTHER
    config = {
        **target_config(emulator, tmp_path),
        "company_key": company,
        "username": user,
        "password": password,
    }
    run = run_target(config, selected)
    assert run.failure is None, run.failure
    assert run.dead_letters == []

    source = Api(emulator)
    copy = Api(emulator, company, (user, password))
    for person in persons:
        original = source.call("GET", f"/mobiledb/persons/{person['person_key']}")[1]
        if original["external_person_id"] is not None:
            loaded = copy.person_by_external(original["external_person_id"])
        else:
            status, loaded = copy.call(
                "GET", "/mobiledb/persons?mdn=%2B" + original["mobile_phone"]["mdn"][1:]
            )
            assert status == 200
        assert loaded is not None
        assert loaded["person_key"] != original["person_key"] or company != emulator.company_key
        for field in COMPARED:
            assert loaded[field] == original[field], (field, original, loaded)
