"""Subscription lists, subscriptions, acquisition campaigns and participants over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.emulator.vibes_http import Api, error_messages, unthrottled
from vibes_emulator.store.seed import BLOCKED_MDN
from vibes_emulator.testing import RunningEmulator

LISTS = "/mobiledb/subscription_lists"
ACQ = "/campaigns/acquisition"


@pytest.fixture
async def api(emulator: RunningEmulator) -> AsyncIterator[Api]:
    """tests/emulator/conftest.py's ``api``, after seeding 200 persons (seed 3)."""
    emulator.control.seed(200, seed=3)
    async with aiohttp.ClientSession() as session:
        yield Api(session, unthrottled(emulator))


async def _campaigns_by_outcome(api: Api) -> dict[str, dict[str, Any]]:
    """One active campaign per participant outcome (PENDING / SUBSCRIBED), found by trying."""
    _, campaigns, _ = await api.get(ACQ)
    found: dict[str, dict[str, Any]] = {}
    for number, campaign in enumerate(campaigns):
        body = {"mobile_phone": {"mdn": f"+1312555{7000 + number:04d}"}}
        status, added, _ = await api.call(
            "POST", f"{ACQ}/{campaign['acquisition_id']}/participants", json=body
        )
        assert status == 201
        found.setdefault(added["status"], campaign)
    assert set(found) == {"PENDING", "SUBSCRIBED"}
    return found


async def test_lists_are_bare_arrays_in_both_slash_forms(seeded: Api) -> None:
    for path in (LISTS, LISTS + "/"):
        status, lists, _ = await seeded.get(path)
        assert status == 200 and isinstance(lists, list) and len(lists) == 6
    one = lists[0]
    assert set(one) == {"id", "name", "url", "subscribers_url", "acquisition_campaigns_url"}
    assert (await seeded.get(f"{LISTS}/{one['id']}"))[1] == one
    assert (await seeded.get(f"{LISTS}/424242"))[0] == 404
    status, campaigns, _ = await seeded.get(f"{LISTS}/{one['id']}/acquisition_campaigns/")
    assert status == 200 and isinstance(campaigns, list)


async def test_subscriptions_by_person_active_only_and_subscriber_check(
    seeded: Api, seeded_emulator: RunningEmulator
) -> None:
    checked = 0
    for entry in seeded_emulator.control.persons():
        if not entry["mdn"] or not entry["external_person_id"]:
            continue
        key = entry["person_key"]
        _, active, _ = await seeded.get(f"/mobiledb/persons/{key}/subscriptions")
        _, everything, _ = await seeded.get(
            f"/mobiledb/persons/{key}/subscriptions?active_only=false"
        )
        external = await seeded.get(
            f"/mobiledb/persons/external/{entry['external_person_id']}/subscriptions?active_only=false"
        )
        assert external[1] == everything
        assert all(s["opt_out_date"] is None for s in active)
        if len(everything) > len(active) and active:
            list_id = active[0]["subscription_list"]["id"]
            status, person, _ = await seeded.get(
                f"{LISTS}/{list_id}/subscribers?mdn=%2B{entry['mdn'][1:]}"
            )
            assert (status, person["person_key"]) == (200, key)
            status, one, _ = await seeded.get(f"/mobiledb/persons/{key}/subscriptions/{list_id}")
            assert status == 200 and isinstance(one, list)
            opted_out = next(s for s in everything if s["opt_out_date"] is not None)
            assert opted_out["opt_out_reason"]
            checked += 1
        if checked == 3:
            break
    assert checked == 3
    assert (await seeded.get("/mobiledb/persons/nobody/subscriptions"))[0] == 404
    assert (await seeded.get(f"{LISTS}/1201/subscribers?person_key=nobody"))[0] == 404


async def test_unsubscribe_is_204_then_404_and_resubscribe_adds_a_record(api: Api) -> None:
    campaign = (await _campaigns_by_outcome(api))["SUBSCRIBED"]
    body = {"mobile_phone": {"mdn": "+13125550142"}, "external_person_id": "web-42"}
    status, added, _ = await api.call(
        "POST", f"{ACQ}/{campaign['acquisition_id']}/participants/", json=body
    )
    assert (status, added["status"]) == (201, "SUBSCRIBED")
    _, subs, _ = await api.get("/mobiledb/persons/external/web-42/subscriptions")
    list_id = subs[0]["subscription_list"]["id"]
    path = f"/mobiledb/persons/external/web-42/subscriptions/{list_id}"
    assert (await api.call("DELETE", path))[0] == 204
    assert (await api.call("DELETE", path))[0] == 404
    assert (await api.get(path))[0] == 404
    status, _, _ = await api.call(
        "POST", f"{ACQ}/{campaign['acquisition_id']}/participants", json=body
    )
    assert status == 201
    status, body_again, _ = await api.call(
        "POST", f"{ACQ}/{campaign['acquisition_id']}/participants", json=body
    )
    assert status == 409 and error_messages(body_again)
    _, history, _ = await api.get(
        "/mobiledb/persons/external/web-42/subscriptions?active_only=false"
    )
    assert [s["opt_out_reason"] for s in history] == ["api_opt_out", None]


async def test_pending_participants_200_search_and_422_cases(api: Api) -> None:
    campaign = (await _campaigns_by_outcome(api))["PENDING"]
    participants = f"{ACQ}/{campaign['acquisition_id']}/participants"
    body = {"mobile_phone": {"mdn": "+13125550155"}, "custom_fields": {"first_name": "Pat"}}
    status, first, _ = await api.call("POST", participants, json=body)
    assert (status, first["status"]) == (201, "PENDING")
    assert len(first["expire_date"]) == len("2017-01-16T14:30Z")
    assert (await api.call("POST", participants, json=body))[0] == 200
    status, found, _ = await api.get(participants + "?mdn=%2B13125550155")
    assert status == 200 and [f["status"] for f in found] == ["PENDING"]
    assert (await api.get(participants + "?mdn=%2B13125550156"))[1] == []
    assert (await api.get(participants + "?mdn=+13125550155"))[0] == 400
    for bad, message in (
        ({"mobile_phone": {"mdn": BLOCKED_MDN}}, "MDNHASCONFIRMATIONBLOCK"),
        (
            {"mobile_phone": {"mdn": "+13125550157"}, "custom_fields": {"shoe": "9"}},
            "Custom field shoe does not exist",
        ),
    ):
        status, body_out, _ = await api.call("POST", participants, json=bad)
        assert status == 422
        assert message in error_messages(body_out)


async def test_acquisition_list_caps_and_404_when_empty(
    api: Api, emulator: RunningEmulator
) -> None:
    status, campaigns, _ = await api.get(ACQ)
    assert status == 200 and 0 < len(campaigns) <= 50
    assert {c["status"] for c in campaigns} == {"active"}
    one = campaigns[0]
    assert (await api.get(f"{ACQ}/{one['acquisition_id']}/"))[1] == one
    assert one["updated_date"].endswith("Z") and len(one["updated_date"]) == len(
        "2017-01-15T14:30Z"
    )
    emulator.control.reset()
    assert (await api.get(ACQ))[0] == 404
    assert (await api.get(LISTS))[1] == []
