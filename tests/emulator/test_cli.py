"""``vibes-emulator serve`` as a real subprocess."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from vibes_emulator.cli import main
from vibes_emulator.testing import URL_PATTERN, ControlClient, EmulatorProcess

DEMO = {"Authorization": aiohttp.encode_basic_auth("demo", "demo"), "X-API-Version": "2"}


def serve(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "vibes_emulator", "serve", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_one_url_line_and_stops_cleanly(signum: signal.Signals) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "vibes_emulator", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = URL_PATTERN.search(line)
    assert match, line
    # It already accepts connections when the line appears.
    assert ControlClient(match.group(1)).stats()["requests"] == 0
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert stdout == ""  # exactly one line in all
    assert "Traceback" not in stderr


def test_bad_flag_exits_2_with_a_clear_message() -> None:
    result = serve("--port", "0", "--fault-rate", "2")
    assert result.returncode == 2
    assert "--fault-rate: must be between 0 and 1" in result.stderr


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--rate-limit", "-5"], "must not be negative"),
        (["--port", "many"], "not a number"),
        (["--latency-ms", "-1"], "must not be negative"),
        (["--company-extra", "only-a-key"], "COMPANY_KEY:USERNAME:PASSWORD"),
        (["--company-extra", "a:b:"], "COMPANY_KEY:USERNAME:PASSWORD"),
    ],
)
def test_bad_flags_are_refused_before_serving(
    args: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--port", "0", *args])
    assert exited.value.code == 2
    assert complaint in capsys.readouterr().err


def test_busy_port_is_a_clear_error() -> None:
    with EmulatorProcess() as running:
        port = running.url.rsplit(":", 1)[1]
        result = serve("--port", port)
    assert result.returncode == 1
    assert "cannot serve on 127.0.0.1:" in result.stderr
    assert "Traceback" not in result.stderr


def test_unusable_db_path_is_a_clear_error(tmp_path: Path) -> None:
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("these are not the tables you are looking for" * 100)
    for path in (str(tmp_path / "missing" / "dir" / "x.db"), str(not_a_db)):
        result = serve("--port", "0", "--db", path)
        assert result.returncode == 1
        assert f"vibes-emulator: cannot open --db {path}" in result.stderr
        assert "Traceback" not in result.stderr


def test_emulator_process_reports_why_it_did_not_start() -> None:
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        EmulatorProcess("--fault-rate", "3").start()


def test_password_never_reaches_the_output() -> None:
    with EmulatorProcess("--password", "hunter2-secret") as running:
        assert running.password == "hunter2-secret"
    assert "hunter2-secret" not in running.stderr_text


async def test_extra_companies_from_the_command_line() -> None:
    with EmulatorProcess("--company-extra", "warehouse:loader:s3cret") as running:
        url = f"{running.url}/companies/warehouse/mobiledb/subscription_lists"
        loader = {"Authorization": aiohttp.encode_basic_auth("loader", "s3cret")}
        async with aiohttp.ClientSession() as session:
            async with session.get(url, headers=loader) as response:
                assert response.status == 200
            async with session.get(url, headers=DEMO) as response:
                assert response.status == 401
    assert running.returncode == 0


async def test_db_keeps_data_across_processes(tmp_path: Path) -> None:
    db = str(tmp_path / "vibes.sqlite")
    person = {"external_person_id": "crm-42", "mobile_phone": {"mdn": "+14155550142"}}
    with EmulatorProcess("--db", db) as first:
        url = f"{first.url}/companies/demo/mobiledb/persons/external/crm-42"
        async with (
            aiohttp.ClientSession() as session,
            session.put(url, json=person, headers=DEMO) as response,
        ):
            assert response.status in {200, 201}, await response.text()
            created = await response.json()
    assert first.returncode == 0
    with EmulatorProcess("--db", db) as second:
        url = f"{second.url}/companies/demo/mobiledb/persons/external/crm-42"
        async with aiohttp.ClientSession() as session, session.get(url, headers=DEMO) as response:
            assert response.status == 200
            again = await response.json()
    assert again["person_key"] == created["person_key"]
    assert again["mobile_phone"]["mdn"] == "+14155550142"


async def test_companies_and_credentials_restored_from_db(tmp_path: Path) -> None:
    db = str(tmp_path / "vibes.sqlite")
    with EmulatorProcess("--db", db, "--company-extra", "warehouse:loader:s3cret"):
        pass
    # Started again without --company-extra: the store still knows the company.
    with EmulatorProcess("--db", db) as again:
        url = f"{again.url}/companies/warehouse/mobiledb/subscription_lists"
        loader = {"Authorization": aiohttp.encode_basic_auth("loader", "s3cret")}
        wrong = {"Authorization": aiohttp.encode_basic_auth("loader", "guess")}
        async with aiohttp.ClientSession() as session:
            for headers, expected in [(wrong, 401), (loader, 200), (loader, 200), (wrong, 401)]:
                async with session.get(url, headers=headers) as response:
                    assert response.status == expected


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "vibes-emulator"
    result = subprocess.run(
        [str(script), "serve", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    for flag in ("--rate-limit", "--fault-rate", "--company-extra", "--db", "--seed"):
        assert flag in result.stdout
