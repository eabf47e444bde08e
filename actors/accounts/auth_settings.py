"""How long sessions live and when failed logins lock an account (run.py flags; tests shrink them)."""
from __future__ import annotations

from dataclasses import dataclass

from actors.accounts.lockout import Limits

MAX_SESSION_S = 30 * 24 * 3600     # the signed cookie is refused past this age whatever the flag says


@dataclass(frozen=True)
class AuthSettings:
    session_idle_s: float = 3600.0          # a session unused this long ends
    session_max_s: float = 12 * 3600.0      # a session ends this long after login, used or not
    lockout_failures: int = 10              # consecutive failed logins from one client address that
                                            # lock the account for that address (0: never)
    lockout_s: float = 900.0                # how long a locked account stays locked
    # ... and from all addresses together, locking it for every address: higher, so one guesser
    # cannot lock the owner out, while guessing from many addresses is still capped (0: never).
    lockout_account_failures: int = 100

    def __post_init__(self):
        if not (0 < self.session_idle_s and 0 < self.session_max_s <= MAX_SESSION_S):
            raise ValueError(f"session limits must be positive, the maximum at most {MAX_SESSION_S} s")
        if self.lockout_failures < 0 or self.lockout_account_failures < 0 or self.lockout_s <= 0:
            raise ValueError("lockout failures must be >= 0 and the lockout period positive")

    @property
    def lockout_limits(self) -> Limits:
        return Limits(self.lockout_failures, self.lockout_account_failures, self.lockout_s)
