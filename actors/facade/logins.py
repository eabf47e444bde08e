"""The facade's logins and the lockout sweep.

The password is checked with the slow KDF off the loop and the actors; then the store applies
the lockout rules (actors/accounts/lockout.py: per account and client address, and per account)
to the outcome in one transaction. A legacy (scrypt) hash is replaced by Argon2id at the first
successful login. An unknown username costs the same KDF work as a known one, and a locked
account gives the same answer as a wrong password, so neither which accounts exist nor which
are locked can be read from the answers. Locks and unlocks are events; a lock that runs out is
found by the periodic `sweep` (or by the next login attempt, whichever comes first).
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Executor, Future
from typing import Callable

import pykka

from actors.accounts import passwords, roles
from actors.accounts.auth_settings import AuthSettings
from actors.accounts.roles import public_user
from actors.errors import Unavailable
from actors.events import INFO, WARNING, Event
from actors.facade.accounts import MAX_PASSWORD
from actors.runtime.base import ask
from actors.runtime.futures import failed, then
from actors.storage.messages import ExpireLockouts, GetUserByName, RecordLogin, RehashPassword

log = logging.getLogger(__name__)

MAX_LOGINS_IN_PROGRESS = 16


class Logins:
    def __init__(self, store: pykka.ActorRef, kdf: Executor, emit: Callable[..., None], clock,
                 auth: AuthSettings):
        """kdf: where the slow password checks run; auth: the lockout policy."""
        self._store = store
        self._kdf = kdf
        self._emit = emit
        self._clock = clock
        self._auth = auth
        self._kdf_lock = threading.Lock()
        self._kdf_pending = 0
        self._sweep_lock = threading.Lock()
        self._next_unlock: float | None = 0.0    # 0: locks may survive from before a restart

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
        result = then(ask(self._store, lambda r: GetUserByName(username, r)), check)
        result.add_done_callback(self._login_finished)
        return result

    def login_subject(self, username: str) -> Future:
        """How events may name whoever typed `username` at a failed login: the name if it is an
        account's, else only a hash of it (roles.unknown_user: it may well be a password)."""
        return then(ask(self._store, lambda r: GetUserByName(username, r)),
                    lambda user: username if user is not None else roles.unknown_user(username))

    def _login_finished(self, _future) -> None:
        with self._kdf_lock:
            self._kdf_pending -= 1

    def _after_check(self, user: dict, ok: bool, password: str, client: str) -> Future:
        recorded = self.record_login(user, ok, client)
        if ok and passwords.needs_rehash(user["password_hash"]):
            # An older (scrypt) or weaker hash: replace it now that the password is at hand.
            recorded.add_done_callback(lambda done_: done_.exception() is None and done_.result() is not None
                                       and self._rehash(user, password))
        return recorded

    def _rehash(self, user: dict, password: str) -> None:
        self._kdf.submit(passwords.hash_password, password).add_done_callback(
            lambda hashed: hashed.exception() is None and self._store.tell(
                RehashPassword(user["id"], user["password_hash"], hashed.result(), None)))

    def record_login(self, user: dict, password_ok: bool, client: str) -> Future:
        """Apply the lockout rules to an attempt (a login, or a current_password check) and
        emit its events; -> the public user if allowed, else None."""
        now, policy = self._clock(), self._auth

        def decide(outcome):
            if outcome is None:          # deleted while its password was being checked
                return None
            self._emit(*_lock_events(now, user["username"], client, outcome, policy))
            if not password_ok:
                self._lock_ends_at(now + policy.lockout_s)    # the sweep forgets stale counts then
            return public_user(user) if outcome.allowed else None
        return then(ask(self._store, lambda r: RecordLogin(user["id"], password_ok, client, now,
                                                           policy.lockout_limits, r)), decide)

    # --- the lockout sweep (on the ticker thread) -------------------------------------------------
    def sweep(self, now: float) -> None:
        with self._sweep_lock:
            if self._next_unlock is None or now < self._next_unlock:
                return
            self._next_unlock = None
        ask(self._store, lambda r: ExpireLockouts(now, now - self._auth.lockout_s, r)).add_done_callback(
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
