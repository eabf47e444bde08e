"""The one JSON error shape of every non-2xx answer: {"detail": str, "errors": {field: [msg]}}."""
from __future__ import annotations

from tornado.web import HTTPError


class ApiError(HTTPError):
    """An HTTP failure decided by the web tier, with a client-facing detail and field errors."""

    def __init__(self, status: int, detail: str, errors: dict | None = None,
                 headers: dict | None = None):
        super().__init__(status, "%s", detail)
        self.detail = detail
        self.errors = errors or {}
        self.headers = headers or {}


def invalid_field(field: str, message: str) -> ApiError:
    """400 naming one offending query parameter or body field."""
    return ApiError(400, f"Invalid {field}: {message}", {field: [message]})


def error_body(detail: str, errors: dict | None = None) -> dict:
    return {"detail": detail, "errors": errors or {}}
