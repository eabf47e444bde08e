"""Password hashing (Argon2id, older scrypt hashes still verified) and session tokens.
Pure functions: no threads, no clocks, no I/O.

New hashes are Argon2id in the PHC string format argon2-cffi writes
(`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`), so the cost parameters travel with each hash.
The parameters are OWASP's first recommendation (Password Storage Cheat Sheet: m=19 MiB, t=2,
p=1) rather than RFC 9106's low-memory profile (64 MiB, t=3, p=4): this server hashes on two
worker threads beside the actors, and 64 MiB × p=4 per login would let a burst of logins take
the machine's memory and cores; 19 MiB, one lane, is about 40 ms of one core.

Hashes from before (`scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>`, N=2^14, below OWASP's minimum)
still verify; `needs_rehash` says so, and a successful login replaces them (actors/facade/sessions).
Sessions store only `token_hash(token)`; the token itself lives in the client's cookie.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

ARGON2 = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16)
SCRYPT_PREFIX = "scrypt$"
_MAX_N = 2 ** 20             # refuse stored scrypt parameters that would burn memory or minutes
_MAXMEM = 256 * 1024 * 1024


def hash_password(password: str) -> str:
    """A fresh salted Argon2id hash of `password` in PHC format."""
    if not isinstance(password, str):
        raise TypeError("password must be a str")
    return ARGON2.hash(password)


def verify_password(password: str, stored: str | None) -> bool:
    """True if `password` matches `stored` (Argon2 or legacy scrypt); a malformed or empty
    `stored` is simply False."""
    if not isinstance(password, str) or not isinstance(stored, str):
        return False
    if stored.startswith(SCRYPT_PREFIX):
        return _verify_scrypt(password, stored)
    if not stored.startswith("$argon2"):
        return False
    try:
        return ARGON2.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError, ValueError):
        return False


def needs_rehash(stored: str) -> bool:
    """True for a hash that is not Argon2id with today's parameters (e.g. a legacy scrypt one)."""
    if not stored.startswith("$argon2id$"):
        return True
    try:
        return ARGON2.check_needs_rehash(stored)
    except (InvalidHashError, ValueError):
        return True


def _verify_scrypt(password: str, stored: str) -> bool:
    parts = stored.split("$")
    if len(parts) != 6:
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
        actual = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                                maxmem=_MAXMEM, dklen=len(expected))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(actual, expected)


def new_token() -> str:
    """A fresh unguessable session token (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the store keeps for a session token: its sha256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
