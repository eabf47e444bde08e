"""A per-sender rate cap for inbound bus messages (a token bucket per sender).

Without it one agent in a loop fills the actors' unbounded mailboxes faster than they drain, and
the daemon's memory grows with the flood. Normal traffic is a few messages per heartbeat period
(plus job results in bursts), far under the cap; what goes over it is dropped and counted.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from typing import Callable

RATE_PER_S = 100.0
BURST = 1000
MAX_SENDERS = 20_000   # the table forgets the least recently seen sender beyond this


class FloodGuard:
    """Not thread-safe: the bus thread is its only user."""

    def __init__(self, rate_per_s: float = RATE_PER_S, burst: int = BURST,
                 max_senders: int = MAX_SENDERS, clock: Callable[[], float] = time.monotonic):
        self._rate = rate_per_s
        self._burst = float(burst)
        self._max = max_senders
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # sender -> (tokens, at)

    def allow(self, sender: str) -> bool:
        now = self._clock()
        tokens, last = self._buckets.pop(sender, (self._burst, now))
        tokens = min(self._burst, tokens + (now - last) * self._rate)
        allowed = tokens >= 1.0
        self._buckets[sender] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        return allowed
