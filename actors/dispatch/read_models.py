"""What the web tier reads without a trip through an actor: each cluster's summary (GET
cluster), its fleet row (GET fleet), its QueryCache (actors/cluster/queries.py) and whether it
synced since start (the readiness probe), published by the ClusterActors; and each managed
server's last contact, noted by the ServerDirectory."""
from __future__ import annotations

import threading

from actors.dispatch.registry import ActorRegistry


class ReadModels:
    def __init__(self, registry: ActorRegistry):
        self._registry = registry
        self._lock = threading.Lock()
        self._summaries: dict[str, dict] = {}
        self._query_caches: dict[str, object] = {}      # fsid -> its ClusterActor's QueryCache
        self._fleet_rows: dict[str, dict] = {}          # fsid -> its row (actors/cluster/views/fleet.py)
        self._contacts: dict[str, float | None] = {}    # managed server fqdn -> last contact
        self._synced: set[str] = set()                  # clusters synced since this start

    def publish_cluster(self, fsid: str, summary: dict | None) -> None:
        """A summary of a forgotten cluster is not kept: the registry is asked under this lock,
        and forgetting withdraws after the registry dropped the cluster, so a publish racing a
        forget either sees it gone or is withdrawn after. (Lock order: this one, then the
        registry's; nothing takes them the other way round.)"""
        with self._lock:
            if summary is None:
                self._summaries.pop(fsid, None)
            elif self._registry.cluster_ref(fsid) is not None:
                self._summaries[fsid] = summary

    def publish_fleet_row(self, fsid: str, row: dict) -> None:
        """Like publish_cluster: a row of a forgotten cluster is not kept."""
        with self._lock:
            if self._registry.cluster_ref(fsid) is not None:
                self._fleet_rows[fsid] = row

    def fleet_rows(self) -> list[dict]:
        with self._lock:
            return list(self._fleet_rows.values())

    def note_synced(self, fsid: str) -> None:
        """The cluster caught up since start (ClusterActor._note_synced); like publish_cluster, a
        forgotten cluster's is not kept."""
        with self._lock:
            if self._registry.cluster_ref(fsid) is not None:
                self._synced.add(fsid)

    def unsynced_count(self) -> int:
        """How many known clusters have not caught up since start (a set difference: microseconds
        at a thousand clusters, cheap enough for a load balancer's probe every second)."""
        with self._lock:
            return len(self._registry.cluster_fsids() - self._synced)

    def note_contact(self, fqdn: str, last_contact: float | None) -> None:
        """A managed server's latest contact; None: no longer managed (forgotten, inferred)."""
        if last_contact is None:
            self._contacts.pop(fqdn, None)
        else:
            self._contacts[fqdn] = last_contact   # one item set: atomic, no lock on this hot path

    def server_contact(self, fqdn: str) -> float | None:
        return self._contacts.get(fqdn)

    def contact_times(self) -> list[float]:
        """Every managed server's latest contact (a copy: the bus thread keeps writing; list() of a
        dict's values runs in C, without letting another thread in between)."""
        return list(self._contacts.values())

    def cluster_summaries(self) -> list[dict]:
        with self._lock:
            return [self._summaries[fsid] for fsid in sorted(self._summaries)]

    def cluster_summary(self, fsid: str) -> dict | None:
        """One cluster's entry of the list (None: not known), as fresh as the list's."""
        with self._lock:
            return self._summaries.get(fsid)

    def share_queries(self, fsid: str, cache) -> None:
        # No lock: ClusterActors are built (and call this) while the registry's lock is held;
        # one dict item set or get is atomic.
        self._query_caches[fsid] = cache

    def query_cache(self, fsid: str):
        """The cluster's QueryCache (actors/cluster/queries.py), or None."""
        return self._query_caches.get(fsid)

    def withdraw(self, fsid: str) -> None:
        """Forget a cluster's summary and cache (after the registry forgot the cluster)."""
        with self._lock:
            self._summaries.pop(fsid, None)
            self._query_caches.pop(fsid, None)
            self._fleet_rows.pop(fsid, None)
            self._synced.discard(fsid)
