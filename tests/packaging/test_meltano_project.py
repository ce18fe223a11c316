"""The README's walkthrough for a user's own Meltano project, run as written against the emulator.

The README block is executed line by line in one bash script, in a scratch directory outside the
checkout, with the pinned Meltano of .meltano/cli (the one `make demo` installs) first on PATH.
Three things differ from a user's shell, each for a reason: the exported variables point at this
checkout and at the wheel the session built; the emulator listens on a free port rather than
8080; and `meltano add target-jsonl`, which asks Meltano Hub for the definition, reads a copy of
the Hub's definition instead, because the Hub is out of reach here.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from demo.environment import MELTANO, ROOT, ensure_meltano, meltano_env
from tests.packaging.conftest import PROJECT, BuiltWheel
from tests.target.support import Api
from vibes_emulator.testing import RunningEmulator

pytestmark = pytest.mark.slow

README = ROOT / "README.md"
README_EMULATOR_URL = "http://127.0.0.1:8080"
HUB_ADD = "meltano add target-jsonl"
TARGET_JSONL_DEFINITION = Path(__file__).with_name("target-jsonl.yml")
VERSION = PROJECT["version"]


def walkthrough() -> list[str]:
    """The lines of the README's sh block that starts a Meltano project (`meltano init`)."""
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"^```sh\n(.*?)^```", text, re.M | re.S)
    (block,) = [b for b in blocks if "\nmeltano init " in b]
    return [line for line in block.splitlines() if line.strip()]


def script_for_test(lines: list[str], emulator_url: str) -> str:
    """The walkthrough as a bash script, with the three documented differences applied."""
    commands = ["set -euo pipefail"]
    for line in lines:
        if line.startswith("export "):
            continue  # the test's environment sets these
        line = line.replace(README_EMULATOR_URL, emulator_url)
        if line == HUB_ADD:
            line = f"{HUB_ADD} --from-ref {shlex.quote(str(TARGET_JSONL_DEFINITION))}"
        commands.append(f"echo '>>> {line}'")
        commands.append(line)
    return "\n".join(commands) + "\n"


def test_the_walkthrough_shows_what_the_test_expects() -> None:
    lines = walkthrough()
    assert lines[0].startswith("export VIBES_CONNECTORS=") and "UV_FIND_LINKS=" in lines[0]
    assert HUB_ADD in lines
    assert sum(README_EMULATOR_URL in line for line in lines) == 1
    assert "meltano config test tap-vibes" in lines
    assert lines[-1] == "meltano run tap-vibes target-jsonl"


def test_readme_walkthrough_in_a_fresh_meltano_project(
    built_wheel: BuiltWheel, tmp_path: Path
) -> None:
    ensure_meltano(say=lambda _text: None)
    with RunningEmulator(seed=30, seed_value=5) as emulator:
        env = meltano_env(
            {
                "PATH": os.pathsep.join([str(MELTANO.parent), os.environ.get("PATH", "")]),
                "VIBES_CONNECTORS": str(ROOT),
                "UV_FIND_LINKS": str(built_wheel.directory),
            }
        )
        done = subprocess.run(
            ["bash", "-c", script_for_test(walkthrough(), emulator.url)],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,  # as in CI: nothing may wait for an answer
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, output[-5000:]
        status, lists = Api(emulator).call("GET", "/mobiledb/subscription_lists")
    assert "Plugin configuration is valid" in output
    assert status == 200 and lists

    project = tmp_path / "vibes-project"
    # One meltano run, into target-jsonl: the list ids the emulator holds, each once.
    (written,) = (project / "output").glob("subscription_lists*.jsonl")
    ids = [json.loads(line)["id"] for line in written.read_text().splitlines()]
    assert sorted(ids) == sorted(str(x["id"]) for x in lists)

    # The plugins came from the built wheel, as the definitions say, not from the checkout.
    config = yaml.safe_load((project / "meltano.yml").read_text())
    for kind, plugin in (("extractors", "tap-vibes"), ("loaders", "target-vibes")):
        (added,) = [p for p in config["plugins"][kind] if p["name"] == plugin]
        assert added["pip_url"] == f"vibes-connectors=={VERSION}"
        venv = project / ".meltano" / kind / plugin / "venv"
        (site_packages,) = venv.glob("lib/python3*/site-packages")
        assert (site_packages / plugin.replace("-", "_") / "__init__.py").exists()
        assert not list(site_packages.glob("__editable__*"))
        shown = subprocess.run(
            [str(venv / "bin" / plugin), "--version"], capture_output=True, text=True, check=True
        )
        assert shown.stdout.startswith(f"{plugin} v{VERSION}")
    # The password went to .env, not into meltano.yml.
    assert "password: demo" not in (project / "meltano.yml").read_text()
    assert "TAP_VIBES_PASSWORD='demo'" in (project / ".env").read_text()
