"""api_url: credentials never cross plain HTTP, and an empty value is never the US host.

Every command refuses ``http://`` off loopback at once.
A listening socket on every interface of this machine counts connections; the commands are
pointed at it through spellings that reach it without being loopback by their letters (the
machine's name, its own network address), so a single connection attempt would show. And
``http://`` to 127.0.0.1, localhost and [::1] (the emulator) keeps working for each.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from singer_sdk.exceptions import ConfigValidationError

from tap_vibes.tap import TapVibes
from target_vibes.target import TargetVibes
from tests.reliability.support import TAP, TARGET, run_process, singer_lines, write_json
from tests.tap.harness import run_tap
from tests.target.support import Api, run_target, target_config
from vibes_api.settings import EU_API_URL, US_API_URL
from vibes_callbacks.cli import main as callbacks_main
from vibes_emulator.testing import RunningEmulator

PASSWORD = "pw-never-in-clear-7f3a"
REFUSAL = "setting 'api_url' must use https"
RECEIVER = "https://receiver.example.com/callbacks"


class ConnectionCounter:
    """A TCP listener on every interface that accepts and counts connections."""

    def __init__(self) -> None:
        if socket.has_dualstack_ipv6():
            self.server = socket.create_server(("", 0), family=socket.AF_INET6, dualstack_ipv6=True)
        else:
            self.server = socket.create_server(("", 0))
        self.port = self.server.getsockname()[1]
        self.count = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.count += 1
            connection.close()

    def reaches(self, host: str) -> bool:
        """Whether a connection to ``host`` arrives here (counted, then forgotten)."""
        before = self.count
        try:
            with socket.create_connection((host, self.port), timeout=2):
                pass
        except OSError:
            return False
        for _ in range(100):
            if self.count > before:
                self.count = before
                return True
            time.sleep(0.02)
        return False

    def close(self) -> None:
        self.server.close()


def own_address() -> str | None:
    """This machine's address on its default route (a UDP 'connect' sends nothing)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            address: str = probe.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


@pytest.fixture(scope="module")
def listener() -> Iterator[ConnectionCounter]:
    counter = ConnectionCounter()
    yield counter
    counter.close()


@pytest.fixture(scope="module")
def refused_urls(listener: ConnectionCounter) -> list[str]:
    """http:// URLs off loopback by spelling; all but example.com reach ``listener``."""
    hosts = [socket.gethostname(), own_address()]
    reaching = [host for host in dict.fromkeys(hosts) if host and listener.reaches(host)]
    if not reaching:
        pytest.skip("no non-loopback spelling of this machine reaches a local listener")
    return ["http://example.com", *(f"http://{host}:{listener.port}" for host in reaching)]


def config_for(url: str) -> dict[str, Any]:
    return {"api_url": url, "company_key": "demo", "username": "demo", "password": PASSWORD}


PERSON = {"external_person_id": "plain-http-1", "mdn": "+12995550101"}


def target_input() -> str:
    return singer_lines(
        [
            {
                "type": "SCHEMA",
                "stream": "persons",
                "schema": {"properties": {}},
                "key_properties": [],
            },
            {"type": "RECORD", "stream": "persons", "record": PERSON},
            {"type": "STATE", "value": {"done": True}},
        ]
    )


COMMANDS = {
    "tap discover": ([TAP, "--discover"], None),
    "tap sync": ([TAP], None),
    "target": ([TARGET], target_input()),
    "vibes-callbacks register": (
        [sys.executable, "-m", "vibes_callbacks", "register", "--url", RECEIVER],
        None,
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(COMMANDS))
def test_plain_http_off_loopback_is_refused_before_any_connection(
    name: str, listener: ConnectionCounter, refused_urls: list[str], tmp_path: Path
) -> None:
    command, stdin = COMMANDS[name]
    for url in refused_urls:
        config = write_json(tmp_path / "config.json", config_for(url))
        run = run_process([*command, "--config", str(config)], stdin_text=stdin, singer=False)
        output = run.stdout + run.stderr
        assert run.returncode != 0, (url, output[-2000:])
        assert REFUSAL in output, (url, output[-2000:])
        assert PASSWORD not in output
    assert listener.count == 0, f"{name} connected to {refused_urls}"


@pytest.fixture(
    scope="module", params=["127.0.0.1", "localhost", "[::1]"], ids=["ipv4", "localhost", "ipv6"]
)
def loopback(request: pytest.FixtureRequest) -> Iterator[tuple[RunningEmulator, str]]:
    """The emulator, and its URL spelled with the loopback host under test."""
    host = "::1" if request.param == "[::1]" else "127.0.0.1"
    if host == "::1" and not socket.has_ipv6:
        pytest.skip("no IPv6 loopback")
    with RunningEmulator(host=host, seed=3) as vibes:
        port = vibes.url.rsplit(":", 1)[1]
        yield vibes, f"http://{request.param}:{port}"


def test_the_tap_reads_over_loopback_http(loopback: tuple[RunningEmulator, str]) -> None:
    vibes, url = loopback
    run = run_tap({**vibes.config(), "api_url": url}, streams=("subscription_lists",))
    assert run.records["subscription_lists"]


def test_the_target_writes_over_loopback_http(
    loopback: tuple[RunningEmulator, str], tmp_path: Path
) -> None:
    vibes, url = loopback
    config = target_config(vibes, tmp_path, api_url=url)
    run = run_target(config, [json.loads(line) for line in target_input().splitlines()])
    assert run.failure is None and run.dead_letters == []
    assert Api(vibes).person_by_external(PERSON["external_person_id"]) is not None


def test_register_works_over_loopback_http(
    loopback: tuple[RunningEmulator, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vibes, url = loopback
    config = write_json(tmp_path / "tap.json", {**vibes.config(), "api_url": url})
    argv = ["register", "--config", str(config), "--url", RECEIVER, "--types", "person_added"]
    assert callbacks_main(argv) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.splitlines()[-1].endswith("1 created")


def settings_of(plugin: type[TapVibes] | type[TargetVibes], config: dict[str, Any]) -> str:
    if plugin is TapVibes:
        return TapVibes(config=config).session.settings.api_url
    return TargetVibes(config=config).settings.api_url


@pytest.mark.parametrize("plugin", [TapVibes, TargetVibes], ids=["tap", "target"])
def test_the_sdks_defaults_neither_hide_region_nor_fill_in_an_empty_api_url(
    plugin: type[TapVibes] | type[TargetVibes],
) -> None:
    base = {"company_key": "demo", "username": "demo", "password": PASSWORD}
    assert settings_of(plugin, base) == US_API_URL
    assert settings_of(plugin, {**base, "region": "eu"}) == EU_API_URL
    assert settings_of(plugin, {**base, "region": "eu", "api_url": "https://x.test"}) == (
        "https://x.test"
    )
    for empty in ("", " ", "/"):
        with pytest.raises(ConfigValidationError) as info:
            plugin(config={**base, "api_url": empty})
        assert "setting 'api_url' is empty" in str(info.value)
