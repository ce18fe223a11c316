"""README.md and meltano.yml stay true to the plugins, and every README command is exercised."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from demo.environment import ROOT
from demo.run_demo import EXAMPLE_QUERY

sys.path.insert(0, str(ROOT / "scripts"))
import plugin_docs

README = ROOT / "README.md"
DEMO_TEST = (
    "tests/demo/test_meltano_pipelines.py::test_demo_runs_twice_the_second_time_incrementally"
)
INSTALLED_WHEEL_TEST = (
    "tests/packaging/test_installed_wheel.py::"
    "test_installed_scripts_end_to_end_read_nothing_from_the_source_tree"
)
PRINT_CONFIG = (
    ".meltano/cli/bin/meltano --environment=prod config --unsafe print target-vibes"
    " > target-vibes.json"
)

# Every shell command the README shows, and what exercises it:
#   "run"           this module runs it as written (it must exit 0)
#   "path::test"    that test runs it, or the very thing it does (the reason follows)
#   "ci"            .ci/run runs it
COMMANDS: dict[str, str] = {
    "make test": "ci",
    # `make demo` is `.venv/bin/python -m demo` (checked below), which this test runs twice.
    "make demo": DEMO_TEST,
    f'python3 demo/query.py "{EXAMPLE_QUERY}"': DEMO_TEST,
    ".meltano/cli/bin/meltano --environment=prod config test tap-vibes": (
        "tests/demo/test_meltano_config.py::test_prod_environment_takes_credentials_from_the_environment"
    ),
    # The job the demo runs in `dev`; `prod` differs only in config, checked by the test above.
    ".meltano/cli/bin/meltano --environment=prod run vibes-to-warehouse": DEMO_TEST,
    ".venv/bin/tap-vibes --about --format=markdown": "run",
    ".venv/bin/target-vibes --about --format=markdown": "run",
    PRINT_CONFIG: (
        "tests/demo/test_meltano_config.py::test_prod_config_print_gives_the_replay_its_config"
    ),
    ".venv/bin/target-vibes-replay --config target-vibes.json .demo/dead_letters.jsonl": (
        "tests/target/test_persons_load.py::test_replay_sends_fixed_dead_letters"
    ),
    ".venv/bin/vibes-emulator serve --port 8080 --seed 500": (
        "tests/emulator/test_cli.py::test_serve_prints_one_url_line_and_stops_cleanly"
    ),
    ".venv/bin/python scripts/plugin_docs.py": (
        "tests/demo/test_readme_and_meltano_yml.py::test_readme_and_meltano_yml_match_the_plugins"
    ),
    # The build the test runs is `python -m build` (the sdist, then the wheel from it).
    ".venv/bin/python -m build --wheel --outdir dist": (
        "tests/packaging/test_build.py::test_the_build_prints_no_warning"
    ),
    # The test installs the wheel the same way, into a venv outside the checkout.
    "python3 -m venv ~/vibes-connectors": INSTALLED_WHEEL_TEST,
    "~/vibes-connectors/bin/pip install dist/vibes_connectors-*.whl": INSTALLED_WHEEL_TEST,
    # The walkthrough in a fresh Meltano project: that test runs the README block itself.
    **dict.fromkeys(
        [
            "meltano init vibes-project",
            "cd vibes-project",
            'meltano add tap-vibes --from-ref "$VIBES_CONNECTORS/plugin-definitions/tap-vibes.yml"',
            "meltano add target-vibes --from-ref"
            ' "$VIBES_CONNECTORS/plugin-definitions/target-vibes.yml"',
            "meltano add target-jsonl",
            "meltano config set tap-vibes api_url http://127.0.0.1:8080",
            "meltano config set tap-vibes company_key demo",
            "meltano config set tap-vibes username demo",
            "meltano config set tap-vibes password demo",
            "meltano config test tap-vibes",
            "meltano run tap-vibes target-jsonl",
        ],
        "tests/packaging/test_meltano_project.py::test_readme_walkthrough_in_a_fresh_meltano_project",
    ),
}


def readme_commands(text: str) -> list[str]:
    """Commands in the README's sh/bash/shell/console blocks (comments, `export`s left out)."""
    commands: list[str] = []
    for block in re.findall(r"^```(?:sh|bash|shell|console)\n(.*?)^```", text, re.M | re.S):
        pending = ""
        for raw in block.splitlines():
            line = raw.removeprefix("$ ").rstrip()
            if line.endswith("\\"):
                pending += line[:-1].strip() + " "
                continue
            line = (pending + line).strip()
            pending = ""
            # An export only sets up the environment of the commands after it.
            if not line or line.startswith(("#", "export ")):
                continue
            commands.append(re.sub(r"\s+#\s.*$", "", line).strip())
    return commands


WALKTHROUGH = re.compile(r"<!-- BEGIN walkthrough.*?<!-- END walkthrough -->", re.S)
WALKTHROUGH_TEST = "tests/test_readme_walkthrough.py::test_every_walkthrough_command_runs"


def test_every_readme_command_is_exercised_and_no_mapping_is_stale() -> None:
    text = README.read_text(encoding="utf-8")
    # The walkthrough's commands (multi-line scripts among them) are all run, in order, by
    # WALKTHROUGH_TEST; the rest of the README is checked command by command.
    walkthrough = WALKTHROUGH.findall(text)
    assert len(walkthrough) == 1 and readme_commands(walkthrough[0])
    path, name = WALKTHROUGH_TEST.split("::")
    assert f"def {name}(" in (ROOT / path).read_text(encoding="utf-8")
    commands = readme_commands(WALKTHROUGH.sub("", text))
    assert commands, "no commands found: did the README's code blocks change language?"
    unexercised = [c for c in commands if c not in COMMANDS]
    assert unexercised == [], "README commands without a test: add one and map it in COMMANDS"
    stale = [c for c in COMMANDS if c not in commands]
    assert stale == [], "COMMANDS maps commands the README no longer shows"


