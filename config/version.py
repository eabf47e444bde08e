"""The release's version: pyproject.toml is its one source. An installed distribution carries it
in its metadata; a checkout that is not installed (`python run.py`) reads pyproject.toml."""
from __future__ import annotations

import tomllib
from functools import cache
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "calamari-server"
CHECKOUT = Path(__file__).resolve().parents[1]


@cache
def version() -> str:
    """The installed distribution's version when this very code is that distribution (not, say,
    a checkout run beside an older installed copy), else the checkout's pyproject.toml."""
    try:
        installed = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        installed = None
    if installed is not None and Path(installed.locate_file("config/version.py")).resolve() == Path(__file__).resolve():
        return installed.version
    try:
        with open(CHECKOUT / "pyproject.toml", "rb") as source:
            return tomllib.load(source)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return installed.version if installed is not None else "0+unknown"
