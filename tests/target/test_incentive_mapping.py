"""Pure mapping of incentive issuance and redemption records (no HTTP)."""

from __future__ import annotations

import pytest

from target_vibes.mapping.common import AlreadyInVibes, MappingError
from target_vibes.mapping.incentives import issuance_write, redemption_write


def test_an_issuance_takes_its_pool_from_the_record_or_the_route() -> None:
    write = issuance_write(
        {"incentive_pool_id": 301, "external_person_id": "crm-1", "campaign": "x"}
    )
    assert (write.pool_id, write.code, write.body) == ("301", None, {"external_issuee_id": "crm-1"})
    assert write.ignored == ("campaign",)
    routed = issuance_write({"external_issuee_id": "e", "code": "AB12"}, pool_id="305")
    assert routed.pool_id == "305" and routed.body == {"external_issuee_id": "e", "code": "AB12"}
    nested = issuance_write({"incentive_pool": {"id": 302}, "external_issuee_id": "e"}, pool_id="9")
    assert nested.pool_id == "302"  # the record's own pool wins over the route's


def test_tap_output_is_already_in_vibes_and_bad_rows_say_what_is_missing() -> None:
    tap_record = {"id": 700001, "code": "AB12", "incentive_pool_id": 301, "external_issuee_id": "e"}
    with pytest.raises(AlreadyInVibes, match="issuance 700001"):
        issuance_write(tap_record)
    with pytest.raises(AlreadyInVibes, match="redemption 700001"):
        redemption_write(tap_record)
    with pytest.raises(MappingError, match="names no pool"):
        issuance_write({"external_issuee_id": "e"})
    with pytest.raises(MappingError, match="names no issuee"):
        issuance_write({"incentive_pool_id": 1})
    with pytest.raises(MappingError, match="names no incentive code"):
        redemption_write({"external_issuee_id": "e"})
    with pytest.raises(MappingError, match="code must be text"):
        redemption_write({"code": ["A"]})


def test_a_redemption_names_its_code_and_issuee_as_tap_vibes_or_vibes_spell_them() -> None:
    assert redemption_write({"incentive_code": {"code": "AB12"}}).code == "AB12"
    by_vibes_id = redemption_write({"code": "AB12", "issuee_id": "u-1"})
    assert by_vibes_id.body == {"issuee_id": "u-1"} and by_vibes_id.issuee == "u-1"
    both = redemption_write({"code": "AB12", "issuee_id": "u-1", "external_issuee_id": "e"})
    assert both.body == {"external_issuee_id": "e"}
