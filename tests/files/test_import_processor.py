"""The emulator's import processor on a store of its own: every file type, and its rules."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from vibes_emulator.files.import_format import ImportFileError, read_import
from vibes_emulator.files.imports import ImportProcessor
from vibes_emulator.store.facade import Store
from vibes_emulator.testing import RunningEmulator


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Store, ImportProcessor, list[tuple[str, Any]]]:
    store = Store.open(None)
    store.seed(persons=30, seed=5)
    changes: list[tuple[str, Any]] = []
    store.add_listener(lambda state, change, record: changes.append((change, record)))
    return store, ImportProcessor(store, tmp_path), changes


def _land(processor: ImportProcessor, name: str, text: str) -> str:
    processor.inbox.mkdir(parents=True, exist_ok=True)
    (processor.inbox / name).write_text(text, encoding="utf-8")
    (result,) = processor.process_waiting()
    assert not (processor.inbox / name).exists()  # archived
    return (processor.outbox / result["result"]).read_text(encoding="utf-8")


def test_subscriber_import_subscribes_with_header_list_and_fires_callbacks(seeded: Any) -> None:
    store, processor, changes = seeded
    state = store.core.company("demo")
    list_id = sorted(state.tables["list"])[0]
    new_mdn = "+16125550999"
    text = f"Subscription-List-ID: {list_id}\nFields: mdn\n\n{new_mdn}\nnot-a-number\n"
    result = _land(processor, "welcome.subscriptions", text)
    assert "Succeeded: 1" in result and "Failed: 1" in result
    assert '2,5,"Invalid MDN format"' in result
    person = store.persons.by_mdn(state, new_mdn)
    assert person is not None
    assert store.subscriptions.active_subscription(state, person["person_key"], list_id)
    assert [c for c, _ in changes] == ["person_added", "subscription_added"]


def test_wallet_update_sets_tokens_of_the_pass(seeded: Any) -> None:
    store, processor, _ = seeded
    state = store.core.company("demo")
    item = sorted(state.tables["wallet_item"].values(), key=lambda i: i["wallet_item_id"])[0]
    text = (
        f"Campaign-Token: nope,{item['wallet_id']}\nDelimiter: ;\n\n"
        f'uuid;balance\n{item["wallet_item_id"]};"1;5"\nunknown-pass;1\n'
    )
    result = _land(processor, "balances.wallet_update", text)
    assert "Succeeded: 1" in result and "no pass with that uuid" in result
    assert item["tokens"]["balance"] == "1;5"


def test_uppercase_fields_reject_the_whole_file(seeded: Any) -> None:
    _, processor, _ = seeded
    result = _land(processor, "bad.persons", "MDN,first_name\n+16125550100,Al\n")
    assert '0,0,"file rejected: field names must be lowercase: MDN"' in result
    with pytest.raises(ImportFileError, match="lowercase"):
        read_import(io.StringIO("Fields: Person_Key\n\nabc\n"))


def test_control_plane_says_when_batch_files_are_off() -> None:
    with RunningEmulator() as emulator, pytest.raises(RuntimeError, match=r"409.*extracts-dir"):
        emulator.control.call("POST", "extracts", {"date": "2024-01-01"})
