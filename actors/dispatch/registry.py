"""Which actor owns each server (FQDN) and cluster (FSID).

The bus thread adds actors on first sight; the web tier (through the facade) and the ticker
read the tables from other threads, hence one lock. Starting an actor is the caller's (the
router's) business: it passes how, so this table needs no peers, and the peers can name its
lookups (the actors it starts look each other up through it).
"""
from __future__ import annotations

import threading
from typing import Callable

import pykka


class ActorRegistry:
    def __init__(self):
        self._lock = threading.Lock()
        self._servers: dict[str, pykka.ActorRef] = {}
        self._clusters: dict[str, pykka.ActorRef] = {}

    def server(self, fqdn: str, start: Callable[[str], pykka.ActorRef]) -> pykka.ActorRef:
        """The server's live actor, start(fqdn) made and kept when there is none."""
        with self._lock:
            ref = self._servers.get(fqdn)
            if ref is None or not ref.is_alive():
                ref = self._servers[fqdn] = start(fqdn)
            return ref

    def cluster(self, fsid: str, start: Callable[..., pykka.ActorRef], *args) -> tuple[pykka.ActorRef, bool]:
        """(the cluster's live actor, whether start(fsid, *args) just made it). start runs
        under the lock: a ClusterActor shares its query cache while being built (read_models.py)."""
        with self._lock:
            ref = self._clusters.get(fsid)
            if ref is not None and ref.is_alive():
                return ref, False
            ref = self._clusters[fsid] = start(fsid, *args)
            return ref, True

    def put_server(self, fqdn: str, ref: pykka.ActorRef) -> None:
        """Keep an actor started elsewhere (a restored server)."""
        with self._lock:
            self._servers[fqdn] = ref

    def cluster_ref(self, fsid: str) -> pykka.ActorRef | None:
        with self._lock:
            return self._clusters.get(fsid)

    def server_ref(self, fqdn: str) -> pykka.ActorRef | None:
        with self._lock:
            return self._servers.get(fqdn)

    def cluster_fsids(self) -> set[str]:
        with self._lock:
            return set(self._clusters)

    def servers_and_clusters(self) -> tuple[list[pykka.ActorRef], list[pykka.ActorRef]]:
        """Every server's and cluster's actor, each list in the order they were first seen."""
        with self._lock:
            return list(self._servers.values()), list(self._clusters.values())

    def pop_cluster(self, fsid: str) -> pykka.ActorRef | None:
        with self._lock:
            return self._clusters.pop(fsid, None)

    def pop_server(self, fqdn: str) -> pykka.ActorRef | None:
        with self._lock:
            return self._servers.pop(fqdn, None)
