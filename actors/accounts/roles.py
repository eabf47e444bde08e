"""The three roles and what each may do. Pure: no I/O.

Roles are ranked: every role may do what the ones below it may. The web tier declares, per
handler and verb, the least role a request needs (web.base.BaseHandler.required_role); this
module only answers "is this role at least that one?".

Databases made before roles existed have only the `is_admin` flag: an administrator stays
`admin`, and any other account keeps what it could do then (cluster changes) as `operator`.
"""
from __future__ import annotations

import hashlib

READ_ONLY = "read-only"
OPERATOR = "operator"
ADMIN = "admin"
ROLES = (READ_ONLY, OPERATOR, ADMIN)          # least to most
_RANK = {role: rank for rank, role in enumerate(ROLES)}

DEFAULT_NEW_USER = READ_ONLY                   # least privilege unless an admin says otherwise
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A handler's required roles when every change it offers (now or later) is for administrators.
ADMIN_WRITES = {verb: ADMIN for verb in ("POST", "PUT", "PATCH", "DELETE")}


def allows(role: str | None, required: str) -> bool:
    """True if `role` may do what `required` may. An unknown or missing role may do nothing."""
    return isinstance(role, str) and role in _RANK and _RANK[role] >= _RANK[required]


def default_required(method: str) -> str:
    """Reads need any role; every change needs at least an operator unless a handler says more."""
    return READ_ONLY if method in SAFE_METHODS else OPERATOR


def stored_role(role: str | None, is_admin: bool) -> str:
    """The role of a user row: its `role` column, else what its old `is_admin` flag meant."""
    if isinstance(role, str) and role in _RANK:
        return role
    return ADMIN if is_admin else OPERATOR


def public_user(row: dict) -> dict:
    """A user as the API shows it (no hash, no login counters), with its effective role."""
    role = stored_role(row.get("role"), bool(row.get("is_admin")))
    return {"id": row["id"], "username": row["username"], "email": row.get("email") or "",
            "is_admin": role == ADMIN, "role": role}


def unknown_user(username: str) -> str:
    """How events name a username typed at a failed login that is no account: often a password
    typed in the wrong field, so never the text itself, only a short hash an administrator can
    compare with `sha256(name)` of a name they suspect."""
    digest = hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()
    return f"unknown user #{digest[:12]}"
