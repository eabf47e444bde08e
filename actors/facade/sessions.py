"""The facade's logins, sessions, API tokens in use, lockout sweep and audit (mixed into DaemonApi).

Who is asking is settled here for every request: a session cookie's token or an API token,
answered from the AuthCache when it can (see actors/accounts/auth_cache.py for why revocation wins over
the cache), else from the store. Sessions end after `session_max_s` whatever happens, and
after `session_idle_s` without a request.

Logins: the password is checked with the slow KDF off the loop and the actors; then the store
applies the lockout rules (actors/accounts/lockout.py: per account and client address, and per account)
to the outcome in one transaction. A legacy (scrypt) hash is replaced by Argon2id at the first
successful login. An unknown
username costs the same KDF work as a known one, and a locked account gives the same answer
as a wrong password, so neither which accounts exist nor which are locked can be read from
the answers. Locks and unlocks are events; a lock that runs out is found by the periodic
`tick` (or by the next login attempt, whichever comes first).
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future

from actors.accounts import api_tokens, passwords, roles
from actors.accounts.audit import anonymous_refused, anonymous_summary, audit_event
from actors.accounts.auth_cache import AuthCache
from actors.accounts.auth_settings import AuthSettings
from actors.runtime.base import ask
from actors.bursts import Bursts
from actors.errors import Unavailable
from actors.events import INFO, WARNING, Event
from actors.facade.accounts import MAX_PASSWORD
from actors.runtime.futures import done, failed, then
from actors.messages import EmitEvents
from actors.accounts.roles import public_user
from actors.storage.messages import (DeleteSession, ExpireLockouts, GetSession, GetTokenUser, GetUserByName,
                                   RecordLogin, RehashPassword, SaveSession, TouchSession)

log = logging.getLogger(__name__)

MAX_LOGINS_IN_PROGRESS = 16
ANONYMOUS_WINDOW_S = 60.0
MAX_ANONYMOUS_SOURCES = 100   # addresses counted apiece per window; beyond, one shared count
SESSION_CACHE_S = 30.0   # a credential seen valid is trusted this long without asking the store


class SessionsMixin:
    def _init_sessions(self, auth: AuthSettings | None) -> None:
        self.auth = auth or AuthSettings()
        self._auth_cache = AuthCache()
        self._kdf_lock = threading.Lock()
        self._kdf_pending = 0
        self._sweep_lock = threading.Lock()
        self._next_unlock: float | None = 0.0    # 0: locks may survive from before a restart
        self._anonymous = Bursts(ANONYMOUS_WINDOW_S)   # refused anonymous writes per address
        self._anonymous_lock = threading.Lock()

    def _emit(self, *events: Event) -> None:
        if events:
            self.dispatcher.eventer.tell(EmitEvents(tuple(events)))

    # --- logins ----------------------------------------------------------------------------------
    def authenticate(self, username: str, password: str, client: str = "") -> Future:
        """The user, or None (wrong password, unknown user, locked for `client` or for all).
        Per-address throttling happens in the web tier before this; this global cap is the last
        resort: a flood must not queue without bound behind the slow KDF (real users would then
        time out), so past a few checks in progress it answers 503 at once."""
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
            return then(verified, lambda ok: self._after_check(user, ok, password, client))
        result = then(ask(self.store, lambda r: GetUserByName(username, r)), check)
        result.add_done_callback(self._login_finished)
        return result

    def login_subject(self, username: str) -> Future:
        """How events may name whoever typed `username` at a failed login: the name if it is an
        account's, else only a hash of it (roles.unknown_user: it may well be a password)."""
        return then(ask(self.store, lambda r: GetUserByName(username, r)),
                    lambda user: username if user is not None else roles.unknown_user(username))

    def _login_finished(self, _future) -> None:
        with self._kdf_lock:
            self._kdf_pending -= 1

    def _after_check(self, user: dict, ok: bool, password: str, client: str) -> Future:
        recorded = self._record_login(user, ok, client)
        if ok and passwords.needs_rehash(user["password_hash"]):
            # An older (scrypt) or weaker hash: replace it now that the password is at hand.
            recorded.add_done_callback(lambda done_: done_.exception() is None and done_.result() is not None
                                       and self._rehash(user, password))
        return recorded

    def _rehash(self, user: dict, password: str) -> None:
        self._kdf.submit(passwords.hash_password, password).add_done_callback(
            lambda hashed: hashed.exception() is None and self.store.tell(
                RehashPassword(user["id"], user["password_hash"], hashed.result(), None)))

    def _record_login(self, user: dict, password_ok: bool, client: str) -> Future:
        """Apply the lockout rules to an attempt (a login, or a current_password check) and
        emit its events; -> the public user if allowed, else None."""
        now, policy = self.clock(), self.auth

        def decide(outcome):
            if outcome is None:          # deleted while its password was being checked
                return None
            self._emit(*_lock_events(now, user["username"], client, outcome, policy))
            if not password_ok:
                self._lock_ends_at(now + policy.lockout_s)    # the sweep forgets stale counts then
            return public_user(user) if outcome.allowed else None
        return then(ask(self.store, lambda r: RecordLogin(user["id"], password_ok, client, now,
                                                          policy.lockout_limits, r)), decide)

    # --- the lockout sweep (called by the ticker thread) --------------------------------------------
    def tick(self) -> None:
        now = self.clock()
        self._anonymous_summaries(now)
        with self._sweep_lock:
            if self._next_unlock is None or now < self._next_unlock:
                return
            self._next_unlock = None
        ask(self.store, lambda r: ExpireLockouts(now, now - self.auth.lockout_s, r)).add_done_callback(
            lambda future: self._swept(future, now))

    def _swept(self, future: Future, now: float) -> None:
        if future.exception() is not None:
            log.warning("lockout sweep failed: %s", future.exception())
            self._lock_ends_at(now)      # try again at the next tick
            return
        unlocked, next_end = future.result()
        self._emit(*(_unlocked_event(now, name, client) for name, client in unlocked))
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
                     fqdn: str | None = None, detail: str | None = None,
                     client: str | None = None) -> Future:
        if who is None and status >= 400:
            self._anonymous_refusal(method, path, status, client or "an unknown address")
        else:
            self._emit(audit_event(self.clock(), who, method, path, status, request_id, fsid, fqdn,
                                   detail))
        return done(None)

    def _anonymous_refusal(self, method: str, path: str, status: int, client: str) -> None:
        """Refused anonymous writes cost one event per address and minute, not one each: a
        client sending hundreds a second must not fill the event log. Past MAX_ANONYMOUS_SOURCES
        addresses in a window the rest share one count (a flood from many addresses)."""
        now = self.clock()
        with self._anonymous_lock:
            source = client if len(self._anonymous) < MAX_ANONYMOUS_SOURCES else "other addresses"
            first, earlier = self._anonymous.note((source,), now)
        if earlier:
            self._emit(anonymous_summary(now, source, earlier, ANONYMOUS_WINDOW_S))
        if first:
            self._emit(anonymous_refused(now, source, method, path, status, ANONYMOUS_WINDOW_S))

    def _anonymous_summaries(self, now: float) -> None:
        with self._anonymous_lock:
            due = self._anonymous.due(now)
        self._emit(*(anonymous_summary(now, source, count, ANONYMOUS_WINDOW_S) for (source,), count in due))


def _from(client: str | None) -> str:
    return f" for logins from {client}" if client else ""


def _unlocked_event(now: float, username: str, client: str | None = None) -> Event:
    return Event(now, INFO, f"Account '{username}' unlocked{_from(client)}")


def _lock_events(now: float, username: str, client: str, outcome, policy: AuthSettings) -> list[Event]:
    events = []
    if outcome.account_unlocked:
        events.append(_unlocked_event(now, username))
    if outcome.client_unlocked:
        events.append(_unlocked_event(now, username, client))
    if outcome.client_locked_now:
        events.append(Event(now, WARNING, f"Account '{username}' locked{_from(client)} for "
                            f"{policy.lockout_s:g} s after {outcome.client_failures} failed logins"))
    if outcome.account_locked_now:
        events.append(Event(now, WARNING, f"Account '{username}' locked for every address for "
                            f"{policy.lockout_s:g} s after {outcome.account_failures} failed logins"))
    return events


_DUMMY_HASH: list[str] = []  # made on first use: hashing at import would slow every start-up


def _burn_equal_time(password: str) -> None:
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(passwords.hash_password("not a real password"))
    passwords.verify_password(password, _DUMMY_HASH[0])
    return None
