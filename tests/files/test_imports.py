"""Import files written by target-vibes, applied by the emulator, results read back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.files.conftest import sftp_settings
from tests.target.support import Api, run_target, target_config
from vibes_emulator.testing import RunningEmulator

PERSON_SCHEMA = {
    "type": "object",
    "properties": {
        "external_person_id": {"type": ["string", "null"]},
        "person_key": {"type": ["string", "null"]},
        "mdn": {"type": ["string", "null"]},
        "custom_fields": {"type": ["object", "null"]},
    },
}
SUBSCRIBER_SCHEMA = {
    "type": "object",
    "properties": {
        "person_key": {"type": "string"},
        "subscription_list_id": {"type": "string"},
        "action": {"type": "string"},
    },
}


def _messages(stream: str, schema: dict[str, Any], records: list[dict[str, Any]]) -> list[Any]:
    return [
        {"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": []},
        *({"type": "RECORD", "stream": stream, "record": r} for r in records),
        {"type": "STATE", "value": {"done": stream}},
    ]


def _files_config(emulator: RunningEmulator, tmp_path: Path, via: str) -> dict[str, Any]:
    assert emulator.options.extracts_dir is not None
    inbox = Path(emulator.options.extracts_dir) / "files" / "in"
    extra: dict[str, Any] = {"files_path": str(inbox)}
    if via == "sftp":
        settings = sftp_settings(emulator, tmp_path)
        port = settings.pop("port")
        extra = {**settings, "files_path": f"sftp://{emulator.username}@127.0.0.1:{port}/files/in"}
    return target_config(
        emulator, tmp_path, load_via="files", files_result_timeout_seconds=30, **extra
    )


@pytest.mark.parametrize("via", ["directory", "sftp"])
def test_persons_load_by_file_and_rejected_rows_come_back(
    files_emulator: RunningEmulator, tmp_path: Path, via: str
) -> None:
    records = [
        {"external_person_id": f"file-{n}", "mdn": f"+1612555{n:04d}",
         "custom_fields": {"first_name": f"Ann, \"{n}\""}}
        for n in range(3)
    ]  # fmt: skip
    records.append({"external_person_id": "file-bad", "custom_fields": {"shoe_size": "9"}})
    records.append({"custom_fields": {"first_name": "nobody"}})  # no identifier: never sent
    config = _files_config(files_emulator, tmp_path, via)
    run = run_target(config, _messages("persons", PERSON_SCHEMA, records))
    assert run.failure is None or "max_reject_ratio" in str(run.failure)

    api = Api(files_emulator)
    for n in range(3):
        person = api.person_by_external(f"file-{n}")
        assert person is not None
        assert person["mobile_phone"]["mdn"] == f"+1612555{n:04d}"
        assert person["custom_fields"]["first_name"] == f'Ann, "{n}"'
    assert api.person_by_external("file-bad") is None
    reasons = sorted(d["reason"] for d in run.dead_letters)
    assert len(reasons) == 2
    assert "shoe_size" in reasons[1] and "row 4" in reasons[1]  # rejected by the platform
    assert "neither external_person_id nor mdn" in reasons[0]  # rejected before upload
    inbox = Path(config["files_path"]) if via == "directory" else None
    if inbox is not None:
        assert [p.name for p in inbox.iterdir() if p.is_file()] == []  # applied and archived


def test_opt_outs_by_file_unsubscribe_and_unknown_rows_are_dead_lettered(
    files_emulator: RunningEmulator, tmp_path: Path
) -> None:
    api = Api(files_emulator)
    active: list[tuple[str, str]] = []
    lists_seen: set[str] = set()
    for person in files_emulator.control.persons():
        _, subs = api.call("GET", f"/mobiledb/persons/{person['person_key']}/subscriptions")
        for sub in subs or []:
            if sub["opt_out_date"] is None:
                active.append((person["person_key"], sub["subscription_list"]["id"]))
            lists_seen.add(sub["subscription_list"]["id"])
    chosen = active[:2]
    never = next(
        (p["person_key"], lst)
        for p in files_emulator.control.persons()
        for lst in sorted(lists_seen)
        if (p["person_key"], lst) not in active
    )
    records = [
        {"person_key": key, "subscription_list_id": lst, "action": "unsubscribe"}
        for key, lst in [*chosen, never]
    ]
    records.append({"person_key": chosen[0][0], "subscription_list_id": "1", "action": "subscribe"})
    config = _files_config(files_emulator, tmp_path, "directory")
    run = run_target(config, _messages("subscribers", SUBSCRIBER_SCHEMA, records))
    assert run.failure is None or "max_reject_ratio" in str(run.failure)

    for key, lst in chosen:
        status, every = api.call("GET", f"/mobiledb/persons/{key}/subscriptions?active_only=false")
        subs = [s for s in every if s["subscription_list"]["id"] == lst]
        assert status == 200 and subs
        assert all(s["opt_out_date"] is not None for s in subs)
        newest = max(subs, key=lambda s: s["opt_in_date"])  # older ones were opted out before
        assert newest["opt_out_reason"] == "bulk_opt_out"
    reasons = sorted(d["reason"] for d in run.dead_letters)
    assert len(reasons) == 2
    assert any("not subscribed" in r and "row 3" in r for r in reasons)
    assert any("files_confirmed_opt_ins" in r for r in reasons)


WALLET_SCHEMA = {
    "type": "object",
    "properties": {
        "wallet_id": {"type": "string"},
        "wallet_item_id": {"type": "string"},
        "tokens": {"type": "object"},
    },
}


def _first_item(api: Api) -> tuple[str, str]:
    _, campaigns = api.call("GET", "/campaigns/wallet")
    for campaign in campaigns:
        status, items = api.call("GET", f"/campaigns/wallet/{campaign['wallet_id']}/items")
        if status == 200 and items:
            return campaign["wallet_id"], items[0]["wallet_item_id"]
    raise AssertionError("the seed has no wallet items")


def test_wallet_updates_by_file_and_a_dry_run_sends_nothing(
    files_emulator: RunningEmulator, tmp_path: Path
) -> None:
    api = Api(files_emulator)
    wallet_id, item_id = _first_item(api)
    record = {"wallet_id": wallet_id, "wallet_item_id": item_id, "tokens": {"balance": "42"}}
    config = _files_config(files_emulator, tmp_path, "directory")
    inbox = Path(config["files_path"])

    dry = run_target(
        {**config, "dry_run": True}, _messages("wallet_items", WALLET_SCHEMA, [record])
    )
    assert dry.failure is None
    assert not inbox.exists() or [p for p in inbox.rglob("*") if p.is_file()] == []

    run = run_target(config, _messages("wallet_items", WALLET_SCHEMA, [record]))
    assert run.failure is None and run.dead_letters == []
    _, item = api.call("GET", f"/campaigns/wallet/{wallet_id}/items/{item_id}")
    assert item["tokens"]["balance"] == "42"
    archived = [p.name for p in (inbox / "archive").iterdir()]
    assert len(archived) == 1 and archived[0].endswith(".wallet_update")


def test_subscriber_history_by_file_never_unsubscribes_a_newer_subscription(
    files_emulator: RunningEmulator, tmp_path: Path
) -> None:
    """tap-vibes' subscribers rows (history included) sent as imports change nothing."""
    api = Api(files_emulator)
    rows: list[dict[str, Any]] = []
    before = []
    for person in files_emulator.control.persons():
        path = f"/mobiledb/persons/{person['person_key']}/subscriptions?active_only=false"
        subs = api.call("GET", path)[1] or []
        before.append(subs)
        rows += [
            {
                "person_key": person["person_key"],
                "subscription_list_id": sub["subscription_list"]["id"],
                "opt_in_date": sub["opt_in_date"],
                "opt_out_date": sub["opt_out_date"],
                "active": sub["opt_out_date"] is None,
            }
            for sub in subs
        ]
    lists = [(r["person_key"], r["subscription_list_id"]) for r in rows]
    assert any(lists.count(pair) > 1 for pair in lists), "the seed should hold re-subscriptions"
    schema = {"type": "object", "properties": {k: {} for k in rows[0]}}
    run = run_target(
        _files_config(files_emulator, tmp_path, "directory"),
        _messages("subscribers", schema, rows),
    )
    assert run.failure is None
    assert run.dead_letters == []
    assert run.target.context.outcomes.tallies()[0].outcomes["unchanged"] == len(rows)
    after = [
        api.call("GET", f"/mobiledb/persons/{p['person_key']}/subscriptions?active_only=false")[1]
        or []
        for p in files_emulator.control.persons()
    ]
    assert after == before
