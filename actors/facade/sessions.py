"""The facade's sessions and API tokens in use: who is asking, settled for every request.

A session cookie's token or an API token is answered from the AuthCache when it can (see
actors/accounts/auth_cache.py for why revocation wins over the cache), else from the store.
Sessions end after `session_max_s` whatever happens, and after `session_idle_s` without a
request.
"""
from __future__ import annotations

from concurrent.futures import Future

import pykka

from actors.accounts import api_tokens, passwords
from actors.accounts.auth_cache import AuthCache
from actors.accounts.auth_settings import AuthSettings
from actors.accounts.roles import public_user
from actors.runtime.base import ask
from actors.runtime.futures import done, then
from actors.storage.messages import DeleteSession, GetSession, GetTokenUser, SaveSession, TouchSession

SESSION_CACHE_S = 30.0   # a credential seen valid is trusted this long without asking the store


class Sessions:
    def __init__(self, store: pykka.ActorRef, auth_cache: AuthCache, clock, auth: AuthSettings):
        """auth: the session limits."""
        self._store = store
        self._auth_cache = auth_cache
        self._clock = clock
        self._auth = auth

    def create_session(self, user_id: int) -> Future:
        token = passwords.new_token()
        now = self._clock()
        self._store.tell(SaveSession(passwords.token_hash(token), user_id, now, now + self._auth.session_max_s))
        return done(token)

    def session_user(self, token: str) -> Future:
        key, now, idle_s = passwords.token_hash(token), self._clock(), self._auth.session_idle_s
        user, last_seen = self._auth_cache.get(key, now, idle_s)
        if user is not None:
            return done(user)
        asked_at = self._auth_cache.generation
        if last_seen is not None:        # activity the cache saw since the store last did
            self._store.tell(TouchSession(key, last_seen))
        return then(ask(self._store, lambda r: GetSession(key, now, idle_s, r)),
                    lambda found: self._remember(key, found, now, asked_at))

    def end_session(self, token: str) -> Future:
        key = passwords.token_hash(token)
        self._store.tell(DeleteSession(key))   # first: a lookup asked after the drop sees it gone
        self._auth_cache.drop(key)
        return done(None)

    def token_user(self, token: str) -> Future:
        parsed = api_tokens.parse(token)
        if parsed is None:
            return done(None)
        key, now = passwords.token_hash(token), self._clock()
        user, _ = self._auth_cache.get(key, now)      # tokens have no idle limit
        if user is not None:
            return done(user)
        asked_at = self._auth_cache.generation
        token_id, secret_hash = parsed
        return then(ask(self._store, lambda r: GetTokenUser(token_id, secret_hash, now, r)),
                    lambda found: self._remember(key, found, now, asked_at, token_id))

    def _remember(self, key: str, found: dict | None, now: float, asked_at: int,
                  token_id: str | None = None) -> dict | None:
        if not found:
            return None
        user = public_user(found["user"])
        expires_at = found["expires_at"]
        until = now + SESSION_CACHE_S if expires_at is None else min(now + SESSION_CACHE_S, expires_at)
        self._auth_cache.put(key, user, until, now, asked_at, token_id)
        return user
