"""The facade's short-lived memory of valid credentials (sessions and API tokens).

Every request is authenticated; most answers come from here instead of the store. An entry is
trusted until `trusted_until` (at most SESSION_CACHE_S, never past the credential's own expiry)
and, for sessions, only while it has not been idle longer than the idle limit: hits record the
activity in memory (`last_seen`), which the facade hands to the store when it next asks.

Revocation must win against a lookup in flight: a request that missed the cache and is asking
the store may get its answer after a logout or a password change already dropped the entry.
Every drop bumps `generation`, and `put` refuses an answer to a question asked before a drop,
so a revoked credential is never re-cached (the next request asks the store, which says no).

Entries are written from the store's thread and read on the event loop: one lock, held briefly.
Every drop is also told to `on_drop(reason)` (outside the lock): open live streams check their
credential again at once (web/stream/).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable


@dataclass
class _Entry:
    user: dict
    trusted_until: float
    last_seen: float
    token_id: str | None = None


class AuthCache:
    def __init__(self, on_drop: Callable[[str], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self.generation = 0
        self._on_drop = on_drop

    def get(self, key: str, now: float, idle_s: float | None = None) -> tuple[dict | None, float | None]:
        """(user, None) on a hit; (None, last activity seen here or None) on a miss."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None, None
            idle = idle_s is not None and now - entry.last_seen > idle_s
            if entry.trusted_until > now and not idle:
                entry.last_seen = now
                return entry.user, None
            del self._entries[key]
            return None, entry.last_seen

    def put(self, key: str, user: dict, trusted_until: float, now: float, asked_at: int,
            token_id: str | None = None) -> None:
        """Remember `user` for `key`, unless something was revoked since `asked_at` (a generation)."""
        with self._lock:
            if asked_at == self.generation:
                self._entries[key] = _Entry(user, trusted_until, now, token_id)

    def drop(self, key: str) -> None:
        self._drop(lambda k, _: k == key, "session ended")

    def drop_user(self, user_id: int) -> None:
        self._drop(lambda _, entry: entry.user["id"] == user_id, "account changed")

    def drop_token(self, token_id: str) -> None:
        self._drop(lambda _, entry: entry.token_id == token_id, "token revoked")

    def _drop(self, matches, reason: str) -> None:
        with self._lock:
            self.generation += 1
            for key in [k for k, entry in self._entries.items() if matches(k, entry)]:
                del self._entries[key]
        if self._on_drop is not None:
            self._on_drop(reason)
