"""The facade's logins, sessions, API tokens in use, lockout sweep and audit (mixed into DaemonApi).

Who is asking is settled here for every request: a session cookie's token or an API token,
answered from the AuthCache when it can (see actors/auth_cache.py for why revocation wins over
the cache), else from the store. Sessions end after `session_max_s` whatever happens, and
after `session_idle_s` without a request.

Logins: the password is checked with the slow KDF off the loop and the actors; then the store
applies the lockout rules (actors/lockout.py) to the outcome in one transaction. An unknown
username costs the same KDF work as a known one, and a locked account gives the same answer
as a wrong password, so neither which accounts exist nor which are locked can be read from
the answers. Locks and unlocks are events; a lock that runs out is found by the periodic
`tick` (or by the next login attempt, whichever comes first).
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future

from actors import api_tokens, passwords
from actors.audit import audit_event
from actors.auth_cache import AuthCache
from actors.auth_settings import AuthSettings
from actors.base import ask
from actors.errors import Unavailable
from actors.events import INFO, WARNING, Event
from actors.facade_accounts import MAX_PASSWORD
from actors.futures import done, failed, then
from actors.messages import EmitEvents
from actors.roles import public_user
from actors.store_messages import (DeleteSession, ExpireLockouts, GetSession, GetTokenUser, GetUserByName,
                                   RecordLogin, SaveSession, TouchSession)

log = logging.getLogger(__name__)

MAX_LOGINS_IN_PROGRESS = 16
SESSION_CACHE_S = 30.0   # a credential seen valid is trusted this long without asking the store


class SessionsMixin:
    def _init_sessions(self, auth: AuthSettings | None) -> None:
        self.auth = auth or AuthSettings()
        self._auth_cache = AuthCache()
        self._kdf_lock = threading.Lock()
        self._kdf_pending = 0
        self._sweep_lock = threading.Lock()
        self._next_unlock: float | None = 0.0    # 0: locks may survive from before a restart

    def _emit(self, *events: Event) -> None:
        if events:
            self.dispatcher.eventer.tell(EmitEvents(tuple(events)))

    # --- logins ----------------------------------------------------------------------------------
    def authenticate(self, username: str, password: str) -> Future:
        # A flood of logins must not queue without bound behind the slow KDF (real users would
        # then time out): past a few checks in progress, answer 503 at once.
        with self._kdf_lock:
            if self._kdf_pending >= MAX_LOGINS_IN_PROGRESS:
                return failed(Unavailable("Too many logins in progress; try again shortly"))
            self._kdf_pending += 1
        password = password[:MAX_PASSWORD + 1]   # the policy allows no longer: hash no megabytes

        def check(user):
            if user is None:
                # Same cost as a real check, so timing does not reveal which usernames exist.
                return self._kdf.submit(_burn_equal_time, password)
            verified = self._kdf.submit(passwords.verify_password, password, user["password_hash"])
            return then(verified, lambda ok: self._record_login(user, ok))
        result = then(ask(self.store, lambda r: GetUserByName(username, r)), check)
        result.add_done_callback(self._login_finished)
        return result

    def _login_finished(self, _future) -> None:
        with self._kdf_lock:
            self._kdf_pending -= 1

    def _record_login(self, user: dict, password_ok: bool) -> Future:
        now, policy = self.clock(), self.auth

        def decide(outcome):
            if outcome is None:          # deleted while its password was being checked
                return None
            if outcome.unlocked:
                self._emit(_unlocked_event(now, user["username"]))
            if outcome.locked_now:
                self._lock_ends_at(now + policy.lockout_s)
                self._emit(Event(now, WARNING, f"Account '{user['username']}' locked for "
                                 f"{policy.lockout_s:g} s after {outcome.failures} failed logins"))
            return public_user(user) if outcome.allowed else None
        return then(ask(self.store, lambda r: RecordLogin(user["id"], password_ok, now, policy.lockout_failures,
                                                          policy.lockout_s, r)), decide)

    # --- the lockout sweep (called by the ticker thread) --------------------------------------------
    def tick(self) -> None:
        now = self.clock()
        with self._sweep_lock:
            if self._next_unlock is None or now < self._next_unlock:
                return
            self._next_unlock = None
        ask(self.store, lambda r: ExpireLockouts(now, r)).add_done_callback(
            lambda future: self._swept(future, now))

    def _swept(self, future: Future, now: float) -> None:
        if future.exception() is not None:
            log.warning("lockout sweep failed: %s", future.exception())
            self._lock_ends_at(now)      # try again at the next tick
            return
        usernames, next_end = future.result()
        self._emit(*(_unlocked_event(now, name) for name in usernames))
        if next_end is not None:
            self._lock_ends_at(next_end)

    def _lock_ends_at(self, when: float) -> None:
        with self._sweep_lock:
            self._next_unlock = when if self._next_unlock is None else min(self._next_unlock, when)

    # --- sessions --------------------------------------------------------------------------------
    def create_session(self, user_id: int) -> Future:
        token = passwords.new_token()
        now = self.clock()
        self.store.tell(SaveSession(passwords.token_hash(token), user_id, now, now + self.auth.session_max_s))
        return done(token)

    def session_user(self, token: str) -> Future:
        key, now, idle_s = passwords.token_hash(token), self.clock(), self.auth.session_idle_s
        user, last_seen = self._auth_cache.get(key, now, idle_s)
        if user is not None:
            return done(user)
        asked_at = self._auth_cache.generation
        if last_seen is not None:        # activity the cache saw since the store last did
            self.store.tell(TouchSession(key, last_seen))
        return then(ask(self.store, lambda r: GetSession(key, now, idle_s, r)),
                    lambda found: self._remember(key, found, now, asked_at))

    def end_session(self, token: str) -> Future:
        key = passwords.token_hash(token)
        self.store.tell(DeleteSession(key))   # first: a lookup asked after the drop sees it gone
        self._auth_cache.drop(key)
        return done(None)

    def _remember(self, key: str, found: dict | None, now: float, asked_at: int,
                  token_id: str | None = None) -> dict | None:
        if not found:
            return None
        user = public_user(found["user"])
        expires_at = found["expires_at"]
        until = now + SESSION_CACHE_S if expires_at is None else min(now + SESSION_CACHE_S, expires_at)
        self._auth_cache.put(key, user, until, now, asked_at, token_id)
        return user

    # --- API tokens in use -------------------------------------------------------------------------
    def token_user(self, token: str) -> Future:
        parsed = api_tokens.parse(token)
        if parsed is None:
            return done(None)
        key, now = passwords.token_hash(token), self.clock()
        user, _ = self._auth_cache.get(key, now)      # tokens have no idle limit
        if user is not None:
            return done(user)
        asked_at = self._auth_cache.generation
        token_id, secret_hash = parsed
        return then(ask(self.store, lambda r: GetTokenUser(token_id, secret_hash, now, r)),
                    lambda found: self._remember(key, found, now, asked_at, token_id))

    # --- audit ---------------------------------------------------------------------------------------
    def record_audit(self, who: str | None, method: str, path: str, status: int, *,
                     request_id: str | None = None, fsid: str | None = None,
                     fqdn: str | None = None, detail: str | None = None) -> Future:
        self._emit(audit_event(self.clock(), who, method, path, status, request_id, fsid, fqdn,
                                detail))
        return done(None)


def _unlocked_event(now: float, username: str) -> Event:
    return Event(now, INFO, f"Account '{username}' unlocked")


_DUMMY_HASH: list[str] = []  # made on first use: hashing at import would slow every start-up


def _burn_equal_time(password: str) -> None:
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(passwords.hash_password("not a real password"))
    passwords.verify_password(password, _DUMMY_HASH[0])
    return None
