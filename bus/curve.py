"""CurveZMQ key pairs for the bus: creating, storing, reading and fingerprinting them.

Keys are libzmq's own (zmq.curve_keypair: Curve25519, z85 text, 40 characters); nothing here is
cryptography of our own. A key pair on disk is two one-line files, `NAME.key` (public) and
`NAME.key_secret` (secret), both created owner-only (0600) with O_EXCL, so a second process
starting at the same moment cannot write a different pair over the first one.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import zmq
from zmq.utils import z85

KEY_CHARS = 40           # z85 of 32 bytes


class BadKey(ValueError):
    """A key file or key text that is not a CurveZMQ key."""


@dataclass(frozen=True)
class KeyPair:
    public: str     # z85
    secret: str     # z85; never logged, never sent

    def __repr__(self) -> str:   # a stray log line must not print the secret
        return f"KeyPair(public={self.public!r})"


def require_curve() -> None:
    if not zmq.has("curve"):
        raise RuntimeError("this libzmq was built without CURVE support; the bus needs it "
                           "(pyzmq wheels include it: pip install pyzmq)")


def new_keypair() -> KeyPair:
    require_curve()
    public, secret = zmq.curve_keypair()
    return KeyPair(public.decode("ascii"), secret.decode("ascii"))


def is_public_key(text) -> bool:
    if not isinstance(text, str) or len(text) != KEY_CHARS:
        return False
    try:
        z85.decode(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError, KeyError, IndexError):
        return False
    return True


def fingerprint(public: str) -> str:
    """SHA-256 of the raw 32-byte key in colon-separated hex (as `salt-key -f` shows keys)."""
    digest = hashlib.sha256(z85.decode(public.encode("ascii"))).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def key_paths(directory: Path | str, name: str) -> tuple[Path, Path]:
    directory = Path(directory)
    return directory / f"{name}.key", directory / f"{name}.key_secret"


def load_or_create(directory: Path | str, name: str) -> tuple[KeyPair, bool]:
    """The pair stored as NAME.key/NAME.key_secret in `directory`, created if neither exists.

    Returns (pair, created). A directory created here is owner-only. One file without the other,
    or a secret whose public half does not match, is an error: silently making a new pair would
    change this host's identity and lock it out.
    """
    public_path, secret_path = key_paths(directory, name)
    if not public_path.exists() and not secret_path.exists():
        Path(directory).mkdir(mode=0o700, parents=True, exist_ok=True)
        pair = new_keypair()
        _write_new(secret_path, pair.secret)
        _write_new(public_path, pair.public)
        return pair, True
    secret = _read_key(secret_path)
    public = zmq.curve_public(secret.encode("ascii")).decode("ascii")
    if _read_key(public_path) != public:
        raise BadKey(f"{public_path} is not the public half of {secret_path}")
    return KeyPair(public, secret), False


def read_public_key(path: Path | str) -> str:
    return _read_key(Path(path))


def _read_key(path: Path) -> str:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadKey(f"cannot read key file {path}: {exc}") from None
    if not is_public_key(text):   # public and secret keys have the same z85 form
        raise BadKey(f"{path} does not hold a 40-character z85 CurveZMQ key")
    return text


def _write_new(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(text + "\n")
