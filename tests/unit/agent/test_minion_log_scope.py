"""An agent's log records name it: its tasks and the backend calls it makes on its executor
threads run with its fqdn in the log scope (several minions share one loop in the simulator)."""
from __future__ import annotations

import threading

import pytest

from agent.host import start_alone
from agent.minion import Minion
from bus import log_context
from tests.bus_helpers import SERVER_KEYS
from tests.helpers import wait_until

pytestmark = pytest.mark.usefixtures("no_thread_leak")


class ScopeRecordingBackend:
    """A backend that notes the log scope its heartbeat calls run in."""

    def __init__(self, fqdn: str):
        self.fqdn = fqdn
        self.scopes: list[dict] = []
        self._lock = threading.Lock()

    def server_heartbeat(self) -> dict:
        with self._lock:
            self.scopes.append(dict(log_context.current()))
        return {"fqdn": self.fqdn, "hostname": self.fqdn.split(".")[0], "boot_time": 1.7e9,
                "ceph_version": "17.2.7", "grains": {}, "services": []}

    def cluster_heartbeats(self) -> list[dict]:
        return []


def test_the_backend_is_called_in_the_agents_own_scope():
    """No manager listens: beats are built (and dropped), which is all this needs."""
    backends = [ScopeRecordingBackend("node1.example.com"), ScopeRecordingBackend("node2.example.com")]
    minions = [Minion(b, "tcp://127.0.0.1:9", 0.02, server_key=SERVER_KEYS.public) for b in backends]
    try:
        for minion in minions:
            start_alone(minion)
        for backend in backends:
            wait_until(lambda: len(backend.scopes) >= 3, what=f"beats of {backend.fqdn}")
            assert all(scope == {"fqdn": backend.fqdn} for scope in backend.scopes), backend.scopes
    finally:
        for minion in minions:
            minion.stop()
