"""Typed keys of the emulator's aiohttp application (re-exported by ``vibes_emulator.app``)."""

from __future__ import annotations

from aiohttp import web

from vibes_emulator.faults import FaultSettings
from vibes_emulator.options import EmulatorOptions
from vibes_emulator.stats import Stats
from vibes_emulator.store import Store

STORE_KEY: web.AppKey[Store] = web.AppKey("vibes_store", Store)
OPTIONS_KEY: web.AppKey[EmulatorOptions] = web.AppKey("vibes_options", EmulatorOptions)
FAULTS_KEY: web.AppKey[FaultSettings] = web.AppKey("vibes_faults", FaultSettings)
STATS_KEY: web.AppKey[Stats] = web.AppKey("vibes_stats", Stats)
# company_key -> the exact Authorization header that opens it, precomputed so the
# per-request check is one dict lookup and one string comparison.
AUTH_KEY: web.AppKey[dict[str, str]] = web.AppKey("vibes_auth")

# The API version of a Vibes request (1 when X-API-Version is absent).
API_VERSION_KEY: web.RequestKey[int] = web.RequestKey("api_version", int)
# Which fault, if any, the platform injected into this request.
FAULT_KEY: web.RequestKey[str] = web.RequestKey("emulator_fault", str)
# The request's JSON body, parsed and checked against its operation's schema.
BODY_KEY: web.RequestKey[object] = web.RequestKey("vibes_request_body")
# The company a /mobile_apps request's credentials log into (those paths name no company).
APP_COMPANY_KEY: web.RequestKey[str] = web.RequestKey("vibes_app_company", str)
