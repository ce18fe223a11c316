"""``register`` for every callback type Vibes has, with given selector values, and the clear
errors for a selector that is needed but missing (against the emulator's callback API)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.callbacks.test_register import _clear, _run
from vibes_callbacks.register import (
    CALLBACK_TYPES,
    RegistrationReport,
    SelectorValues,
    register_callbacks,
)
from vibes_emulator.testing import RunningEmulator

URL = "https://receiver.example.com/callbacks/every"


@pytest.fixture(scope="module")
def emulator() -> Iterator[RunningEmulator]:
    with RunningEmulator(seed=10, seed_value=3) as running:
        yield running


def _register(emulator: RunningEmulator, types: list[str], **values: Any) -> RegistrationReport:
    chosen = SelectorValues(**values)
    report: RegistrationReport = _run(
        emulator, lambda c: register_callbacks(c, URL, types, values=chosen)
    )
    return report


def test_every_type_with_given_selectors_registers_once(emulator: RunningEmulator) -> None:
    _clear(emulator)
    acquisition = _run(emulator, lambda c: c.get_list("/campaigns/acquisition"))[0]
    wallet = _run(emulator, lambda c: c.get_list("/campaigns/wallet"))[0]
    values = {
        "list_ids": ("1201", "1202"),
        "campaign_ids": (acquisition["acquisition_id"],),
        "campaign_tokens": (wallet["wallet_id"],),
        "app_ids": ("app-ios",),
        "source_codes": ("65301",),
        "country_code": "US",
        "event_type": "order_shipped",
        "callbacks_to_send": "only_failures",
    }
    report = _register(emulator, list(CALLBACK_TYPES), **values)
    assert report.ok, report.lines()
    # two lists for the two subscription types, one of everything else
    assert report.count("created") == len(CALLBACK_TYPES) + 2
    registered = _run(emulator, lambda c: c.get_list("/config/callbacks/"))
    by_type: dict[str, list[Any]] = {}
    for registration in registered:
        kind = registration["callback_type"]
        by_type.setdefault(kind, []).append(registration.get(kind))
    assert set(by_type) == set(CALLBACK_TYPES)
    assert sorted(s["list_id"] for s in by_type["subscription_added"]) == ["1201", "1202"]
    assert by_type["device_updated"] == [{"app_id": "app-ios"}]
    assert by_type["unmatched_message_received"] == [{"source_code": "65301", "country_code": "US"}]
    assert by_type["event_processed"] == [
        {"event_type": "order_shipped", "callbacks_to_send": "only_failures"}
    ]
    assert by_type["ack_participant_added"] == [{"campaign_id": acquisition["acquisition_id"]}]
    assert by_type["company_participant_added"] == [None]
    again = _register(emulator, list(CALLBACK_TYPES), **values)
    assert again.count("kept") == len(CALLBACK_TYPES) + 2 and again.count("created") == 0


def test_source_codes_and_event_defaults_come_from_vibes(emulator: RunningEmulator) -> None:
    _clear(emulator)
    codes = _run(emulator, lambda c: c.get_list("/sourcecodes"))
    report = _register(emulator, ["unmatched_message_received", "event_processed"])
    assert report.ok and report.count("created") == len(codes) + 1
    selectors = sorted(
        (r.selector or {}).get("source_code", "") for r in report.registrations if r.selector
    )
    assert [s for s in selectors if s] == sorted(c["sourcecode"] for c in codes)
    event = next(r for r in report.registrations if r.callback_type == "event_processed")
    assert event.selector == {"callbacks_to_send": "all"}


def test_a_missing_or_bad_selector_is_a_clear_error(emulator: RunningEmulator) -> None:
    _clear(emulator)
    with pytest.raises(ValueError, match=r"device_added .* give --app-id"):
        _register(emulator, ["person_added", "device_added"])
    with pytest.raises(ValueError, match="callbacks_to_send must be one of"):
        _register(emulator, ["event_processed"], callbacks_to_send="sometimes")
    with pytest.raises(ValueError, match="unknown callback types"):
        _register(emulator, ["person_deleted"])
    assert _run(emulator, lambda c: c.get_list("/config/callbacks/")) == []  # nothing half-done
    refused = _register(emulator, ["subscription_added"], list_ids=("999999",))
    assert not refused.ok and "unknown subscription list" in refused.registrations[0].message


def test_register_command_takes_selector_options(emulator: RunningEmulator, tmp_path: Path) -> None:
    _clear(emulator)
    config = tmp_path / "tap.json"
    config.write_text(json.dumps(emulator.config()))
    command = [sys.executable, "-m", "vibes_callbacks", "register", "--config", str(config)]
    command += ["--url", URL, "--types", "device_added", "device_removed", "event_processed"]
    missing = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert missing.returncode == 1 and "give --app-id" in missing.stderr
    command += ["--app-id", "a1", "--app-id", "a2", "--event-type", "order_shipped"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].endswith("5 created")
    assert "device_removed app_id=a2" in done.stdout
