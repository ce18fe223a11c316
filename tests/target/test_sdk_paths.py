"""target-vibes overrides two private SDK message handlers; each is checked against the
SDK's own path, every message compared, STATE included.

- ``_process_batch_message``: the records of tap-vibes' BATCH files take the RECORD path,
  so the same records sent as RECORD lines and as BATCH files end the same in Vibes, in
  the run's outcomes and in its STATE lines.
- ``_process_state_message``: after a written batch the next STATE is emitted at once
  rather than at the end of the input; every STATE it emits is one it received, in order,
  and the last equals the one the SDK's own handler emits.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
from pathlib import Path
from typing import Any

from singer_sdk import Target

from target_vibes.target import TargetVibes
from tests.reliability.support import TAP
from tests.tap.harness import select_streams
from tests.target.support import Api, run_target, target_config

PERSONS_FIELDS = ("external_person_id", "mobile_phone", "custom_fields")


def tap_output(emulator: Any, tmp_path: Path, name: str, **extra: Any) -> list[dict[str, Any]]:
    ids = tmp_path / "ids.csv"
    ids.write_text(
        "person_key\n" + "".join(p["person_key"] + "\n" for p in emulator.control.persons())
    )
    config = {**emulator.config(), "person_ids_file": str(ids), **extra}
    (tmp_path / f"{name}.json").write_text(json.dumps(config))
    (tmp_path / "catalog.json").write_text(json.dumps(select_streams(config, ("persons",))))
    out = subprocess.run(
        [
            TAP,
            "--config",
            str(tmp_path / f"{name}.json"),
            "--catalog",
            str(tmp_path / "catalog.json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    return [json.loads(line) for line in out.splitlines()]


def load_into(emulator: Any, tmp_path: Path, company: str, messages: list[Any]) -> Any:
    emulator.control.add_company(company, f"{company}-user", f"{company}-pw")
    config = target_config(
        emulator,
        tmp_path / company,
        company_key=company,
        username=f"{company}-user",
        password=f"{company}-pw",
    )
    (tmp_path / company).mkdir()
    return run_target(config, messages)


def test_batch_files_load_exactly_like_record_lines(emulator: Any, tmp_path: Path) -> None:
    emulator.control.seed(40, seed=4)
    as_records = tap_output(emulator, tmp_path, "records")
    batch_config = {
        "encoding": {"format": "jsonl", "compression": "gzip"},
        "storage": {"root": (tmp_path / "batches").as_uri(), "prefix": "b-"},
    }
    as_batches = tap_output(emulator, tmp_path, "batches", batch_config=batch_config)
    assert any(m["type"] == "BATCH" for m in as_batches)
    assert not any(m["type"] == "RECORD" for m in as_batches)

    by_records = load_into(emulator, tmp_path, "by-records", as_records)
    by_batches = load_into(emulator, tmp_path, "by-batches", as_batches)
    for run in (by_records, by_batches):
        assert run.failure is None
    assert by_batches.states == by_records.states
    assert [t.outcomes for t in by_batches.target.context.outcomes.tallies()] == [
        t.outcomes for t in by_records.target.context.outcomes.tallies()
    ]
    assert by_batches.dead_letters == by_records.dead_letters
    copies = [Api(emulator, c, (f"{c}-user", f"{c}-pw")) for c in ("by-records", "by-batches")]
    for person in emulator.control.persons():
        original = Api(emulator).call("GET", f"/mobiledb/persons/{person['person_key']}")[1]
        if not original["external_person_id"]:
            continue
        loaded = [copy.person_by_external(original["external_person_id"]) for copy in copies]
        assert loaded[0] is not None and loaded[1] is not None
        assert [{f: p[f] for f in PERSONS_FIELDS} for p in loaded] == [
            {f: original[f] for f in PERSONS_FIELDS}
        ] * 2


class SdkStateTarget(TargetVibes):
    """target-vibes with the SDK's own STATE handling (only the end of input emits)."""

    def _process_state_message(self, message_dict: dict) -> None:
        Target._process_state_message(self, message_dict)


def test_state_after_each_written_batch_is_the_sdk_state_sooner(
    emulator: Any, tmp_path: Path
) -> None:
    lines: list[dict[str, Any]] = [
        {"type": "SCHEMA", "stream": "persons", "schema": {"properties": {}}, "key_properties": []}
    ]
    received = []
    for batch in range(4):
        for index in range(12):
            record = {"external_person_id": f"b{batch}-{index}"}
            lines.append({"type": "RECORD", "stream": "persons", "record": record})
        received.append({"upto": batch})
        lines.append({"type": "STATE", "value": received[-1]})
    config = target_config(emulator, tmp_path, batch_size_rows=10)
    ours = run_target(config, lines)
    sdk_config = {**config, "dead_letter_path": str(tmp_path / "sdk.jsonl")}
    sdk = SdkStateTarget(config=sdk_config)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        sdk.listen(io.StringIO("".join(json.dumps(line) + "\n" for line in lines)))
    sdk_states = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    assert ours.failure is None
    assert sdk_states == [received[-1]]  # the SDK's path: one STATE, at the end
    # Ours: every STATE it received, in order, each once the batch before it was written.
    assert ours.states[: len(received)] == received
    assert set(map(json.dumps, ours.states)) == set(map(json.dumps, received))
    assert ours.states[-1] == sdk_states[-1]
