"""Password hashing (scrypt) and session tokens. Pure functions: no threads, no clocks, no I/O.

Stored format: `scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>` (standard base64), so the cost
parameters travel with each hash and can be raised later without breaking old ones.
Sessions store only `token_hash(token)`; the token itself lives in the client's cookie.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

SCRYPT_N = 2 ** 14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
_MAX_N = 2 ** 20             # refuse stored parameters that would burn memory or minutes
_MAXMEM = 256 * 1024 * 1024


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=_MAXMEM, dklen=dklen)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """A fresh salted scrypt hash of `password` in the stored format."""
    if not isinstance(password, str):
        raise TypeError("password must be a str")
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, HASH_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str | None) -> bool:
    """True if `password` matches `stored`; a malformed or empty `stored` is simply False."""
    if not isinstance(password, str) or not isinstance(stored, str):
        return False
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt = base64.b64decode(parts[4], validate=True)
        expected = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error):
        return False
    if not (1 < n <= _MAX_N and 0 < r <= 64 and 0 < p <= 16 and salt and expected):
        return False
    try:
        actual = _scrypt(password, salt, n, r, p, len(expected))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(actual, expected)


def new_token() -> str:
    """A fresh unguessable session token (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the store keeps for a session token: its sha256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
