"""Where `calamari login` keeps what later commands need: the API's URL, the API token (its
secret), the token's id (to revoke it at logout), the username and the TLS settings.

One JSON file, `$XDG_CONFIG_HOME/calamari/credentials.json` (default ~/.config/calamari/), in a
0700 directory and created 0600: it holds a secret as good as a password until it expires.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

FILE_NAME = "credentials.json"


@dataclass(frozen=True)
class Credentials:
    url: str
    token: str
    token_id: str = ""
    username: str = ""
    ca_file: str | None = None     # a CA bundle to verify the server's certificate with
    verify: bool = True            # False: --insecure at login (no certificate check)


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "calamari"


def path() -> Path:
    return config_dir() / FILE_NAME


def load() -> Credentials | None:
    """The stored credentials, or None when there are none (or the file is not ours)."""
    try:
        raw = json.loads(path().read_text())
    except (OSError, ValueError):
        return None
    known = {f.name for f in fields(Credentials)}
    if not isinstance(raw, dict) or not isinstance(raw.get("url"), str) or not isinstance(raw.get("token"), str):
        return None
    return Credentials(**{k: v for k, v in raw.items() if k in known})


def save(credentials: Credentials) -> Path:
    """Write them 0600 in a 0700 directory; the secret is never in a file anyone else may read,
    not even for a moment (the file is created with its mode, then renamed over the old one)."""
    directory = config_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    target, scratch = path(), directory / f".{FILE_NAME}.{os.getpid()}"
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(asdict(credentials), handle, indent=2)
        handle.write("\n")
    os.replace(scratch, target)
    return target


def forget() -> bool:
    """Delete the stored credentials; False when there were none."""
    try:
        path().unlink()
    except FileNotFoundError:
        return False
    return True
