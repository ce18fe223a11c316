"""Vibes knowledge lives in one place: paths in vibes_api/endpoints.py (and a stream's own
``path =``), never spelled again in the plugins, where a fix would land in one copy only."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ("tap_vibes", "target_vibes", "vibes_callbacks")
# The first segment of every published Vibes path after /companies/{company_key}.
VIBES_SEGMENTS = (
    "/mobiledb/",
    "/campaigns/",
    "/config/",
    "/incentives/",
    "/sourcecodes",
    "/mobile_apps/",
    "/companies/",
)


def _docstrings(tree: ast.AST) -> set[int]:
    """Strings standing alone as statements: module, class, function and attribute docs."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }


def _allowed(tree: ast.AST) -> set[int]:
    """String constants a stream declares as its ``path``."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "path" for t in targets):
                found.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Constant))
    return found


def spelled_paths(source: str) -> Iterator[tuple[int, str]]:
    tree = ast.parse(source)
    skipped = _docstrings(tree) | _allowed(tree)
    for node in ast.walk(tree):
        text = node.value if isinstance(node, ast.Constant) else None
        spelled = isinstance(text, str) and any(s in text for s in VIBES_SEGMENTS)
        if spelled and id(node) not in skipped:
            yield node.lineno, str(text)


def test_no_vibes_path_is_spelled_in_the_plugins() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for package in PLUGINS
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, text in spelled_paths(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "Vibes paths belong in vibes_api/endpoints.py:\n" + "\n".join(found)


def test_the_check_sees_a_spelled_path() -> None:
    source = 'class S:\n    path = "/mobiledb/x"\n\ndef f(c):\n    return c("GET", "/mobiledb/y")\n'
    assert [text for _, text in spelled_paths(source)] == ["/mobiledb/y"]
