"""The emulator's aiohttp application factory."""

from __future__ import annotations

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractResource

from vibes_emulator.app_keys import (
    API_VERSION_KEY,
    AUTH_KEY,
    FAULTS_KEY,
    OPTIONS_KEY,
    STATS_KEY,
    STORE_KEY,
)
from vibes_emulator.auth import auth_table
from vibes_emulator.callbacks.control import install_callbacks
from vibes_emulator.control import add_control_routes
from vibes_emulator.faults import FaultSettings
from vibes_emulator.files.control import install_files
from vibes_emulator.middleware import platform_middleware
from vibes_emulator.options import EmulatorOptions
from vibes_emulator.routes import add_vibes_routes
from vibes_emulator.routing import ShapeIndexedResource
from vibes_emulator.stats import Stats
from vibes_emulator.store import Store

__all__ = [
    "API_VERSION_KEY",
    "AUTH_KEY",
    "FAULTS_KEY",
    "OPTIONS_KEY",
    "STATS_KEY",
    "STORE_KEY",
    "create_app",
    "open_store",
]


def open_store(options: EmulatorOptions) -> Store:
    """Open the store for ``options``: every company, and the seed data if asked."""
    store = Store.open(
        options.db_path,
        company=options.company,
        username=options.username,
        password=options.password,
    )
    for extra in options.extra_companies:
        store.add_company(extra.company_key, extra.username, extra.password)
    if options.seed_persons:
        store.seed(persons=options.seed_persons, seed=options.seed_value)
    return store


def add_indexed_vibes_routes(app: web.Application) -> None:
    """Register the Vibes routes behind one shape-indexed resource (see ``routing``)."""
    staging = web.Application()
    add_vibes_routes(staging)
    by_prefix: dict[str, list[AbstractResource]] = {}
    for resource in staging.router.resources():
        prefix = "/" + resource.canonical.split("/")[1]
        by_prefix.setdefault(prefix, []).append(resource)
    for prefix, resources in by_prefix.items():
        app.router.register_resource(ShapeIndexedResource(prefix, resources))


def create_app(options: EmulatorOptions | None = None) -> web.Application:
    """Build the emulator: Vibes routes, platform middleware and the control plane."""
    options = options or EmulatorOptions()
    app = web.Application(middlewares=[platform_middleware])
    app[OPTIONS_KEY] = options
    app[STORE_KEY] = open_store(options)
    app[FAULTS_KEY] = FaultSettings.from_options(options)
    app[STATS_KEY] = Stats()
    app[AUTH_KEY] = auth_table(options.companies())
    add_indexed_vibes_routes(app)
    add_control_routes(app)
    install_callbacks(app)
    install_files(app)

    async def close_store(app: web.Application) -> None:
        app[STORE_KEY].close()

    app.on_cleanup.append(close_store)
    return app
