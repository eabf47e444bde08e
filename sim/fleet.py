"""SimFleet: K simulated clusters whose servers run as agents over real ZeroMQ sockets.

All agents of a fleet share one AgentHost (one I/O thread, one socket per agent), so a thousand
simulated servers fit in one process. A driver thread advances the clusters' PG dynamics in
real time; tests can instead call `advance` themselves.
"""
from __future__ import annotations

import logging
import threading
import time

from agent.host import AgentHost, raise_open_files_limit
from sim.backend import SimBackend
from sim.model import SimCluster

log = logging.getLogger(__name__)


class SimFleet:
    def __init__(self, endpoint: str, *, clusters: int = 1, servers: int = 3, osds_per_server: int = 4,
                 heartbeat_s: float = 10.0, seed: int = 0, advance_every_s: float | None = 1.0):
        self.endpoint = endpoint
        self.heartbeat_s = heartbeat_s
        self.clusters = [SimCluster(index=i, seed=seed + i, hosts=servers, osds_per_host=osds_per_server)
                         for i in range(clusters)]
        self.backends: dict[str, SimBackend] = {}
        for cluster in self.clusters:
            for fqdn in cluster.host_fqdns:
                self.backends[fqdn] = SimBackend(cluster, fqdn)
        self.host = AgentHost(endpoint)
        self._advance_every_s = advance_every_s
        self._stopping = threading.Event()
        self._driver: threading.Thread | None = None

    def start(self) -> "SimFleet":
        raise_open_files_limit(4 * len(self.backends) + 256)
        for backend in self.backends.values():
            self.host.add(backend, self.heartbeat_s)
        self.host.start()
        if self._advance_every_s:
            self._driver = threading.Thread(target=self._drive, name="sim-driver", daemon=True)
            self._driver.start()
        log.info("simulated fleet: %d clusters, %d servers, connected to %s",
                 len(self.clusters), len(self.backends), self.endpoint)
        return self

    def _drive(self) -> None:
        last = time.monotonic()
        while not self._stopping.wait(self._advance_every_s):
            now = time.monotonic()
            for cluster in self.clusters:
                cluster.advance(now - last)
            last = now

    def stop(self, timeout_s: float = 3.0) -> None:
        self._stopping.set()
        for backend in self.backends.values():
            backend.close()   # self-test jobs blocked on purpose must not hold the shutdown
        if self._driver is not None:
            self._driver.join(timeout_s)
        self.host.stop(timeout_s)
