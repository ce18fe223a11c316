"""Incentive pools, codes, issuances and redemptions over loopback (response shapes:
test_contract.py)."""

from __future__ import annotations

from typing import Any

from tests.emulator.vibes_http import Api, error_messages
from vibes_emulator.testing import RunningEmulator

POOLS = "/incentives/pools"
CODES = "/incentives/codes"

POOL_BODY: dict[str, Any] = {
    "name": "Launch",
    "issuance_allowed": True,
    "redemption_allowed": True,
    "incentive_codes": {"low_threshold": 0, "max_characters": 8},
    "distribution": {"method": "unique"},
    "notification_email_address": "ops@example.com",
}


async def test_an_issued_code_shows_in_its_history_and_is_redeemed(
    api: Api, emulator: RunningEmulator
) -> None:
    emulator.control.seed(150, seed=4)
    status, pools, _ = await api.get(POOLS)
    assert status == 200 and [p["id"] for p in pools] == sorted(p["id"] for p in pools)
    status, pool, _ = await api.get(f"{POOLS}/{pools[0]['id']}/")
    assert status == 200 and pool == pools[0]
    issued = await api.call("POST", f"{POOLS}/{pool['id']}/issuances", json={})
    assert issued[0] == 200, issued
    code = issued[1]["incentive_code"]["code"]
    status, detail, _ = await api.get(f"{CODES}/{code}")
    assert status == 200 and detail["issuances"]["total"] == 1
    status, history, _ = await api.get(f"{CODES}/{code}/issuances")
    assert status == 200 and history == [issued[1]]
    redeemed = await api.call("POST", f"{CODES}/{code}/redemptions", json={})
    assert redeemed[0] == 200 and len(redeemed[1]) == 1
    status, redemptions, _ = await api.get(f"{CODES}/{code}/redemptions")
    assert status == 200 and redemptions == redeemed[1]


async def test_create_update_and_an_empty_pool_refuses_to_issue(api: Api) -> None:
    status, created, _ = await api.call("POST", POOLS, json=POOL_BODY)
    assert status == 200 and created["incentive_codes"]["total"] == 0
    status, body, _ = await api.call("POST", f"{POOLS}/{created['id']}/issuances", json={})
    assert status == 422
    assert error_messages(body) == ["No codes are available from the code pool specified."]
    renamed = POOL_BODY | {"name": "Launch II", "issuance_allowed": False}
    status, updated, _ = await api.call("PUT", f"{POOLS}/{created['id']}", json=renamed)
    assert status == 200 and updated["name"] == "Launch II" and not updated["issuance_allowed"]
    status, listed, _ = await api.get(POOLS)
    assert listed == [updated]


async def test_bad_bodies_and_unknown_ids_answer_in_the_envelope(api: Api) -> None:
    missing = {k: v for k, v in POOL_BODY.items() if k != "name"}
    status, body, _ = await api.call("POST", POOLS, json=missing)
    assert status == 422 and any("name" in m for m in error_messages(body))
    status, body, _ = await api.get(f"{POOLS}/404")
    assert status == 404 and error_messages(body) == ["Incentive pool not found"]
    for path in (f"{CODES}/NOPE", f"{CODES}/NOPE/issuances", f"{CODES}/NOPE/redemptions"):
        status, body, _ = await api.get(path)
        assert status == 404 and error_messages(body) == ["Incentive code not found"]
    status, body, _ = await api.call("POST", f"{CODES}/NOPE/redemptions", json={})
    assert status == 404 and error_messages(body) == ["Incentive code not found"]


async def test_the_control_plane_loads_codes_as_a_file_import_would(
    api: Api, emulator: RunningEmulator
) -> None:
    _, created, _ = await api.call("POST", POOLS, json=POOL_BODY)
    emulator.control.add_incentive_codes(created["id"], ["NEW1", "NEW2"])
    assert {"code": "NEW1", "pool_id": created["id"]} in emulator.control.incentive_codes()
    status, issued, _ = await api.call(
        "POST", f"{POOLS}/{created['id']}/issuances", json={"code": "NEW2"}
    )
    assert status == 200 and issued["incentive_code"]["code"] == "NEW2"
