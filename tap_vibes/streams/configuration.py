"""The company's configuration: its source codes and callback registrations (FACTS §2.10,
§2.12). Both lists are short and read whole."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tap_vibes.streams.base import VibesStream

if TYPE_CHECKING:
    from singer_sdk.helpers import types


class SourceCodesStream(VibesStream):
    name = "source_codes"
    path = "/sourcecodes"
    primary_keys = ("sourcecode", "country_code")
    replication_key = None


class CallbacksStream(VibesStream):
    """Registrations carry their type-specific object under the type's own name
    (``subscription_added: {list_id}``); records carry it as ``selector``. The spec names
    the timestamps ``created_date``/``updated_date``, Vibes' pages ``created_at``/``updated_at``
    (FACTS §8.2): either fills ``created_at``/``updated_at``."""

    name = "callbacks"
    path = "/config/callbacks/"
    primary_keys = ("callback_id",)
    replication_key = "updated_at"

    def shape_record(self, record: dict[str, Any], context: types.Context | None) -> dict[str, Any]:
        return callback_record(record)


def callback_record(registration: dict[str, Any]) -> dict[str, Any]:
    """One registration as the stream emits it (pure)."""
    kind = registration.get("callback_type") or registration.get("event_type")
    record = {k: v for k, v in registration.items() if k != kind and k != "event_type"}
    record["callback_type"] = kind
    selector = registration.get(kind) if isinstance(kind, str) else None
    record["selector"] = selector if isinstance(selector, dict) else None
    for name in ("created", "updated"):
        dated = record.pop(f"{name}_date", None)
        if record.get(f"{name}_at") is None:
            record[f"{name}_at"] = dated
    return record
