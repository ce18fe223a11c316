"""Every route of the table answers from its handler, with and without a trailing slash."""

from __future__ import annotations

import re

import aiohttp

from tests.emulator.vibes_http import Api, error_messages, unthrottled
from vibes_emulator.routes import ROUTES
from vibes_emulator.testing import RunningEmulator

ROUTER_MESSAGES = {"Not Found", "Method Not Allowed"}


def _concrete(path: str) -> str:
    path = path.replace("{company_key}", "demo", 1).removeprefix("/companies/demo")
    return re.sub(r"\{[a-z_]+\}", "x1", path)


async def test_every_route_reaches_its_handler_in_both_slash_forms(
    emulator: RunningEmulator,
) -> None:
    async with aiohttp.ClientSession() as session:
        api = Api(session, unthrottled(emulator))
        for method, template, _ in ROUTES:
            path = _concrete(template)
            answers = []
            for form in (path, path + "/"):
                body = {} if method in ("POST", "PUT") else None
                status, payload, _ = await api.call(method, form, json=body)
                if status >= 400:
                    # The handler's own error, never the router's "no such route".
                    assert not set(error_messages(payload)) & ROUTER_MESSAGES, (method, form)
                answers.append(status)
            # Same answer both ways (a first PUT by external id creates: 201, then 200).
            assert answers[0] == answers[1] or set(answers) == {200, 201}, (method, path, answers)
