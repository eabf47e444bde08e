"""What a log line is about (the HTTP request, the cluster, the server), known without changing
any call site: code that acts for one of them binds it here, and the JSON log format
(config/log_format.py) adds it to every record it writes meanwhile.

One ContextVar holds a small mapping ({"fsid": ...}, {"request_id": ...}). A ContextVar is per
thread and per asyncio task: a cluster actor binds its fsid once on its own thread, a pooled
server actor for the length of each turn, a web request in its handler's task (tasks it starts
inherit it), an agent in the tasks it spawns. Reading it costs one lookup per record.
"""
from __future__ import annotations

import contextvars
import logging
import re
import secrets
from typing import Mapping

FIELDS = ("request_id", "fsid", "fqdn")
_scope: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar("log_scope", default=None)

# A caller's X-Request-Id is kept only when it is plainly an id: nothing that could forge a log
# line, smuggle markup into a log viewer or grow without bound.
CALLER_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


def bind(**fields: str) -> contextvars.Token:
    """Add fields to the current scope (this thread or task); `unbind(token)` restores it."""
    current = _scope.get()
    return _scope.set({**current, **fields} if current else fields)


def enter(scope: Mapping[str, str] | None) -> contextvars.Token:
    """Replace the scope with a prepared mapping (a pooled actor's, each turn: no dict built)."""
    return _scope.set(scope)


def unbind(token: contextvars.Token) -> None:
    _scope.reset(token)


def current() -> Mapping[str, str]:
    return _scope.get() or {}


def new_request_id(offered: str | None = None) -> str:
    """The id of one HTTP request: the caller's X-Request-Id when it is a plain id, else 12 random
    hex digits."""
    if offered is not None and CALLER_REQUEST_ID.fullmatch(offered):
        return offered
    return secrets.token_hex(6)


class ScopeFilter(logging.Filter):
    """A handler's filter that copies the scope's fields onto each record (never drops one).
    Fields the call site passed itself (`extra=`) win."""

    def filter(self, record: logging.LogRecord) -> bool:
        scope = _scope.get()
        if scope:
            attributes = record.__dict__
            for name, value in scope.items():
                attributes.setdefault(name, value)
        return True
