"""Test doubles of the agent tests: a Ceph backend answering from plain attributes."""
from __future__ import annotations

import threading

from agent.backend import JobError, UnknownFunction

FSID = "6f1b8e26-0000-4000-8000-000000000001"


class FakeBackend:
    """Answers heartbeats from plain attributes and serves a few jobs; records its job calls."""

    def __init__(self, fqdn: str = "node1.example.com", clusters: int = 1):
        self.fqdn = fqdn
        self.hostname = fqdn.split(".")[0]
        self.dark = False
        self.job_latency_s = 0.0
        self.fail_beats = False
        self.clusters = [{"fsid": FSID, "name": "ceph", "versions": {"osd_map": 12, "health": "abc"}}
                         ][:clusters]
        self._lock = threading.Lock()
        self._jobs: list[tuple[str, dict]] = []

    def server_heartbeat(self) -> dict:
        if self.fail_beats:
            raise OSError("admin socket went away")
        return {"fqdn": self.fqdn, "hostname": self.hostname, "boot_time": 1.7e9,
                "ceph_version": "17.2.7", "grains": {"os": "Linux"},
                "services": [{"fsid": FSID, "type": "mon", "id": self.hostname, "running": True,
                              "status": None, "version": "17.2.7"}]}

    def cluster_heartbeats(self) -> list[dict]:
        return list(self.clusters)

    def run_job(self, function: str, args: dict):
        with self._lock:
            self._jobs.append((function, args))
        if function == "echo":
            return {"echo": args}
        if function == "fail":
            raise JobError("pool 'rbd' does not exist")
        if function == "crash":
            raise ZeroDivisionError("division by zero")
        if function == "unencodable":
            return {"ids": {1, 2}}
        raise UnknownFunction(function)

    @property
    def jobs(self) -> list[tuple[str, dict]]:
        with self._lock:
            return list(self._jobs)
