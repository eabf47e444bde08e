"""Login throttling: consecutive failures lock an account for a while. Pure: `now` is a parameter.

The store keeps each user's (failures, locked_until) and applies `after_login` to it in one
transaction, so parallel attempts count exactly. While locked, attempts neither count nor extend
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
