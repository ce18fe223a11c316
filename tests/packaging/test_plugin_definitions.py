"""plugin-definitions/*.yml: what `meltano add --from-ref` needs, taken from the plugins' --about.

That they are current is checked with the other generated files
(tests/demo/test_readme_and_meltano_yml.py); that Meltano accepts and installs them, by the
README walkthrough's test (test_meltano_project.py).
"""

from __future__ import annotations

import json
import sys

import pytest
import yaml

from demo.environment import ROOT
from tests.packaging.conftest import PROJECT

sys.path.insert(0, str(ROOT / "scripts"))
import plugin_docs

PLUGINS = ("tap-vibes", "target-vibes")


@pytest.mark.parametrize("plugin", PLUGINS)
def test_a_definition_declares_every_setting_the_capabilities_and_this_release(
    plugin: str,
) -> None:
    definition = yaml.safe_load(plugin_docs.definition_path(plugin).read_text(encoding="utf-8"))
    about = json.loads(plugin_docs.about(plugin, "json"))
    assert (definition["name"], definition["executable"]) == (plugin, plugin)
    assert definition["namespace"] == plugin.replace("-", "_")
    assert definition["pip_url"] == f"{PROJECT['name']}=={PROJECT['version']}"
    assert definition["capabilities"] == about["capabilities"]
    declared = {setting["name"]: setting for setting in definition["settings"]}
    assert list(declared) == list(about["settings"]["properties"])
    for name, schema in about["settings"]["properties"].items():
        setting = declared[name]
        assert setting["kind"] and setting["description"] and setting["label"], name
        assert (setting["kind"] == "password") == bool(schema.get("secret")), name
        assert setting.get("sensitive", False) == bool(schema.get("secret")), name
    required = sorted(about["settings"].get("required") or [])
    assert definition.get("settings_group_validation", []) == ([required] if required else [])


def test_the_definitions_are_the_only_files_in_their_folder() -> None:
    names = sorted(path.name for path in plugin_docs.DEFINITIONS.iterdir())
    assert names == [f"{plugin}.yml" for plugin in PLUGINS]
