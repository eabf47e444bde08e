"""Per-client-address login throttling, checked before the (deliberately slow) password hash.

One global cap on logins in progress let a single guesser starve everyone's logins. Here each
client address has its own budget, so an address can only use up its own:
* at most `max_in_flight` logins in progress at once (the failure delay included), and
* failed logins refill at `failures_per_minute`, up to a burst of `burst` (a token bucket):
  only failures spend, so people and scripts that log in right are never slowed.
Over either budget the login answers 429 with Retry-After, before any password work.

Pure and single-threaded (the Tornado loop): `now` is a parameter. Memory is bounded: an
address whose bucket is full with nothing in flight is the same as a new one and is dropped
when the table is full; if every entry is busy, new addresses are refused (429) until some
finish, never more than `max_clients` entries are kept.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class _Client:
    tokens: float
    updated: float
    in_flight: int = 0


class Throttled(Exception):
    def __init__(self, retry_after_s: int):
        super().__init__(f"retry after {retry_after_s} s")
        self.retry_after_s = retry_after_s


class LoginThrottle:
    def __init__(self, max_in_flight: int = 4, failures_per_minute: float = 30.0, burst: int = 10,
                 max_clients: int = 10_000):
        if max_in_flight < 1 or failures_per_minute <= 0 or burst < 1 or max_clients < 1:
            raise ValueError("login throttle limits must be positive")
        self.max_in_flight, self.burst, self.max_clients = max_in_flight, burst, max_clients
        self.rate = failures_per_minute / 60.0          # tokens per second
        self._clients: dict[str, _Client] = {}

    def admit(self, client: str, now: float) -> None:
        """Count a login from `client` in progress, or raise Throttled. Pair with `release`."""
        entry = self._entry(client, now)
        if entry.in_flight >= self.max_in_flight:
            raise Throttled(1)
        if entry.tokens < 1.0:
            raise Throttled(max(1, math.ceil((1.0 - entry.tokens) / self.rate)))
        entry.in_flight += 1

    def failed(self, client: str, now: float) -> None:
        """A login from `client` failed: it spends from the address's failure budget."""
        entry = self._clients.get(client)
        if entry is not None:
            self._refill(entry, now)
            entry.tokens = max(0.0, entry.tokens - 1.0)

    def release(self, client: str) -> None:
        entry = self._clients.get(client)
        if entry is not None and entry.in_flight > 0:
            entry.in_flight -= 1

    def _entry(self, client: str, now: float) -> _Client:
        entry = self._clients.get(client)
        if entry is None:
            if len(self._clients) >= self.max_clients:
                self._forget_idle(now)
                if len(self._clients) >= self.max_clients:
                    raise Throttled(1)
            entry = self._clients[client] = _Client(tokens=float(self.burst), updated=now)
        self._refill(entry, now)
        return entry

    def _refill(self, entry: _Client, now: float) -> None:
        entry.tokens = min(float(self.burst), entry.tokens + max(0.0, now - entry.updated) * self.rate)
        entry.updated = now

    def _forget_idle(self, now: float) -> None:
        for client, entry in list(self._clients.items()):
            self._refill(entry, now)
            if entry.in_flight == 0 and entry.tokens >= self.burst:
                del self._clients[client]
