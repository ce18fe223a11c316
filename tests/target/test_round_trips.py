"""Round trips: tap-vibes piped into target-vibes, as users chain them, changes nothing.

For each stream tap-vibes emits that target-vibes accepts, the tap's output is loaded
back into the same company (nothing in Vibes changes, nothing is rejected, and a second
load reports every record unchanged) and into another company of the same emulator
(persons are reproduced; what only the source company can hold is reported, never
written over something else).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.support import TAP, TARGET
from tests.tap.harness import select_streams
from tests.target.support import Api, read_lines, target_config, writes
from vibes_emulator.testing import RunningEmulator

OTHER = ("acme", "acme-user", "acme-password")
BROADCAST_STATUSES = ("scheduled", "sent", "canceled", "in_progress", "failed", "paused")
PERSON_FIELDS = ("external_person_id", "mobile_phone", "custom_fields")


@pytest.fixture
def source() -> Any:
    with RunningEmulator(seed=120, seed_value=11) as running:
        running.control.add_company(*OTHER)
        running.control.set_faults(rate_limit=0)  # the snapshots read every person
        yield running


def snapshot(emulator: Any) -> dict[str, Any]:
    """Everything the source company holds that these streams touch, read over the API."""
    api = Api(emulator)
    persons = emulator.control.persons()
    wallets = api.call("GET", "/campaigns/wallet")[1]
    return {
        "persons": [api.call("GET", f"/mobiledb/persons/{p['person_key']}")[1] for p in persons],
        "subscriptions": [
            api.call("GET", f"/mobiledb/persons/{p['person_key']}/subscriptions?active_only=false")
            for p in persons
        ],
        "wallet_items": [
            api.call("GET", f"/campaigns/wallet/{w['wallet_id']}/items?page_size=1000")
            for w in wallets
        ],
        "wallet_messages": [
            api.call("GET", f"/campaigns/wallet/{w['wallet_id']}/messages") for w in wallets
        ],
        "broadcasts": [
            api.call("GET", f"/mobiledb/broadcasts?status={status}")
            for status in BROADCAST_STATUSES
        ],
        "wallet_locations": [
            api.call("GET", f"/campaigns/wallet/{w['wallet_id']}/locations?page_size=1000")
            for w in wallets
        ],
        "event_triggered_messages": api.call("GET", "/mobiledb/event_triggered_messages"),
        "push_devices": [
            api.call("GET", f"/mobiledb/persons/{p['person_key']}/push_devices") for p in persons
        ],
        # A pool counts its issued codes and a code its issuances and redemptions.
        "incentive_pools": api.call("GET", "/incentives/pools"),
        "incentive_codes": [
            api.call("GET", f"/incentives/codes/{c['code']}")
            for c in emulator.control.incentive_codes()
        ],
    }


def pipe(
    emulator: Any, tmp_path: Path, stream: str, run: str, **target: Any
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]], int]:
    """tap-vibes (one stream selected) | target-vibes; (target run, dead letters, records)."""
    work = tmp_path / run
    work.mkdir()
    ids = work / "ids.csv"
    ids.write_text(
        "person_key\n" + "".join(p["person_key"] + "\n" for p in emulator.control.persons())
    )
    codes = work / "codes.csv"
    codes.write_text(
        "code\n" + "".join(c["code"] + "\n" for c in emulator.control.incentive_codes())
    )
    tap_config = {
        **emulator.config(),
        "person_ids_file": str(ids),
        "incentive_codes_file": str(codes),
    }
    (work / "tap.json").write_text(json.dumps(tap_config))
    (work / "catalog.json").write_text(json.dumps(select_streams(tap_config, (stream,))))
    config = target_config(emulator, work, **target)
    (work / "target.json").write_text(json.dumps(config))
    emulator.control.reset_stats()
    with subprocess.Popen(
        [TAP, "--config", str(work / "tap.json"), "--catalog", str(work / "catalog.json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as tap:
        loaded = subprocess.run(
            [TARGET, "--config", str(work / "target.json")],
            stdin=tap.stdout,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert tap.wait(timeout=300) == 0
    summary = next(line for line in loaded.stderr.splitlines() if f"summary {stream}:" in line)
    records = int(summary.split(f"summary {stream}: ", 1)[1].split(" records", 1)[0])
    return loaded, read_lines(Path(config["dead_letter_path"])), records


ACCEPTED = (
    "persons",
    "subscribers",
    "wallet_items",
    "wallet_messages",
    "broadcasts",
    "wallet_locations",
    "event_triggered_messages",
    "push_devices",
    "incentive_issuances",
    "incentive_redemptions",
)
# Streams whose resource has another name: tap-vibes' push_devices are assignments.
ROUTED = {"push_devices": {"streams": {"push_devices": {"resource": "push_device_assignments"}}}}


@pytest.mark.parametrize("stream", ACCEPTED)
def test_loading_the_tap_output_back_into_the_same_company_changes_nothing(
    source: Any, tmp_path: Path, stream: str
) -> None:
    before = snapshot(source)
    for run in ("first", "again"):
        loaded, dead, records = pipe(source, tmp_path, stream, run, **ROUTED.get(stream, {}))
        assert loaded.returncode == 0, loaded.stderr[-3000:]
        assert dead == []
        assert records > 0
        assert f"{records} unchanged, 0 rejected" in loaded.stderr
        if stream != "persons":  # a person upsert is an idempotent PUT that Vibes keeps as is
            assert writes(source.control.stats()) == 0
        assert snapshot(source) == before


def test_subscriber_history_never_undoes_a_newer_subscription(source: Any, tmp_path: Path) -> None:
    """The chain that unsubscribed live people: old opt-out rows before re-subscriptions."""
    api = Api(source)
    resubscribed = 0
    for person in source.control.persons():
        subs = api.call(
            "GET", f"/mobiledb/persons/{person['person_key']}/subscriptions?active_only=false"
        )[1]
        lists = [s["subscription_list"]["id"] for s in subs]
        active = {s["subscription_list"]["id"] for s in subs if s["opt_out_date"] is None}
        resubscribed += sum(1 for list_id in active if lists.count(list_id) > 1)
    assert resubscribed > 0, "the seed should hold people who opted out and came back"
    active_before = snapshot(source)["subscriptions"]
    loaded, dead, _ = pipe(source, tmp_path, "subscribers", "history")
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert dead == []
    assert "0 written" in loaded.stderr
    assert snapshot(source)["subscriptions"] == active_before


def test_loading_into_another_company_reproduces_persons_and_writes_nothing_else(
    source: Any, tmp_path: Path
) -> None:
    company, user, password = OTHER
    other = {"company_key": company, "username": user, "password": password}
    loaded, dead, records = pipe(source, tmp_path, "persons", "persons", **other)
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert dead == []
    copy = Api(source, company, (user, password))
    for person in source.control.persons():
        original = Api(source).call("GET", f"/mobiledb/persons/{person['person_key']}")[1]
        if original["external_person_id"] is not None:
            twin = copy.person_by_external(original["external_person_id"])
        else:
            mdn = original["mobile_phone"]["mdn"]
            twin = copy.call("GET", "/mobiledb/persons?mdn=%2B" + mdn[1:])[1]
        assert twin is not None and twin["person_key"] != original["person_key"]
        assert {f: twin[f] for f in PERSON_FIELDS} == {f: original[f] for f in PERSON_FIELDS}
    assert records == len(source.control.persons())

    # Subscriptions, passes and sent messages belong to the source company: each record is
    # either left alone (already sent) or rejected with what to do, and nothing is written.
    subscribed, dead, _ = pipe(
        source, tmp_path, "subscribers", "subscribers", max_reject_ratio=1.0, **other
    )
    assert subscribed.returncode == 0, subscribed.stderr[-3000:]
    assert dead and all("acquisition_id" in letter["reason"] for letter in dead)
    expected_reasons = {
        "wallet_items": "wallet item does not exist",
        "wallet_locations": "does not exist",  # the campaign is the source company's
    }
    for stream in ("wallet_items", "wallet_messages", "broadcasts", "wallet_locations"):
        run, dead, _ = pipe(source, tmp_path, stream, stream, max_reject_ratio=1.0, **other)
        assert run.returncode in (0, 5), run.stderr[-3000:]
        assert writes(source.control.stats()) == 0, stream
        expected = expected_reasons.get(stream)
        assert all(expected and expected in letter["reason"] for letter in dead), stream
    # Campaigns and devices are the source company's too: named by ids the other company
    # does not have, each is refused saying so, and nothing is written.
    for stream, expected in (
        ("event_triggered_messages", "does not exist in this company"),
        ("push_devices", "no person with person_key"),
    ):
        run, dead, _ = pipe(
            source,
            tmp_path,
            stream,
            stream,
            max_reject_ratio=1.0,
            **other,
            **ROUTED.get(stream, {}),
        )
        assert run.returncode in (0, 5), run.stderr[-3000:]
        assert writes(source.control.stats()) == 0, stream
        # Dead letters, or (all of the first 25 refused alike) a stop that names the reason.
        reasons = [letter["reason"] for letter in dead] or [run.stderr]
        assert all(expected in reason for reason in reasons), stream
