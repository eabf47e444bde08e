"""SimBackend: the CephBackend of one host of a SimCluster (what a real agent would see there)."""
from __future__ import annotations

from typing import Any

from agent.backend import SYNC_TYPES, JobError, UnknownFunction
from sim.model import SimCluster


class SimBackend:
    """One simulated server. `job_latency_s` and `dark` are knobs the minion reads: this class
    only stores them (the minion delays job answers / stops sending)."""

    def __init__(self, cluster: SimCluster, fqdn: str):
        if fqdn not in cluster.host_fqdns:
            raise KeyError(f"no host {fqdn!r} in cluster {cluster.name} ({cluster.fsid})")
        self.cluster = cluster
        self.fqdn = fqdn
        self.hostname = fqdn.split(".")[0]
        self.job_latency_s = 0.0
        self.dark = False

    def __repr__(self) -> str:
        return f"SimBackend({self.fqdn!r}, fsid={self.cluster.fsid!r})"

    def server_heartbeat(self) -> dict:
        return self.cluster.server_heartbeat(self.fqdn)

    def cluster_heartbeats(self) -> list[dict]:
        heartbeat = self.cluster.cluster_heartbeat(self.fqdn)
        return [] if heartbeat is None else [heartbeat]

    def run_job(self, function: str, args: dict) -> Any:
        if function == "get_cluster_object":
            return self._get_cluster_object(args)
        raise UnknownFunction(f"{self.fqdn} does not serve function {function!r}")

    def _get_cluster_object(self, args: dict) -> dict:
        if not isinstance(args, dict) or set(args) != {"fsid", "sync_type"}:
            got = sorted(args) if isinstance(args, dict) else type(args).__name__
            raise JobError(f"get_cluster_object takes arguments fsid and sync_type, got {got}")
        fsid, sync_type = args["fsid"], args["sync_type"]
        if fsid != self.cluster.fsid:
            raise JobError(f"{self.fqdn} serves cluster {self.cluster.fsid}, not fsid {fsid!r}")
        if sync_type not in SYNC_TYPES:
            raise JobError(f"unknown sync_type {sync_type!r}; expected one of {', '.join(SYNC_TYPES)}")
        return self.cluster.get_cluster_object(sync_type, fqdn=self.fqdn)
