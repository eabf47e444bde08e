"""Audit events: one per write request (POST/PUT/PATCH/DELETE), whatever its outcome. Pure.

The web tier reports each finished write once (web.base.BaseHandler.on_finish) with who, what
and how it ended; this module turns that into an ordinary Event, so audit entries are listed,
filtered and kept like every other event. Bodies are never part of it: passwords and tokens
travel in bodies and headers, never in the method, the path or the status. A handler may add a
`detail` it built from the body with secrets redacted (the cli command).
"""
from __future__ import annotations

from actors.events import ERROR, INFO, WARNING, Event

MAX_PATH = 300          # a fuzzer's megabyte URL must not become a megabyte event
MAX_WHO = 160
MAX_DETAIL = 300        # e.g. the cli command, already redacted by the caller


def _clip(text: str, limit: int) -> str:
    """At most `limit` characters, control characters replaced: a username typed at the login
    is anybody's text, and must not forge a second line in the log."""
    text = "".join(c if c.isprintable() else "?" for c in text[:limit + 1])
    return text if len(text) <= limit else text[:limit] + "…"


def severity(status: int) -> int:
    """Refused writes (401/403) are worth a look; server failures more so; the rest is routine."""
    if status >= 500:
        return ERROR
    if status in (401, 403):
        return WARNING
    return INFO


def audit_event(now: float, who: str | None, method: str, path: str, status: int,
                request_id: str | None = None, fsid: str | None = None,
                fqdn: str | None = None, detail: str | None = None) -> Event:
    """`detail` says what was asked where the path alone does not (the cli command); the caller
    has already redacted secrets from it."""
    message = f"Audit: {_clip(who or 'anonymous', MAX_WHO)} {method} {_clip(path, MAX_PATH)} -> {status}"
    if request_id:
        message += f" (request {request_id})"
    if detail:
        message += f" [{_clip(detail, MAX_DETAIL)}]"
    return Event(now, severity(status), message, fsid=fsid, fqdn=fqdn, audit=True)


def anonymous_refused(now: float, source: str, method: str, path: str, status: int, window_s: float) -> Event:
    """The first refused anonymous write from `source` in a window; the rest are only counted."""
    return Event(now, WARNING, f"Audit: anonymous {method} {_clip(path, MAX_PATH)} -> {status} from "
                               f"{_clip(source, MAX_WHO)} (more from there within {window_s:.0f}s are "
                               "counted, not listed)", audit=True)


def anonymous_summary(now: float, source: str, count: int, window_s: float) -> Event:
    return Event(now, WARNING, f"Audit: {count} more refused anonymous requests from "
                               f"{_clip(source, MAX_WHO)} within {window_s:.0f}s of the first", audit=True)
