"""Which manager an agent talks to, when it moves on, and which jobs it may still run.

Pure state (no sockets, no clocks: `now` is a parameter); the minion (agent/minion.py) asks it
before each heartbeat and tells it what arrives.

Endpoints: an agent may be given the bus endpoints of every manager of an HA group. It talks to
one at a time (one DEALER socket, so a manager never sees the same agent twice). The active
manager acknowledges each server heartbeat (protocol.HeartbeatAck); a standby runs no bus and a
deposed active stops acknowledging, so with more than one endpoint an agent that heard nothing
for SILENT_BEATS heartbeat periods, while it did send heartbeats, moves to the next endpoint
(round robin); it also moves at its next heartbeat when an established connection drops (the
manager's process died or its bus stopped), instead of waiting out the silence. With a single
endpoint it never moves: managers without HA never acknowledge.

Terms: every job of an HA manager carries its lease term (a fencing token). The agent keeps the
highest term it has seen in acks and jobs, and refuses a job with a lower one: it comes from a
manager that has been replaced, even if that manager does not know it yet.
"""
from __future__ import annotations

from typing import Iterable

SILENT_BEATS = 3   # heartbeat periods without an ack before an agent tries another manager


def parse_endpoints(spec: str | Iterable[str]) -> tuple[str, ...]:
    """"tcp://m1:8003,tcp://m2:8003" (or a list of them) -> the endpoints, in order.
    ValueError for an empty list, an empty item or a repeated one."""
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    endpoints = tuple(item.strip() for item in items)
    if not endpoints or any(not e for e in endpoints):
        raise ValueError(f"no endpoint, or an empty one, in {spec!r}")
    if len(set(endpoints)) != len(endpoints):
        raise ValueError(f"an endpoint is repeated in {spec!r}")
    return endpoints


class Failover:
    """The endpoint in use, and whether it has gone silent for too long."""

    def __init__(self, endpoints: tuple[str, ...], heartbeat_s: float):
        self.endpoints = endpoints
        self.heartbeat_s = heartbeat_s
        self.silent_after_s = SILENT_BEATS * heartbeat_s
        self._index = 0
        self._answered_at = 0.0   # when the endpoint in use last answered, or was connected to
        self._beats_since = 0     # heartbeats sent since then
        self._lost = False        # the established connection to it dropped

    @property
    def endpoint(self) -> str:
        return self.endpoints[self._index]

    @property
    def next_endpoint(self) -> str:
        return self.endpoints[(self._index + 1) % len(self.endpoints)]

    def connected(self, now: float) -> None:
        """A new connection gets a whole silence period to answer."""
        self._answered_at, self._beats_since, self._lost = now, 0, False

    def answered(self, now: float, lease_s: float = 0.0) -> None:
        self.connected(now)   # an answer after a drop: it came back (its bus restarted), stay
        # The member moved to gets until the old lease has run out (and a heartbeat) to take
        # over and answer: with a lease of more than 3 heartbeats, leaving sooner would go back
        # to the dead member just as the other one becomes active.
        self.silent_after_s = max(SILENT_BEATS * self.heartbeat_s, lease_s + self.heartbeat_s)

    def lost(self) -> None:
        """The session with the endpoint in use ended: the manager died or stopped its bus."""
        self._lost = True

    @property
    def was_lost(self) -> bool:
        return self._lost

    def beat_sent(self) -> None:
        self._beats_since += 1

    def silent_for(self, now: float) -> float:
        return now - self._answered_at

    def should_move(self, now: float) -> bool:
        """More than one endpoint, and the connection dropped or silence for the period although
        we did speak: an agent that sent nothing (dark, or its own beats failing) has no reason
        to blame the manager."""
        return len(self.endpoints) > 1 and (self._lost or (
            self._beats_since > 0 and self.silent_for(now) >= self.silent_after_s))

    def move(self, now: float) -> str:
        """On to the next endpoint (round robin); returns it."""
        self._index = (self._index + 1) % len(self.endpoints)
        self.connected(now)
        return self.endpoint


class Terms:
    """The highest lease term seen; 0 until an HA manager speaks."""

    def __init__(self) -> None:
        self.max_term = 0

    def ack(self, term: int) -> bool:
        """An ack in `term`: True if it is from a manager still current (not older than one
        seen), which then counts as an answer."""
        if term < self.max_term:
            return False
        self.max_term = term
        return True

    def admits(self, term: int) -> bool:
        """May a job of `term` run? (and a newer term raises the bar for every later job)"""
        return self.ack(term)

    def still_current(self, term: int) -> bool:
        """Asked again right before a job runs: an ack of a newer term may have come meanwhile."""
        return term >= self.max_term
