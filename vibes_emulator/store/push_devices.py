"""Push devices (FACTS §2.12): read per person or per app, and assigned to a person.

Devices are registered by Vibes' mobile SDK, never through this API, so only the seed
creates them. Assigning a device to a person fires ``device_added`` for the new owner and,
when it moves, ``device_removed`` for the old one (FACTS §3.4). Devices carry no
timestamps, as in Vibes.
"""

from __future__ import annotations

from typing import Any

from vibes_emulator.errors import ApiError, json_object, not_found

from .persons import Persons
from .state import CompanyState, Core, Record, join_id

DEVICE_FIELDS = (
    "vibes_device_id",
    "OS",
    "os_version",
    "sdk_version",
    "app_version",
    "push_token",
    "hardware_make",
    "hardware_model",
    "advertising_id",
    "locale",
    "location",
    "timezone",
)


def device_url(device: Record) -> str:
    return f"/mobile_apps/{device['app_id']}/devices/{device['vibes_device_id']}"


class PushDevices:
    def __init__(self, core: Core, persons: Persons) -> None:
        self.core = core
        self.persons = persons

    @staticmethod
    def render(device: Record) -> dict[str, Any]:
        out = {name: device.get(name) for name in DEVICE_FIELDS}
        out["url"] = device_url(device)
        return out

    def of_person_record(self, state: CompanyState, person_key: str) -> list[Record]:
        return list(state.tables["push_device"].group("by_person", person_key).values())

    def of_person(
        self, company_key: str, ident: str, *, external: bool, version: int
    ) -> list[dict[str, Any]]:
        state = self.core.company(company_key)
        if external:
            person = self.persons.by_external(state, ident)
        else:
            person = self.persons.by_key_or_id(state, ident)
        person = self.persons.visible_or_404(person, version)
        return [self.render(d) for d in self.of_person_record(state, person["person_key"])]

    def _device(self, state: CompanyState, app_id: str, device_id: str) -> Record:
        device = state.tables["push_device"].get(join_id(app_id, device_id))
        if device is None:
            raise not_found("Push device")
        return device

    def get(self, company_key: str, app_id: str, device_id: str) -> dict[str, Any]:
        state = self.core.company(company_key)
        return self.render(self._device(state, app_id, device_id))

    def by_device_id(self, state: CompanyState, device_id: str) -> Record | None:
        """The device with this id in any of the company's apps (events name no app)."""
        return state.tables["push_device"].find("by_device_id", device_id)

    def assign(
        self, company_key: str, app_id: str, device_id: str, body: Any, version: int
    ) -> dict[str, Any]:
        state = self.core.company(company_key)
        device = self._device(state, app_id, device_id)
        body = json_object(body)
        person_key, external = body.get("person_key"), body.get("external_person_id")
        if (person_key is None) == (external is None):
            raise ApiError(422, "Give exactly one of person_key or external_person_id")
        ident = person_key if person_key is not None else external
        if not isinstance(ident, str) or not ident:
            raise ApiError(422, "person_key or external_person_id must be a non-empty string")
        if person_key is not None:
            person = self.persons.by_key_or_id(state, ident)
        else:
            person = self.persons.by_external(state, ident)
        person = self.persons.visible_or_404(person, version)
        previous = device.get("person_key")
        if previous != person["person_key"]:
            if previous is not None:
                self.core.emit(state, "device_removed", dict(device))
            device["person_key"] = person["person_key"]
            self.core.save(state, "push_device", join_id(app_id, device_id), device)
            self.core.emit(state, "device_added", device)
        return self.render(device)
