"""`--print-config`: the effective settings as TOML, to read or to paste back into a file, with
every secret masked (a support ticket or a terminal's scroll-back must not carry one)."""
from __future__ import annotations

import argparse
import re
from urllib.parse import urlsplit, urlunsplit

import tomli_w

MASK = "********"
SECRET_KEY = re.compile(r"(^|_)(password|token)$|secret")


def masked(key: str, value):
    """The value to show: secrets masked; a database URL keeps all but its password."""
    if SECRET_KEY.search(key):
        return MASK
    if isinstance(value, str) and "://" in value:
        parts = urlsplit(value)
        if parts.password is not None:
            netloc = f"{parts.username or ''}:{MASK}@{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"
            return urlunsplit(parts._replace(netloc=netloc))
    return value


def render(args: argparse.Namespace, settings: dict[str, argparse.Action], sources: dict[str, str],
           config_file) -> str:
    """One `key = value` line per setting (the hidden test knobs only when set); an unset one
    is a comment, a value that is not the default names where it came from."""
    lines = ["# Effective settings: flags > CALAMARI_* environment > "
             f"{config_file or 'the configuration file (none read)'} > defaults. Secrets are masked."]
    for key, action in settings.items():
        if action.help == argparse.SUPPRESS and key not in sources:
            continue
        value = getattr(args, action.dest, None)
        if value is None:
            lines.append(f"# {key} is not set")
            continue
        line = tomli_w.dumps({key: masked(key, value)}).rstrip("\n")
        lines.append(f"{line}  # from {sources[key]}" if key in sources else line)
    return "\n".join(lines) + "\n"
