"""Domain errors. The web layer maps each to one HTTP status and the one JSON error shape."""
from __future__ import annotations


class DomainError(Exception):
    status = 500

    def __init__(self, detail: str, errors: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}


class NotFound(DomainError):
    status = 404

    @classmethod
    def of(cls, kind: str, ident) -> "NotFound":
        return cls(f"{kind} {ident!r} not found")


class Invalid(DomainError):
    """Bad input; `errors` maps each offending field to a list of messages."""
    status = 400


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class Unavailable(DomainError):
    """The data or the cluster cannot answer now (maps not arrived, no mon reachable)."""
    status = 503
