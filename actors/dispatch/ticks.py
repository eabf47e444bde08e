"""The periodic tick's fan-out: jobs past their deadline fail, then every cluster's actor, the
request tracker and, in turns, the servers' actors are told Tick."""
from __future__ import annotations

import math
import threading

import pykka

from actors.dispatch.jobs import JobBook
from actors.dispatch.registry import ActorRegistry
from actors.messages import Tick


class Ticks:
    def __init__(self, registry: ActorRegistry, jobs: JobBook, tracker: pykka.ActorRef | None,
                 heartbeat_s: float):
        """tracker: the request tracker (None in some unit tests); heartbeat_s: the agents'
        period, which paces the servers' turns."""
        self._registry = registry
        self._jobs = jobs
        self._tracker = tracker
        self._heartbeat_s = heartbeat_s
        self._lock = threading.Lock()                    # guards the turn below
        self._last_server_tick: float | None = None
        self._server_cursor = 0                          # where the next servers' ticks start

    def tick(self, now: float) -> None:
        self._jobs.expire(now)
        servers, clusters = self._registry.servers_and_clusters()
        refs = self._servers_due(servers, now) + clusters
        if self._tracker is not None:
            refs.append(self._tracker)
        for ref in refs:
            try:
                ref.tell(Tick(now))
            except pykka.ActorDeadError:
                pass

    def _servers_due(self, refs: list[pykka.ActorRef], now: float) -> list[pykka.ActorRef]:
        """The ServerActors to tick now. A server's tick only checks whether it is late (after
        several heartbeat periods), so each gets one every half period, in turns: 10,000
        servers do not cost 10,000 messages every second."""
        if not refs:
            return []
        period = self._heartbeat_s / 2
        with self._lock:
            elapsed = period if self._last_server_tick is None else now - self._last_server_tick
            self._last_server_tick = now
            count = min(len(refs), math.ceil(len(refs) * max(0.0, elapsed) / period))
            start = self._server_cursor % len(refs)
            self._server_cursor = start + count
        return (refs[start:] + refs[:start])[:count]
