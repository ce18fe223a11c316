"""The documented path from an ids-file backfill to the live journal (README: Resuming and
switching sources): the receiver runs and callbacks are registered before the backfill; the
backfill's STATE is handed to the first journal run. No change made during the backfill is
lost, though its persons' bookmark (updated_at) is newer than some of those changes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import orjson

from tests.callbacks.test_end_to_end import _api, _drain, emulator_with_receiver  # noqa: F401
from tests.reliability.support import REPO_ROOT, run_process, tap_command, write_json
from tests.tap.harness import select_streams, write_ids_file
from vibes_callbacks.testing import ReceiverProcess
from vibes_emulator.testing import RunningEmulator

STREAMS = ("persons", "subscribers")


def test_changes_made_during_an_ids_file_backfill_come_out_of_the_journal_run(
    emulator_with_receiver: tuple[RunningEmulator, ReceiverProcess],  # noqa: F811
    tmp_path: Path,
) -> None:
    emulator, receiver = emulator_with_receiver
    persons = emulator.control.persons()
    ids = write_ids_file(tmp_path / "ids.csv", persons)
    # Slow enough that the changes below land while the backfill is still reading.
    emulator.control.set_faults(latency_ms=30)
    common = {**emulator.config(), "start_date": "2000-01-01T00:00:00Z", "max_concurrency": 1}
    backfill = {**common, "person_ids_file": str(ids)}
    catalog = write_json(tmp_path / "backfill-catalog.json", select_streams(backfill, STREAMS))
    command = tap_command(write_json(tmp_path / "backfill.json", backfill), None)
    errors = (tmp_path / "backfill.stderr").open("w+b")
    process = subprocess.Popen(
        [*command, "--catalog", str(catalog)], stdout=subprocess.PIPE, stderr=errors, cwd=REPO_ROOT
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline()]
        while b'"RECORD"' not in lines[-1] and lines[-1]:
            lines.append(process.stdout.readline())
        # The backfill is under way: change the first person (already read) and the last.
        first, last = persons[0]["person_key"], persons[-1]["person_key"]
        changed = {first: "during-first", last: "during-last"}
        for key, name in changed.items():
            _api(
                emulator,
                lambda c, key=key, name=name: c.put(
                    f"/mobiledb/persons/{key}", json={"custom_fields": {"first_name": name}}
                ),
            )
        rest = process.stdout.read()  # the same buffered reader: nothing read twice or lost
        process.wait(timeout=240)
        errors.seek(0)
        assert process.returncode == 0, errors.read().decode()[-2000:]
    finally:
        errors.close()
        if process.poll() is None:
            process.kill()
            process.wait()
    messages = [orjson.loads(line) for line in [*lines, *rest.splitlines()] if line.strip()]
    states = [m["value"] for m in messages if m["type"] == "STATE"]
    first_seen = {
        m["record"]["person_key"]: m["record"]["custom_fields"].get("first_name")
        for m in messages
        if m["type"] == "RECORD" and m["stream"] == "persons"
    }
    assert first_seen[persons[0]["person_key"]] != "during-first"  # read before the change
    _drain(emulator)

    live = {**common, "callback_journal": str(receiver.journal)}
    catalog = write_json(tmp_path / "live-catalog.json", select_streams(live, STREAMS))
    state = write_json(tmp_path / "state.json", states[-1])
    run = run_process(
        [*tap_command(write_json(tmp_path / "live.json", live), state), "--catalog", str(catalog)]
    )
    assert run.returncode == 0, run.stderr[-2000:]
    names = {
        (p["person_key"], p["custom_fields"].get("first_name")) for p in run.records["persons"]
    }
    assert set(changed.items()) <= names
    assert "is not a journal position; reading the journal from the start" in run.stderr
