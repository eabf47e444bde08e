"""API tokens for automation. Pure: no I/O, `now` is a parameter.

A token reads `cal_<id>_<secret>`: the id is public (it names the token in lists and in
`DELETE user/me/token/<id>`), the secret is 32 random bytes. Only sha256(secret) is stored: the
secret is high-entropy, so a slow KDF would add nothing but latency on every request. The store
finds the row by id and compares the hashes with hmac.compare_digest (constant time), so the
answer time says nothing about how much of a guess was right.
"""
from __future__ import annotations

import hmac
import re
import secrets

from actors.fields import Body, name_problem, number, string
from actors.errors import Invalid
from actors.accounts.passwords import token_hash
from actors.timefmt import iso

PREFIX = "cal_"
_ID_BYTES = 6
_SHAPE = re.compile(r"cal_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
MAX_NAME = 100
MAX_LIFETIME_S = 10 * 366 * 24 * 3600          # "optional expiry", but not a typo of 10**12
# The creation body, for the OpenAPI document; check_new takes the field names from here.
TOKEN_CREATE = Body({"name": string(max_length=MAX_NAME, name=True),
                     "expires_in_s": number(minimum=0, maximum=MAX_LIFETIME_S, nullable=True)},
                    required=("name",))


def new_token() -> tuple[str, str, str]:
    """(id, sha256 of the secret, the whole token to show once)."""
    token_id, secret = secrets.token_hex(_ID_BYTES), secrets.token_urlsafe(32)
    return token_id, token_hash(secret), f"{PREFIX}{token_id}_{secret}"


def parse(token: str) -> tuple[str, str] | None:
    """(id, sha256 of the secret) of a well-formed token, else None."""
    match = _SHAPE.fullmatch(token) if isinstance(token, str) else None
    return None if match is None else (match.group(1), token_hash(match.group(2)))


def token_id(token: str) -> str | None:
    parsed = parse(token)
    return None if parsed is None else parsed[0]


def secret_matches(given_hash: str, stored_hash: str) -> bool:
    return hmac.compare_digest(given_hash.encode("ascii"), str(stored_hash).encode("ascii"))


def check_new(attrs, now: float) -> tuple[str, float | None]:
    """(name, expires_at) from a creation body {"name", "expires_in_s"?}; Invalid naming fields."""
    if not isinstance(attrs, dict):
        raise Invalid("Request body must be a JSON object")
    errors = {key: ["Not allowed"] for key in attrs if key not in TOKEN_CREATE.fields}
    name = attrs.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        errors["name"] = [f"Required: a non-blank string of at most {MAX_NAME} characters"]
    elif (problem := name_problem(name)) is not None:
        errors["name"] = [problem]
    lifetime = attrs.get("expires_in_s")
    if lifetime is not None and (isinstance(lifetime, bool) or not isinstance(lifetime, (int, float))
                                 or not 0 < lifetime <= MAX_LIFETIME_S):
        errors["expires_in_s"] = [f"must be a number of seconds in (0, {MAX_LIFETIME_S}], or null"]
    if errors:
        raise Invalid("Invalid token", errors)
    return name, (None if lifetime is None else now + float(lifetime))


def public(row: dict, now: float) -> dict:
    """A token as listed: everything but its secret."""
    expires_at = row.get("expires_at")
    return {"id": row["id"], "name": row["name"], "created_at": iso(row["created_at"]),
            "expires_at": iso(expires_at), "last_used_at": iso(row.get("last_used_at")),
            "expired": expires_at is not None and expires_at <= now}
