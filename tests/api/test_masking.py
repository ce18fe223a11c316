"""vibes_api.masking: phone numbers and emails in log text, and the client's errors and logs."""

from __future__ import annotations

import logging

import pytest

from vibes_api import VibesClient, VibesSettings
from vibes_api.errors import VibesResponseError, VibesTransportError, error_for_status
from vibes_api.masking import mask_email, mask_logger, mask_mdn, mask_text
from vibes_emulator.testing import RunningEmulator


@pytest.mark.parametrize(
    ("mdn", "masked"),
    [
        ("+13125557777", "+1312***7777"),
        ("+1 (312) 555-7777", "+1312***7777"),
        ("+447700900123", "+44770***0123"),  # two-digit country code
        ("+353871234567", "+35387***4567"),  # three digits: still 3 hidden
        ("3125557777", "312***7777"),
        ("(312) 555-7777", "312***7777"),
        ("312555777", "31***5777"),  # a mistyped number is still someone's
        ("+131255577771234567", "+1312***4567"),
        ("5557777", "***7777"),
        ("%2B13125557777", "+1312***7777"),  # as a request path spells it
        ("12", "12"),  # not a phone number: nothing to hide, and it says what was wrong
        ("call me", "call me"),
        # Other scripts' digits are digits too (Arabic-Indic +12995550101).
        (
            "+\u0661\u0662\u0669\u0669\u0665\u0665\u0665\u0660\u0661\u0660\u0661",
            "+\u0661\u0662\u0669\u0669***\u0660\u0661\u0660\u0661",
        ),
    ],
)
def test_mask_mdn(mdn: str, masked: str) -> None:
    assert mask_mdn(mdn) == masked


def test_mask_email() -> None:
    assert mask_email("jane.roe@example.com") == "j***@example.com"
    assert mask_email("jane.roe%40example.com") == "j***@example.com"
    assert mask_email("@example.com") == "***"


def test_mask_text_finds_numbers_and_emails_but_leaves_the_rest() -> None:
    text = (
        "MDN +13125557777 (also 312-555-7777 and 13125557777.) belongs to jane.roe@example.com; "
        "path /persons/external/%2B13125557777 and /external/jane.roe%40example.com, "
        "GET /persons/external/3125557777 -> 404"
    )
    assert mask_text(text) == (
        "MDN +1312***7777 (also 312***7777 and 131***7777.) belongs to j***@example.com; "
        "path /persons/external/+1312***7777 and /external/j***@example.com, "
        "GET /persons/external/312***7777 -> 404"
    )
    untouched = (
        "2026-12-03T10:12:43.123456+00:00 line 42 of 1234567 ids, 429 after 8 attempts, "
        "person 3f2a1b4c9d12345678e, event sha256:0123456789abcdef, 12.5%, +00:00, v2, "
        "replay /data/1733222400/dead_letters-1733222400123.jsonl or C:\\runs\\1733222400\\x"
    )
    assert mask_text(untouched) == untouched


def test_error_text_masks_what_vibes_quotes_and_attributes_keep_it() -> None:
    body = b'{"errors": [{"message": "MDN +13125557777 is taken by jane.roe@example.com"}]}'
    error = error_for_status(409, "PUT", "/companies/demo/mobiledb/persons/external/x", body)
    assert "+13125557777" not in str(error) and "jane.roe@" not in str(error)
    assert "+1312***7777" in str(error) and "j***@example.com" in str(error)
    assert "+13125557777" not in repr(error)
    assert error.messages == ["MDN +13125557777 is taken by jane.roe@example.com"]
    by_id = error_for_status(
        404, "GET", "/companies/demo/mobiledb/persons/external/%2B13125557777", b""
    )
    assert str(by_id).startswith("GET /companies/demo/mobiledb/persons/external/+1312***7777 ->")
    assert by_id.path.endswith("%2B13125557777")
    transport = VibesTransportError("protocol", "GET", "/p", "url='http://h/p?mdn=%2B13125557777'")
    assert "13125557777" not in str(transport)
    shape = VibesResponseError("GET", "/p", "expected a list, got 'jane.roe@example.com'")
    assert "jane.roe@" not in str(shape)


async def test_the_clients_retry_lines_mask_an_id_in_the_path(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with RunningEmulator(rate_limit=0) as vibes:
        vibes.control.set_faults(fault_rate=1.0, fault_kinds=["server_error"])
        settings = VibesSettings.from_config(
            {**vibes.config(), "max_retries": 2, "backoff_base_seconds": 0.001}
        )
        caplog.set_level(logging.DEBUG, logger="vibes_api")
        async with VibesClient(settings) as client:
            with pytest.raises(Exception) as info:
                await client.get("/mobiledb/persons/external/jane.roe@example.com")
    lines = [record.getMessage() for record in caplog.records]
    assert sum("retrying GET" in line for line in lines) == 2, lines
    assert all("jane.roe" not in line for line in lines)
    assert any("/external/j***@example.com" in line for line in lines)
    assert "jane.roe" not in str(info.value)


def test_a_masked_logger_masks_every_line_it_emits(caplog: pytest.LogCaptureFixture) -> None:
    logger = mask_logger(logging.getLogger("tests.masking.example"))
    mask_logger(logger)  # once is enough; twice changes nothing
    assert len(logger.filters) == 1
    with caplog.at_level(logging.DEBUG, logger="tests.masking.example"):
        logger.debug("Processed record: %s", {"records": [{"mdn": "+13125557777"}]})
        logger.warning("plain %d", 3)
    assert [r.getMessage() for r in caplog.records] == [
        "Processed record: {'records': [{'mdn': '+1312***7777'}]}",
        "plain 3",
    ]
