"""Readiness: may a load balancer send this daemon traffic? (GET /readyz, web/ops/health.py)

Ready is: the store's actor is alive and its last write committed, the agents' bus is bound,
and every cluster known has caught up since this start (its maps as new as its agents report,
or it is late: its agents are silent and the stored maps are all there will be; see
ClusterActor._note_synced). Until then the API would answer from a restored or missing map.

The reasons are fixed phrases: no fsid, name or count leaves, since the probe needs no login.
Every fact is a flag or a set difference read in place: no actor is asked, so a probe costs
microseconds and never waits behind a busy mailbox, whatever the fleet's size.
"""
from __future__ import annotations

from typing import Callable

import pykka

from actors.storage.actor import WriteHealth

STORE_NOT_WRITABLE = "store not writable"
BUS_NOT_BOUND = "agent bus not bound"
CLUSTERS_NOT_SYNCED = "clusters not yet synced since start"


class Readiness:
    def __init__(self, store: pykka.ActorRef, write_health: WriteHealth, unsynced_count: Callable[[], int],
                 bus_bound: Callable[[], bool] | None = None):
        """unsynced_count() -> the clusters not caught up since start (the Dispatcher's);
        bus_bound() -> whether the bus listens (None: a daemon without a bus)."""
        self._store, self._write_health = store, write_health
        self._unsynced_count, self._bus_bound = unsynced_count, bus_bound

    def reasons(self) -> list[str]:
        """Why the daemon is not ready; [] when it is. Any thread, never blocks."""
        reasons = []
        if not self._store.is_alive() or self._write_health.failing:
            reasons.append(STORE_NOT_WRITABLE)
        if self._bus_bound is not None and not self._bus_bound():
            reasons.append(BUS_NOT_BOUND)
        if self._unsynced_count():
            reasons.append(CLUSTERS_NOT_SYNCED)
        return reasons
