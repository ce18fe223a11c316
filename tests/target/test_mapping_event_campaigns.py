"""Pure mapping of event-triggered campaigns and device assignments (no network)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from target_vibes.mapping import MappingError
from target_vibes.mapping.event_campaigns import (
    campaign_changes,
    device_assignment,
    event_campaign_write,
)

SMS = {"sourcecode": "27245", "country_code": "US", "sourcecode_type": "SC"}


def _tap_campaign(**overrides: Any) -> dict[str, Any]:
    """A campaign as tap-vibes emits it (the emulator's answer shape)."""
    record: dict[str, Any] = {
        "event_triggered_message_id": 501,
        "name": "Order shipped",
        "status": "in_progress",
        "event_type": "order_shipped",
        "start_date": "2025-02-06",
        "end_date": None,
        "created_by": "demo",
        "created_by_application": "api",
        "targeting": {
            "message_template": "Shipped!",
            "short_url_base": None,
            "shorten_urls": False,
            "channel": "sms",
            "message_format": "SMS",
            "filters": [],
            "sms": SMS,
        },
        "url": "/companies/demo/mobiledb/event_triggered_messages/501",
        "created_at": "2025-01-10T00:00:00Z",
        "updated_at": "2025-01-12T00:00:00Z",
    }
    return record | overrides


def test_tap_output_maps_to_a_request_equal_to_what_vibes_holds() -> None:
    record = _tap_campaign()
    write = event_campaign_write(record)
    assert write.campaign_id == "501" and not write.canceled and write.ignored == ()
    assert set(write.body) == {"name", "event_type", "start_date", "targeting"}
    assert "message_format" not in write.body["targeting"]
    assert "short_url_base" not in write.body["targeting"]  # null means "not given"
    assert campaign_changes(write.body, record) == []
    edited = event_campaign_write(_tap_campaign(name="Order shipped v2"))
    assert campaign_changes(edited.body, record) == ["name"]


def test_flat_columns_and_datetimes_become_a_campaign() -> None:
    row = {
        "name": "New",
        "event_type": "cart_abandoned",
        "start_date": dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC),
        "end_date": dt.date(2026, 4, 1),
        "targeting__message_template": "Come back",
        "targeting__channel": "sms",
        "targeting__sms": SMS,
        "crm_segment": "x",
    }
    write = event_campaign_write(row)
    assert write.campaign_id is None
    assert (write.body["start_date"], write.body["end_date"]) == ("2026-03-01", "2026-04-01")
    assert write.body["targeting"]["message_template"] == "Come back"
    assert write.ignored == ("crm_segment",)


@pytest.mark.parametrize(
    ("record", "words"),
    [
        ({"name": "x", "event_type": "e", "start_date": "2026-01-01"}, "no targeting"),
        (
            {"event_type": "e", "start_date": "2026-01-01", "targeting": {"x": 1}},
            "name, targeting.message_template",
        ),
        (
            {"name": "x", "event_type": "e", "start_date": "soon", "targeting": {}},
            "not a date",
        ),
        (
            {"name": "x", "status": "canceled", "start_date": "2026-01-01", "targeting": {}},
            "canceled campaign is not created",
        ),
        ({"name": "x", "start_date": 5, "targeting": {}}, "must be a date"),
    ],
)
def test_campaign_refusals_say_what_is_wrong(record: dict[str, Any], words: str) -> None:
    with pytest.raises(MappingError) as refused:
        event_campaign_write(record)
    assert words in str(refused.value)


def test_device_assignment_from_tap_output_or_a_url() -> None:
    tap = {"app_id": "app", "vibes_device_id": "d1", "person_key": "PK", "OS": "iOS"}
    assert device_assignment(tap) == device_assignment({**tap, "external_person_id": "e"})
    assert device_assignment(tap).kind == "person_key"
    by_url = device_assignment(
        {"url": "/mobile_apps/app2/devices/d2", "vibes_device_id": "d2", "external_person_id": 7}
    )
    assert (by_url.app_id, by_url.kind, by_url.value) == ("app2", "external_person_id", "7")
    for bad, words in (
        ({"vibes_device_id": "d", "person_key": "p"}, "app_id and vibes_device_id"),
        ({"app_id": "a", "vibes_device_id": "d"}, "names no person"),
        ({"app_id": "a", "vibes_device_id": ["d"], "person_key": "p"}, "must be text"),
    ):
        with pytest.raises(MappingError) as refused:
            device_assignment(bad)
        assert words in str(refused.value)
