"""The dry run's plan is the real run's outcome, on input that mixes every case."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.target.support import Api, run_cli, target_config, writes

ROUTES = {"crm_contacts": {"resource": "persons", "match_on": "external_person_id"}}
PLAN = re.compile(r"plan for stream crm_contacts -> persons: (.*)")
SUMMARY = re.compile(r"(\d+) written, (\d+) unchanged, (\d+) rejected")


def mixed_input(emulator: Any, path: Path) -> Path:
    """New, unchanged, changed, invalid phone, changed MDN and an unknown custom field."""
    api = Api(emulator)
    people = [
        api.call("GET", f"/mobiledb/persons/{p['person_key']}")[1]
        for p in emulator.control.persons()
    ]
    named = [
        p
        for p in people
        if p["external_person_id"] and p["mobile_phone"] and p["custom_fields"].get("first_name")
    ]
    same, changed, moved, odd = named[:4]

    def row(person: dict[str, Any], **change: Any) -> dict[str, Any]:
        return {
            "external_person_id": person["external_person_id"],
            "mdn": person["mobile_phone"]["mdn"],
            "custom_fields__first_name": person["custom_fields"]["first_name"],
            **change,
        }

    rows = [
        row(same),
        row(changed, custom_fields__first_name="Renamed"),
        row(moved, mdn="+13125559876"),  # Vibes refuses to change an MDN (409)
        row(odd, custom_fields__shoe_size="42"),  # a field this company lacks (422)
        {"external_person_id": "brand-new", "mdn": "+13125550111"},
        {"external_person_id": "bad-phone", "mdn": "555"},
    ]
    lines = [{"type": "SCHEMA", "stream": "crm_contacts", "schema": {"properties": {}}}]
    lines += [{"type": "RECORD", "stream": "crm_contacts", "record": r} for r in rows]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def counts(text: str) -> dict[str, int]:
    return {k: int(v) for k, v in (pair.split("=") for pair in text.split())}


def test_the_plan_says_what_the_real_run_then_does(emulator: Any, tmp_path: Path) -> None:
    emulator.control.seed(40, seed=5)
    source = mixed_input(emulator, tmp_path / "mixed.singer")
    config = target_config(emulator, tmp_path, streams=ROUTES, max_reject_ratio=0.9)

    emulator.control.reset_stats()
    planned = run_cli({**config, "dry_run": True}, source, tmp_path)
    assert planned.returncode == 0, planned.stderr[-3000:]
    assert writes(emulator.control.stats()) == 0
    match = PLAN.search(planned.stderr)
    assert match, planned.stderr[-3000:]
    plan = counts(match.group(1))
    assert plan == {
        "create": 1,
        "update": 1,
        "upsert": 0,
        "unsubscribe": 0,
        "subscribe": 0,
        "add": 0,
        "send": 0,
        "unchanged": 1,
        "unverified": 1,
        "reject": 2,
    }

    done = run_cli(config, source, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = SUMMARY.search(done.stderr)
    assert summary, done.stderr[-3000:]
    written, unchanged, rejected = (int(n) for n in summary.groups())
    planned_writes = sum(plan[a] for a in ("create", "update", "upsert"))
    assert unchanged == plan["unchanged"]
    # What the plan could not verify went one way or the other; everything else agrees.
    assert planned_writes <= written <= planned_writes + plan["unverified"]
    assert plan["reject"] <= rejected <= plan["reject"] + plan["unverified"]
    assert written + rejected == planned_writes + plan["reject"] + plan["unverified"]
    assert (written, rejected) == (2, 3)  # the unknown field was the company's to refuse
