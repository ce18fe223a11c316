"""The release of the vibes-connectors distribution, which every console script's --version shows.

The number is set in one place, ``version`` in pyproject.toml; the installed distribution's
metadata carries it here (and to the Singer SDK's own --version of tap-vibes and target-vibes).
"""

from __future__ import annotations

import argparse
from importlib.metadata import version

DISTRIBUTION = "vibes-connectors"


def release() -> str:
    """The installed release of vibes-connectors, e.g. ``0.1.0``."""
    return version(DISTRIBUTION)


def add_version_option(parser: argparse.ArgumentParser) -> None:
    """``--version`` prints ``PROG vX.Y.Z`` and exits 0, like the SDK-built plugins do."""
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s v{release()}",
        help="print the version and exit",
    )
