"""Secrets stay secret, TLS stays verified, and the callback receiver never calls out.

tests/api/test_client.py checks the client's errors, reprs and logs, and
tests/api/test_tls.py the client's TLS; here the whole commands are run and every byte
they leave behind is searched. The receiver's secret path, body size limit, JSON-only
rule and allow-list are covered in tests/callbacks/test_receiver.py
(test_with_a_secret_only_the_secret_path_accepts_and_logs_hide_it,
test_oversize_bodies_get_413, test_what_is_not_an_event_is_refused_and_not_stored,
test_the_allow_list_refuses_other_sources); what is left is that no payload can make it
call out.
"""

from __future__ import annotations

import ast
import asyncio
import base64
import http.server
import json
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer

from target_vibes.failures import RunStopped
from tests.certificates import HAS_OPENSSL, self_signed_certificate, server_context
from tests.reliability.support import (
    REPLAY,
    TAP,
    TARGET,
    run_process,
    singer_lines,
    tap_command,
    write_json,
)
from tests.tap.harness import run_tap, write_ids_file
from tests.target.support import run_target
from vibes_api.errors import VibesTransportError
from vibes_callbacks.journal import Journal
from vibes_callbacks.receiver import ReceiverOptions, create_app
from vibes_emulator.testing import RunningEmulator

PASSWORD = "pw-S3cr3t-9f8e7d"
TOKEN = base64.b64encode(f"demo:{PASSWORD}".encode()).decode()


def _target_input(rows: list[dict[str, Any]]) -> str:
    schema = {"type": "SCHEMA", "stream": "persons", "schema": {"properties": {}}}
    return singer_lines(
        [
            {**schema, "key_properties": []},
            *({"type": "RECORD", "stream": "persons", "record": row} for row in rows),
            {"type": "STATE", "value": {"done": True}},
        ]
    )


@pytest.mark.slow
def test_no_output_of_any_run_shows_the_password(tmp_path: Path) -> None:
    outputs: dict[str, str] = {}
    debug = {**os.environ, "LOGLEVEL": "DEBUG"}  # retries are logged at DEBUG

    def keep(name: str, command: list[str], stdin: str | None = None) -> int:
        singer = "--about" not in command and "--discover" not in command
        run = run_process(command, stdin_text=stdin, env=debug, singer=singer)
        outputs[f"{name} stdout"] = run.stdout
        outputs[f"{name} stderr"] = run.stderr
        return run.returncode

    with RunningEmulator(password=PASSWORD, seed=20, rate_limit=0) as vibes:
        ids = write_ids_file(tmp_path / "ids.csv", vibes.control.persons()[:10], unknown=1)
        tap_config = write_json(
            tmp_path / "tap.json",
            {**vibes.config(), "person_ids_file": str(ids), "max_retries": 1},
        )
        letters = tmp_path / "dead_letters.jsonl"
        target_settings = {
            **vibes.config(),
            "dead_letter_path": str(letters),
            "max_retries": 1,
            "backoff_base_seconds": 0.01,
        }
        target_config = write_json(tmp_path / "target.json", target_settings)
        dry_config = write_json(tmp_path / "dry.json", {**target_settings, "dry_run": True})
        rows: list[dict[str, Any]] = [
            {"external_person_id": f"s{i}", "mdn": f"+1299555{i:04d}"} for i in range(5)
        ]
        rows += [{"external_person_id": "bad", "mdn": "12"}, {"external_person_id": "x", "y": 1}]

        for fmt in ("--format=json", "--format=markdown", "--about"):
            assert keep(f"tap about {fmt}", [TAP, "--about", fmt]) == 0
            assert keep(f"target about {fmt}", [TARGET, "--about", fmt]) == 0
        assert keep("tap about with config", [TAP, "--about", "--config", str(tap_config)]) == 0
        assert keep("tap discover", [TAP, "--config", str(tap_config), "--discover"]) == 0
        assert keep("tap run", tap_command(tap_config)) == 0
        assert keep("target run", target_command(target_config), _target_input(rows)) != 0
        assert keep("target dry run", target_command(dry_config), _target_input(rows)) != 0
        # The same records are rejected again: a failing replay, which must not tell either.
        assert keep("replay", [REPLAY, "--config", str(target_config), str(letters)]) != 0

        # Failing runs: Vibes answering 5xx, then dropping connections, until retries run out.
        for kind in ("server_error", "drop"):
            vibes.control.set_faults(fault_rate=1.0, fault_kinds=[kind])
            assert keep(f"tap {kind}", tap_command(tap_config)) != 0
            assert keep(f"target {kind}", target_command(target_config), _target_input(rows)) != 0
        vibes.control.set_faults(fault_rate=0.0)

    files = {path.name: path.read_text() for path in tmp_path.glob("dead_letters.jsonl*")}
    assert files, "the runs left no dead letters to search"
    outputs.update(files)
    assert any("METRIC" in text for text in outputs.values())  # the SDK's metric lines too
    assert any("retrying" in text for text in outputs.values())  # and the DEBUG retry lines
    for name, text in outputs.items():
        assert PASSWORD not in text, name
        assert TOKEN not in text, name


def target_command(config: Path) -> list[str]:
    return [TARGET, "--config", str(config)]


