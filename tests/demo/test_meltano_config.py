"""meltano.yml's `prod` environment and `meltano config test`, against the emulator.

The real US host is out of reach, so each test points `api_url` at the emulator with an
environment variable (Meltano ranks those above meltano.yml) and checks the rest of `prod`:
credentials come from VIBES_COMPANY_KEY, VIBES_USERNAME and VIBES_PASSWORD.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.demo.conftest import run_meltano
from vibes_emulator.testing import RunningEmulator

pytestmark = pytest.mark.slow

# Meltano's own loader test (`meltano config test <loader>`) sends this stream.
MELTANO_LOADER_TEST_STREAM = "meltano_test_stream"


def _prod_env(url: str, state_dir: Path, password: str) -> dict[str, str]:
    return {
        "TAP_VIBES_API_URL": url,
        "TARGET_VIBES_API_URL": url,
        "VIBES_COMPANY_KEY": "demo",
        "VIBES_USERNAME": "demo",
        "VIBES_PASSWORD": password,
        "MELTANO_DATABASE_URI": f"sqlite:///{state_dir / 'meltano.db'}",
    }


def test_prod_environment_takes_credentials_from_the_environment(
    meltano: Path, state_dir: Path
) -> None:
    with RunningEmulator(seed=20, seed_value=3) as emulator:
        command = ["--environment=prod", "config", "test", "tap-vibes"]

        good = run_meltano(command, _prod_env(emulator.url, state_dir, "demo"))
        assert good.returncode == 0, good.stdout[-2000:] + good.stderr[-2000:]
        assert "Plugin configuration is valid" in good.stdout + good.stderr

        bad = run_meltano(command, _prod_env(emulator.url, state_dir, "wrong-password"))
        assert bad.returncode != 0
        assert "wrong-password" not in bad.stdout + bad.stderr
        # A connectivity test only reads.
        routes = emulator.control.stats()["by_route"]
        assert routes and all(route.startswith("GET ") for route in routes)


def test_prod_config_print_gives_the_replay_its_config(meltano: Path, state_dir: Path) -> None:
    env = _prod_env("http://127.0.0.1:9", state_dir, "s3cret-for-replay")
    printed = run_meltano(
        ["--environment=prod", "config", "--unsafe", "print", "target-vibes"], env
    )
    assert printed.returncode == 0, printed.stderr[-2000:]
    config = json.loads(printed.stdout)
    assert (config["company_key"], config["username"], config["password"]) == (
        "demo",
        "demo",
        "s3cret-for-replay",
    )
    assert config["api_url"] == "http://127.0.0.1:9"

    safe = run_meltano(["--environment=prod", "config", "print", "target-vibes"], env)
    assert "s3cret-for-replay" not in safe.stdout + safe.stderr


def _meltano_loader_test_messages() -> str:
    """What `meltano config test <loader>` (Meltano 4.4.1) writes to the loader's stdin."""
    schema = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
        },
    }
    messages = [
        {
            "type": "SCHEMA",
            "stream": MELTANO_LOADER_TEST_STREAM,
            "schema": schema,
            "key_properties": ["id"],
        },
        {
            "type": "RECORD",
            "stream": MELTANO_LOADER_TEST_STREAM,
            "record": {
                "id": 1,
                "name": "Meltano Test Record",
                "created_at": "2025-09-29T00:00:00Z",
            },
        },
        {"type": "STATE", "value": {"bookmarks": {MELTANO_LOADER_TEST_STREAM: {"last_record": 1}}}},
    ]
    return "".join(json.dumps(m) + "\n" for m in messages)


def test_meltanos_loader_test_checks_target_credentials_without_writing(
    meltano: Path, state_dir: Path
) -> None:
    import subprocess

    from demo.environment import MELTANO, ROOT, meltano_env

    with RunningEmulator() as emulator:
        results = {}
        for password in ("demo", "wrong-password"):
            env = meltano_env(_prod_env(emulator.url, state_dir, password))
            results[password] = subprocess.run(
                [str(MELTANO), "--environment=prod", "invoke", "target-vibes"],
                input=_meltano_loader_test_messages(),
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        routes = emulator.control.stats()["by_route"]
    assert results["demo"].returncode == 0, results["demo"].stderr[-2000:]
    assert results["wrong-password"].returncode != 0
    # Credentials were checked (a request was made) and nothing was written.
    assert routes and all(route.startswith("GET ") for route in routes)


def test_meltano_config_test_target_vibes_reads_credentials_and_writes_nothing(
    meltano: Path, state_dir: Path
) -> None:
    """`meltano config test target-vibes` itself: one read per run, never a write."""
    command = ["--environment=prod", "config", "test", "target-vibes"]
    with RunningEmulator() as emulator:
        good = run_meltano(command, _prod_env(emulator.url, state_dir, "demo"))
        after_good = emulator.control.stats()
        bad = run_meltano(command, _prod_env(emulator.url, state_dir, "wrong-password"))
        after_bad = emulator.control.stats()
    assert bad.returncode != 0
    assert "Plugin configuration is valid" not in bad.stdout + bad.stderr
    good_output = good.stdout + good.stderr
    # Meltano 4.4.1's loader test terminates the loader in a `finally` after reaping it,
    # which now and then ends the command in its own ProcessLookupError (a race in
    # Meltano, for every loader). Either way the verdict rests on the one read below.
    assert "Plugin configuration is valid" in good_output or (
        "ProcessLookupError" in good_output
    ), good_output[-2000:]
    assert after_good["by_route"] == {
        "GET /companies/{company_key}/mobiledb/subscription_lists/": 1
    }, good.stderr[-2000:]
    assert after_good["by_status"] == {"200": 1}
    assert after_bad["by_status"] == {"200": 1, "401": 1}
    assert all(route.startswith("GET ") for route in after_bad["by_route"])


def test_dev_environment_without_its_emulator_url_stops_at_start_up(
    meltano: Path, state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unset (or empty) VIBES_EMULATOR_URL must not send `dev` to the production US host.

    Meltano drops a setting whose value expands to nothing, so `api_url: ${VAR}` alone
    would reach the plugins as no api_url at all, the US host; meltano.yml's `${VAR}/`
    reaches them as "/", which both plugins refuse before any connection.
    """
    monkeypatch.delenv("VIBES_EMULATOR_URL", raising=False)
    env = {"MELTANO_DATABASE_URI": f"sqlite:///{state_dir / 'meltano.db'}"}
    for variable in ({}, {"VIBES_EMULATOR_URL": ""}):
        printed = run_meltano(
            ["--environment=dev", "config", "--unsafe", "print", "tap-vibes"], {**env, **variable}
        )
        assert printed.returncode == 0, printed.stderr[-2000:]
        assert json.loads(printed.stdout)["api_url"] == "/"

    for command, shows_the_reason in (
        (["config", "test", "tap-vibes"], True),
        (["invoke", "tap-vibes", "--discover"], True),
        (["invoke", "target-vibes"], True),
        # Meltano shows only a loader's last line here, the SDK's "Config validation failed".
        (["config", "test", "target-vibes"], False),
    ):
        run = run_meltano(["--environment=dev", *command], env)
        output = run.stdout + run.stderr
        assert run.returncode != 0, (command, output[-2000:])
        assert "Plugin configuration is valid" not in output
        if shows_the_reason:
            assert "setting 'api_url' is empty" in output, (command, output[-2000:])
