"""Keep README.md's settings tables, meltano.yml's setting declarations and the Meltano plugin
definitions in plugin-definitions/ in step with the plugins.

The plugins' own ``--about`` output is the single source of truth for their settings,
capabilities and version; this script copies it, between marker lines, into the README (the
markdown table the SDK prints) and into meltano.yml (one Meltano setting definition per plugin
setting: kind, label, description, secrets marked), and writes plugin-definitions/<plugin>.yml
whole (what `meltano add <plugin> --from-ref` reads in a user's own project). Run it after
changing a setting or the version; ``--check`` (used by the tests) only reports drift and
exits 1.

    .venv/bin/python scripts/plugin_docs.py          # rewrite the stale files
    .venv/bin/python scripts/plugin_docs.py --check  # exit 1 when any is stale
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vibes_api.version import DISTRIBUTION

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MELTANO_YML = ROOT / "meltano.yml"
DEFINITIONS = ROOT / "plugin-definitions"
PLUGINS = ("tap-vibes", "target-vibes")


def plugin_executable(plugin: str) -> str:
    """The plugin's console script next to the running interpreter (the project's venv)."""
    candidate = Path(sys.executable).parent / plugin
    return str(candidate) if candidate.exists() else plugin


@functools.cache
def about(plugin: str, fmt: str) -> str:
    result = subprocess.run(
        [plugin_executable(plugin), "--about", f"--format={fmt}"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return result.stdout


def settings_markdown(plugin: str) -> str:
    """The settings table of ``PLUGIN --about --format=markdown`` (header row to last row)."""
    lines = about(plugin, "markdown").splitlines()
    start = lines.index("## Settings") + 1
    table = []
    for line in lines[start:]:
        if line.startswith("|"):
            table.append(line.rstrip())
        elif table:
            break
    if not table:
        raise RuntimeError(f"{plugin} --about --format=markdown printed no settings table")
    return "\n".join(table)


def meltano_kind(name: str, schema: dict[str, Any]) -> str:
    """The Meltano setting kind for one JSON-schema property of a plugin."""
    if schema.get("secret"):
        return "password"
    if "enum" in schema:
        return "options"
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    types = [t for t in types if t != "null"]
    if schema.get("format") == "date-time":
        return "date_iso8601"
    kind = {
        "string": "string",
        "integer": "integer",
        "number": "decimal",
        "boolean": "boolean",
        "object": "object",
        "array": "array",
    }.get(types[0] if types else "", "")
    if not kind:
        raise ValueError(f"setting {name!r} has no JSON type Meltano can declare: {schema}")
    return kind


def label(name: str) -> str:
    words = name.replace("_", " ").strip().split()
    text = " ".join(words)
    for short, long in (("api url", "API URL"), ("ca ", "CA "), ("id", "ID")):
        text = re.sub(rf"\b{short}\b", long, text)
    return text[:1].upper() + text[1:]


def settings_yaml(plugin: str, indent: str) -> str:
    """Meltano ``settings:`` entries (and ``settings_group_validation``) for one plugin."""
    settings = json.loads(about(plugin, "json"))["settings"]
    lines = [f"{indent}settings:"]
    for name, schema in settings["properties"].items():
        kind = meltano_kind(name, schema)
        description = schema.get("description") or schema.get("title") or label(name)
        lines += [
            f"{indent}- name: {name}",
            f"{indent}  kind: {kind}",
            f"{indent}  label: {json.dumps(schema.get('title') or label(name))}",
            f"{indent}  description: {json.dumps(' '.join(description.split()))}",
        ]
        if kind == "password":
            lines.append(f"{indent}  sensitive: true")
        if kind == "options":
            lines.append(f"{indent}  options:")
            for option in schema["enum"]:
                lines += [
                    f"{indent}  - label: {json.dumps(str(option))}",
                    f"{indent}    value: {json.dumps(option)}",
                ]
    required = settings.get("required") or []
    if required:
        lines.append(f"{indent}settings_group_validation:")
        lines.append(f"{indent}- {json.dumps(sorted(required))}")
    return "\n".join(lines)


def replace_between(text: str, begin: str, end: str, body: str, where: str) -> str:
    pattern = re.compile(
        rf"(^[ \t]*{re.escape(begin)}[^\n]*\n)(.*?)(^[ \t]*{re.escape(end)})", re.S | re.M
    )
    if not pattern.search(text):
        raise RuntimeError(f"{where}: markers {begin!r} ... {end!r} not found")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(3), text, count=1)


def render_readme(text: str) -> str:
    for plugin in PLUGINS:
        table = settings_markdown(plugin)
        text = replace_between(
            text,
            f"<!-- BEGIN {plugin} settings",
            f"<!-- END {plugin} settings",
            table,
            "README.md",
        )
    return text


def render_meltano_yml(text: str) -> str:
    for plugin in PLUGINS:
        marker = re.search(rf"^([ \t]*)# BEGIN {plugin} settings", text, re.M)
        if marker is None:
            raise RuntimeError(f"meltano.yml: '# BEGIN {plugin} settings' not found")
        body = settings_yaml(plugin, marker.group(1))
        text = replace_between(
            text, f"# BEGIN {plugin} settings", f"# END {plugin} settings", body, "meltano.yml"
        )
    return text


def definition_path(plugin: str) -> Path:
    return DEFINITIONS / f"{plugin}.yml"


def render_definition(plugin: str) -> str:
    """The Meltano plugin definition of one plugin, for ``meltano add --from-ref``."""
    about_json = json.loads(about(plugin, "json"))
    kind = "an extractor" if plugin.startswith("tap-") else "a loader"
    lines = [
        f"# Meltano plugin definition of {plugin}, {kind}, for your own Meltano project:",
        f"#   meltano add {plugin} --from-ref <path or URL of this file>",
        "# Where pip_url installs from: README.md, 'Install it, and add the plugins to your",
        f"# own Meltano project'. Generated from `{plugin} --about --format=json` by",
        "# scripts/plugin_docs.py: change the plugin, then rerun the script.",
        f"name: {plugin}",
        f"namespace: {plugin.replace('-', '_')}",
        'label: "Vibes"',
        f"description: {json.dumps(about_json['description'])}",
        f"pip_url: {DISTRIBUTION}=={about_json['version']}",
        f"executable: {plugin}",
        "capabilities:",
        *(f"- {capability}" for capability in about_json["capabilities"]),
        settings_yaml(plugin, ""),
    ]
    return "\n".join(lines) + "\n"


def generated_files() -> list[tuple[Path, Callable[[str], str]]]:
    """Each generated file and how to render it from its current text."""
    files: list[tuple[Path, Callable[[str], str]]] = [
        (README, render_readme),
        (MELTANO_YML, render_meltano_yml),
    ]
    for plugin in PLUGINS:
        files.append((definition_path(plugin), lambda _text, p=plugin: render_definition(p)))
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report drift, change nothing")
    args = parser.parse_args(argv)
    stale = []
    for path, render in generated_files():
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        wanted = render(current)
        if wanted != current:
            stale.append(str(path.relative_to(ROOT)))
            if not args.check:
                path.parent.mkdir(exist_ok=True)
                path.write_text(wanted, encoding="utf-8")
    if stale and args.check:
        print(
            f"stale: {', '.join(stale)}; run .venv/bin/python scripts/plugin_docs.py",
            file=sys.stderr,
        )
        return 1
    if stale:
        print(f"updated: {', '.join(stale)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
