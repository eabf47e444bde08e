"""SimFleet: K simulated clusters whose servers run as agents over real ZeroMQ sockets.

All agents of a fleet share one AgentHost (one I/O thread, one socket per agent), so a thousand
simulated servers fit in one process. A driver thread advances the clusters' PG dynamics in
real time; tests can instead call `advance` themselves.

Every cluster takes `client_load` MB/s of synthetic client writes (sim/usage/), also when
resumed from a state dir: the load is the fleet's setting, not the cluster's state.

Each simulated server has its own CurveZMQ key pair, like a real agent: new ones in memory, or
kept as FQDN.key/FQDN.key_secret in `key_dir` so that a restarted fleet keeps its identities
(new keys for known servers would be refused by the manager as impostors).

With a `state_dir` the clusters outlive the fleet (sim/persist.py): each is saved there after
every change and resumed from there by the next fleet on the same directory (same fsids, pools,
epochs, OSD states; a saved cluster wins over the size arguments). Its keys then live in
`state_dir/keys` unless `key_dir` says otherwise.
"""
from __future__ import annotations

import logging
import math
import threading
import time

from agent.host import AgentHost, raise_open_files_limit
from agent.minion import Minion
from bus.curve import KeyPair, load_or_create, new_keypair
from sim.backend import SimBackend
from sim.model import SimCluster
from sim.persist import SimStateDir
from sim.usage.driver import DEFAULT_CLIENT_LOAD

log = logging.getLogger(__name__)


class SimFleet:
    def __init__(self, endpoint: str, *, server_key: str, clusters: int = 1, servers: int = 3,
                 osds_per_server: int = 4, heartbeat_s: float = 10.0, seed: int = 0,
                 advance_every_s: float | None = 1.0, key_dir: str | None = None,
                 first_cluster: int = 0, state_dir: str | None = None,
                 client_load: float = DEFAULT_CLIENT_LOAD):
        if not 0 <= client_load < math.inf:
            raise ValueError(f"client_load must be a number of MB/s >= 0, got {client_load!r}")
        self.endpoint = endpoint
        self.client_load = client_load
        self.heartbeat_s = heartbeat_s
        # first_cluster: fleets in several processes take disjoint index ranges, so their fsids
        # and host names (both derived from the index) do not collide; together they equal one
        # fleet of all the clusters.
        self.state = SimStateDir(state_dir) if state_dir else None
        if self.state and not key_dir:
            key_dir = str(self.state.path / "keys")
        self.clusters = [self._cluster(i, seed + i, servers, osds_per_server)
                         for i in range(first_cluster, first_cluster + clusters)]
        self.backends: dict[str, SimBackend] = {}
        for cluster in self.clusters:
            for fqdn in cluster.host_fqdns:
                self.backends[fqdn] = SimBackend(cluster, fqdn)
        self.keys: dict[str, KeyPair] = {
            fqdn: load_or_create(key_dir, fqdn)[0] if key_dir else new_keypair() for fqdn in self.backends}
        self.host = AgentHost(endpoint, server_key=server_key)
        self.minions: dict[str, Minion] = {}   # fqdn -> the agent now running for it
        self._advance_every_s = advance_every_s
        self._stopping = threading.Event()
        self._driver: threading.Thread | None = None

    def _cluster(self, index: int, seed: int, servers: int, osds_per_server: int) -> SimCluster:
        saved = self.state.load(index) if self.state else None
        if saved is None:
            cluster = SimCluster(index=index, seed=seed, hosts=servers, osds_per_host=osds_per_server,
                                 client_load=self.client_load)
        else:
            cluster = SimCluster.from_state(saved)
            cluster.client_load = self.client_load
            log.info("simulated cluster %s resumed from %s at OSD map epoch %d", cluster.fsid,
                     self.state.file_of(index), cluster.versions()["osd_map"])
        if self.state:
            cluster.saver = self.state.save
            cluster.checkpoint(force=True)   # a new cluster is on disk before anyone sees it
        return cluster

    def start(self) -> "SimFleet":
        raise_open_files_limit(6 * len(self.backends) + 256)
        for fqdn in self.backends:
            self._start_agent(fqdn)
        self.host.start()
        if self._advance_every_s:
            self._driver = threading.Thread(target=self._drive, name="sim-driver", daemon=True)
            self._driver.start()
        log.info("simulated fleet: %d clusters, %d servers, connected to %s",
                 len(self.clusters), len(self.backends), self.endpoint)
        return self

    def _start_agent(self, fqdn: str) -> Minion:
        self.minions[fqdn] = self.host.add(self.backends[fqdn], self.heartbeat_s, keys=self.keys[fqdn])
        return self.minions[fqdn]

    def restart_agent(self, fqdn: str, timeout_s: float = 3.0) -> Minion:
        """A new run of the agent of `fqdn` (same backend and keys, new incarnation), as after a
        crash or an upgrade; the jobs the old run was running die with it."""
        self.minions[fqdn].stop(timeout_s)
        # Its socket is closed: woken blocked self-tests answer nobody, and free their threads.
        self.backends[fqdn].release()
        return self._start_agent(fqdn)

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
        for cluster in self.clusters:
            cluster.checkpoint(force=True)   # simulated time and PG credits since the last change
