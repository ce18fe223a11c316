"""Copied into the test venv's site-packages (with a .pth that imports it at every start-up):
logs each path the interpreter opens, lists or connects a database to, one per line, to the
file named by SOURCE_TREE_GUARD_LOG. Audit hooks see imports (io.open_code) as well as open(),
so the log shows where every module, schema and data file came from.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_EVENTS = frozenset({"open", "os.listdir", "os.scandir", "sqlite3.connect"})


def _install(log_path: str) -> None:
    # os.write raises no audit event, so the hook cannot recurse into itself.
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def hook(event: str, args: tuple[object, ...]) -> None:
        if event not in _EVENTS or not args:
            return
        path = args[0]
        if not isinstance(path, str | bytes | os.PathLike):
            return  # an open file descriptor, or listdir() of the current directory
        # Resolved, as the tests' ROOT is: a symlink into the checkout is still the checkout.
        text = str(Path(os.fsdecode(path)).resolve())
        os.write(log, f"{event}\t{text}\n".encode("utf-8", "surrogateescape"))

    sys.addaudithook(hook)


if os.environ.get("SOURCE_TREE_GUARD_LOG"):
    _install(os.environ["SOURCE_TREE_GUARD_LOG"])
