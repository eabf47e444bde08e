"""What can go wrong talking to the API, each with the command's exit code for it.

0 done, 1 the request (or the API) failed, 2 bad input (click's usage errors and the API's 400),
3 not authenticated or not allowed (401/403, no or expired token), 4 the server cannot be reached.
"""
from __future__ import annotations

from typing import Any

DONE, FAILED, USAGE, AUTH, UNREACHABLE = 0, 1, 2, 3, 4


class CalamariError(Exception):
    """Any failure the command reports in one line and exits with `exit_code`."""
    exit_code = FAILED


class ApiError(CalamariError):
    """The API answered with an error status: its `detail` and per-field `errors`."""

    def __init__(self, status: int, detail: str, errors: dict[str, Any] | None = None):
        self.status, self.detail, self.errors = status, detail, errors or {}
        super().__init__(describe(detail, self.errors))


class InvalidInput(ApiError):
    """400: the API names the fields it refused."""
    exit_code = USAGE


class NotAuthenticated(ApiError):
    """401 or 403: no, a bad, an expired or a revoked token, or a role that may not do this."""
    exit_code = AUTH


class NotLoggedIn(CalamariError):
    """No credentials stored and none given."""
    exit_code = AUTH


class Unreachable(CalamariError):
    """No answer: connection refused, DNS, TLS or a timeout."""
    exit_code = UNREACHABLE


class RequestFailed(CalamariError):
    """A tracked request (the 202 workflow) completed with an error, or did not complete in time."""


def describe(detail: str, errors: dict[str, Any]) -> str:
    """The API's detail and its per-field messages as one line ("Invalid pool: pg_num: ...")."""
    named = [f"{name}: {' '.join(map(str, messages)) if isinstance(messages, list) else messages}"
             for name, messages in errors.items()]
    missing = [text for text in named if text not in detail]     # the API's detail often says it already
    return f"{detail} ({'; '.join(missing)})" if missing else detail


def error_for(status: int, body: Any) -> ApiError:
    """The typed error for an API error answer (`{"detail", "errors"}`, or anything else)."""
    detail, errors = f"HTTP {status}", {}
    if isinstance(body, dict):
        detail = str(body.get("detail") or detail)
        errors = body.get("errors") if isinstance(body.get("errors"), dict) else {}
    kind = InvalidInput if status == 400 else NotAuthenticated if status in (401, 403) else ApiError
    return kind(status, detail, errors)