SETTING_THAT_COULD_TURN_TLS_OFF = re.compile(r"verify|insecure|ssl|tls|cert", re.IGNORECASE)


@pytest.mark.parametrize("command", [TAP, TARGET], ids=["tap", "target"])
def test_no_setting_turns_tls_verification_off(command: str) -> None:
    about = json.loads(run_process([command, "--about", "--format=json"], singer=False).stdout)
    settings = about["settings"]["properties"]
    assert "ca_bundle" in settings
    assert "always" in settings["ca_bundle"]["description"]
    suspicious = [name for name in settings if SETTING_THAT_COULD_TURN_TLS_OFF.search(name)]
    assert suspicious == []


def test_a_callback_payload_never_makes_the_receiver_call_out(tmp_path: Path) -> None:
    asyncio.run(_payloads_with_urls(tmp_path))


async def _payloads_with_urls(tmp_path: Path) -> None:
    connections: list[object] = []

    async def count(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer.get_extra_info("peername"))
        writer.close()

    bait = await asyncio.start_server(count, "127.0.0.1", 0)
    port = bait.sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}/x"
    payloads = [
        {"event_id": "u1", "callback_type": "person_updated", "url": url, "callback_url": url},
        {"event_id": "u2", "callback_type": "wallet_item", "wallet_item": {"url": url}},
        {"event_id": "u3", "callback_type": "x", "links": [{"href": url}], "redirect": url},
        {"event_id": "u4", "callback_type": "x", "person": {"url": url, "$ref": url}},
    ]
    server = TestServer(create_app(ReceiverOptions(tmp_path / "j.db")))
    try:
        async with TestClient(server) as client:
            for payload in payloads:
                response = await client.post(
                    "/callbacks",
                    data=orjson.dumps(payload),
                    headers={"Content-Type": "application/json", "Referer": url, "Link": url},
                )
                assert response.status == 200
            await asyncio.sleep(0.2)  # room for any call out to arrive (none may)
    finally:
        bait.close()
        await bait.wait_closed()
    assert connections == []
    with Journal.open_existing(tmp_path / "j.db") as journal:
        assert [entry.event_id for entry in journal.read()] == ["u1", "u2", "u3", "u4"]


OUTBOUND = {"ClientSession", "urlopen", "open_connection", "create_connection", "request"}


def test_the_receiver_has_no_code_that_could_call_out() -> None:
    # The modules a request passes through; register.py (which calls Vibes to register the
    # callback, on the operator's command) is not among them.
    package = Path(__file__).resolve().parents[2] / "vibes_callbacks"
    for name in ("receiver.py", "events.py", "journal.py", "committer.py"):
        tree = ast.parse((package / name).read_text())
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)} | {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        assert not modules & {"socket", "urllib.request", "http.client", "requests", "httpx"}, name
        called = {
            node.func.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        }
        assert not (imported | called) & OUTBOUND, name


class _VibesShaped(http.server.BaseHTTPRequestHandler):
    """Answers the two calls the TLS tests make, like Vibes would."""

    def _answer(self, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._answer([{"id": "1", "name": "Deals", "created_at": "2024-01-01T00:00:00Z"}])

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._answer({"person_key": "p1", "external_person_id": "tls", "mobile_phone": None})

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def https_vibes(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A Vibes-shaped HTTPS server with a self-signed certificate, and that certificate."""
    if not HAS_OPENSSL:
        pytest.skip("needs openssl")
    cert, key = self_signed_certificate(tmp_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _VibesShaped)
    context = server_context(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", cert
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


# Settings other tools use to turn verification off: unknown here, so they change nothing.
TLS_OFF = {"verify_ssl": False, "ssl_verify": False, "insecure": True, "verify": False}


def test_tap_and_target_verify_tls_whatever_else_the_config_says(
    https_vibes: tuple[str, Path], tmp_path: Path
) -> None:
    url, cert = https_vibes
    base: dict[str, Any] = {
        "api_url": url,
        "company_key": "demo",
        "username": "demo",
        "password": PASSWORD,
    }
    base |= {"max_retries": 2, "backoff_base_seconds": 0.01, **TLS_OFF}

    with pytest.raises(VibesTransportError, match="ca_bundle") as refused:
        run_tap(base, streams=("subscription_lists",))
    assert refused.value.kind == "tls" and refused.value.attempts == 1  # no retry either
    trusted = run_tap({**base, "ca_bundle": str(cert)}, streams=("subscription_lists",))
    assert [r["name"] for r in trusted.records["subscription_lists"]] == ["Deals"]

    rows = [{"type": "RECORD", "stream": "persons", "record": {"external_person_id": "tls"}}]
    schema = {"type": "SCHEMA", "stream": "persons", "schema": {"properties": {}}}
    messages = [{**schema, "key_properties": []}, *rows]
    config = {**base, "dead_letter_path": str(tmp_path / "dl.jsonl")}
    refused_run = run_target(config, messages)
    assert isinstance(refused_run.failure, RunStopped)
    assert "ca_bundle" in str(refused_run.failure)
    assert refused_run.dead_letters == []  # a TLS failure is not the record's fault
    accepted = run_target({**config, "ca_bundle": str(cert)}, messages)
    assert accepted.failure is None, accepted.failure
    assert accepted.target.context.outcomes.tallies()[0].outcomes["written"] == 1