@pytest.mark.parametrize("command", sorted({c for c, how in COMMANDS.items() if "::" in how}))
def test_the_test_named_for_a_command_exists(command: str) -> None:
    path, name = COMMANDS[command].split("::")
    source = (ROOT / path).read_text(encoding="utf-8")
    assert re.search(rf"^(?:async )?def {re.escape(name)}\(", source, re.M), COMMANDS[command]


@pytest.mark.parametrize("command", sorted(c for c, how in COMMANDS.items() if how == "run"))
def test_readme_command_runs(command: str) -> None:
    result = subprocess.run(
        command.split(), cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "## Settings" in result.stdout


def test_ci_runs_make_test() -> None:
    assert [c for c, how in COMMANDS.items() if how == "ci"] == ["make test"]
    assert re.search(r"^make test\b", (ROOT / ".ci" / "run").read_text(), re.M)


def test_make_demo_runs_the_demo_module() -> None:
    # Under `make test` the outer make's variables would make this one print
    # "Entering/Leaving directory" lines; run it as a user would.
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MAKELEVEL", "MFLAGS"}}
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", "demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert dry_run.stdout.strip().splitlines()[-1].split() == [".venv/bin/python", "-m", "demo"]


def test_readme_and_meltano_yml_match_the_plugins() -> None:
    """The settings tables, meltano.yml's settings and the plugin definitions for users' own
    Meltano projects are what the plugins' --about says."""
    for path, render in plugin_docs.generated_files():
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        assert render(current) == current, (
            f"{path.relative_to(ROOT)} is stale; run: .venv/bin/python scripts/plugin_docs.py"
        )


def _plugin(config: dict[str, Any], kind: str, name: str) -> dict[str, Any]:
    return next(p for p in config["plugins"][kind] if p["name"] == name)


@pytest.mark.parametrize(
    ("kind", "name"), [("extractors", "tap-vibes"), ("loaders", "target-vibes")]
)
def test_meltano_yml_declares_every_setting_and_marks_secrets(kind: str, name: str) -> None:
    config = yaml.safe_load(plugin_docs.MELTANO_YML.read_text(encoding="utf-8"))
    plugin = _plugin(config, kind, name)
    assert plugin["pip_url"] == "-e ."
    assert plugin["executable"] == name
    declared = {s["name"]: s for s in plugin["settings"]}
    about = json.loads(plugin_docs.about(name, "json"))["settings"]["properties"]
    assert set(declared) == set(about)
    for setting_name, schema in about.items():
        setting = declared[setting_name]
        assert setting["label"] and setting["description"] and setting["kind"]
        if schema.get("secret"):
            assert (setting["kind"], setting.get("sensitive")) == ("password", True)


def test_prod_environment_holds_no_secrets_and_points_at_the_us_host() -> None:
    config = yaml.safe_load(plugin_docs.MELTANO_YML.read_text(encoding="utf-8"))
    prod = next(e for e in config["environments"] if e["name"] == "prod")
    for kind, name in (("extractors", "tap-vibes"), ("loaders", "target-vibes")):
        settings = _plugin(prod["config"], kind, name)["config"]
        assert settings["api_url"] == "https://public-api.vibescm.com"
        assert settings["password"] == "${VIBES_PASSWORD}"
        assert settings["username"] == "${VIBES_USERNAME}"
        assert settings["company_key"] == "${VIBES_COMPANY_KEY}"


def test_readme_streams_table_matches_the_taps_catalog(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"company_key": "c", "username": "u", "password": "p"}))
    discover = subprocess.run(
        [plugin_docs.plugin_executable("tap-vibes"), "--config", str(config), "--discover"],
        capture_output=True,
        text=True,
        check=True,
    )
    plain = _catalog(discover.stdout)
    section = README.read_text(encoding="utf-8").split("## Streams", 1)[1].split("\n## ", 1)[0]
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith("| Stream ")
    ]
    assert {row[0]: (row[2], row[3]) for row in rows if "(" not in row[0]} == plain
    # Rows "name (with `setting`)": the streams a source setting swaps in or adds.
    for setting in ("callback_journal", "extracts_path"):
        config.write_text(
            json.dumps({"company_key": "c", "username": "u", "password": "p", setting: "x"})
        )
        found = subprocess.run(
            [plugin_docs.plugin_executable("tap-vibes"), "--config", str(config), "--discover"],
            capture_output=True,
            text=True,
            check=True,
        )
        swapped = {k: v for k, v in _catalog(found.stdout).items() if plain.get(k) != v}
        documented = {
            row[0].split(" (", 1)[0]: (row[2], row[3])
            for row in rows
            if re.search(rf"\(.*with `{setting}`", row[0].split(",")[0])
        }
        assert swapped.items() <= documented.items(), setting
        assert all(v == _catalog(found.stdout)[k] for k, v in documented.items()), setting


def _catalog(discovered: str) -> dict[str, tuple[str, str]]:
    return {
        s["tap_stream_id"]: (", ".join(s["key_properties"]), s.get("replication_key") or "none")
        for s in json.loads(discovered)["streams"]
    }
