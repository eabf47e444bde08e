"""Login throttling: consecutive failures lock an account for a while. Pure: `now` is a parameter.

Two counters per attempt (`after_attempt`): one per (account, client address), which locks
only that address out of that account after `client_failures`, and one per account over every
address, with a higher limit (`account_failures`). So a stranger guessing from one address
cannot lock the owner out (only themselves), while guessing spread over many addresses is
still capped. A wrong `current_password` when changing a password counts like a failed login.

The store keeps each user's (failures, locked_until) and each (user, address)'s, and applies
`after_attempt` to them in one transaction, so parallel attempts count exactly. While locked, attempts neither count nor extend
the lock (otherwise anyone could keep an account locked for ever by trying once per period),
and even the right password is refused. A lock whose time has passed is cleared by the next
attempt or by the periodic sweep, whichever comes first; either reports it once as `unlocked`.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LoginState:
    failures: int = 0
    locked_until: float | None = None

    def locked(self, now: float) -> bool:
        return self.locked_until is not None and self.locked_until > now

    def lock_expired(self, now: float) -> bool:
        return self.locked_until is not None and self.locked_until <= now


@dataclass(frozen=True)
class LoginOutcome:
    allowed: bool                  # the login succeeds (right password, account not locked)
    locked_now: bool = False       # this failure locked the account
    unlocked: bool = False         # an expired lock was cleared by this attempt
    failures: int = 0              # consecutive failures after this attempt


def after_login(state: LoginState, password_ok: bool, now: float, max_failures: int,
                lockout_s: float) -> tuple[LoginState, LoginOutcome]:
    """The new state and what happened. max_failures <= 0 disables locking."""
    unlocked = state.lock_expired(now)
    if unlocked:
        state = LoginState()
    if state.locked(now):
        return state, LoginOutcome(allowed=False, failures=state.failures)
    if password_ok:
        return LoginState(), LoginOutcome(allowed=True, unlocked=unlocked)
    failures = state.failures + 1
    if 0 < max_failures <= failures:
        return (LoginState(failures, now + lockout_s),
                LoginOutcome(allowed=False, locked_now=True, unlocked=unlocked, failures=failures))
    return LoginState(failures), LoginOutcome(allowed=False, unlocked=unlocked, failures=failures)


@dataclass(frozen=True)
class Limits:
    client_failures: int           # per (account, client address); <= 0: never lock
    account_failures: int          # per account over every address; <= 0: never lock
    lockout_s: float


@dataclass(frozen=True)
class AttemptOutcome:
    allowed: bool
    client_locked_now: bool = False     # this failure locked the account for this address
    account_locked_now: bool = False    # this failure locked the account for every address
    client_unlocked: bool = False       # an expired lock (this address) was cleared by this attempt
    account_unlocked: bool = False      # an expired lock (every address) was cleared by this attempt
    client_failures: int = 0
    account_failures: int = 0


def after_attempt(account: LoginState, client: LoginState, password_ok: bool, now: float,
                  limits: Limits) -> tuple[LoginState, LoginState, AttemptOutcome]:
    """The new (account, client) states and what happened. While either is locked nothing counts
    and even the right password is refused; a success clears both counters."""
    account_unlocked, client_unlocked = account.lock_expired(now), client.lock_expired(now)
    account = LoginState() if account_unlocked else account
    client = LoginState() if client_unlocked else client
    if account.locked(now) or client.locked(now):
        return account, client, AttemptOutcome(False, client_unlocked=client_unlocked,
                                               account_unlocked=account_unlocked,
                                               client_failures=client.failures,
                                               account_failures=account.failures)
    account, on_account = after_login(account, password_ok, now, limits.account_failures, limits.lockout_s)
    client, on_client = after_login(client, password_ok, now, limits.client_failures, limits.lockout_s)
    return account, client, AttemptOutcome(
        password_ok, client_locked_now=on_client.locked_now, account_locked_now=on_account.locked_now,
        client_unlocked=client_unlocked, account_unlocked=account_unlocked,
        client_failures=on_client.failures, account_failures=on_account.failures)
