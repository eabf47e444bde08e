"""Real-Ceph fixtures: one dev cluster for the session, the real backend, daemon + real agent.

Without Ceph installed every test here skips with the command that installs it; under
CALAMARI_REQUIRE_CEPH=1 (set by .ci/run) the same situation fails instead.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from tests.helpers import wait_until
from tests.real_ceph.agent_process import AgentProcess
from tests.real_ceph.dev_cluster import DevCluster, skip_or_fail_without_ceph
from tests.system.daemon_process import DaemonProcess, accept_key, logged_in_client

HEARTBEAT_S = 1.0
AGENT_USER = "client.calamari"


@pytest.fixture(scope="session")
def ceph_cluster(tmp_path_factory):
    skip_or_fail_without_ceph()
    cluster = DevCluster.start(tmp_path_factory.mktemp("ceph"))
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def real_backend(ceph_cluster):
    """The agent's backend in this process (no minion, no change watch)."""
    from agent.ceph.backend import RealCephBackend
    backend = RealCephBackend(ceph_conf=ceph_cluster.conf, keyring=ceph_cluster.keyring,
                              admin_socket_dir=str(ceph_cluster.run_dir),
                              log_dir=str(ceph_cluster.log_dir), fqdn="ceph-node1.test", watch_s=None)
    wait_until(lambda: backend.cluster_heartbeats(), timeout_s=30, every_s=0.2, what="mon in quorum")
    yield backend
    backend.close()


@dataclass
class Managed:
    """The daemon managing the dev cluster through one real agent, and a logged-in client."""
    cluster: DevCluster
    daemon: DaemonProcess
    agent: AgentProcess
    api: httpx.Client
    fsid: str

    def url(self, path: str = "") -> str:
        return f"cluster/{self.fsid}/{path}".rstrip("/")


@pytest.fixture(scope="session")
def managed(ceph_cluster, tmp_path_factory):
    """The session's daemon and agent: every test may count on both running."""
    with managing(ceph_cluster, tmp_path_factory.mktemp("daemon") / "data") as found:
        yield found


@contextlib.contextmanager
def managing(ceph_cluster: DevCluster, data_dir: Path) -> Iterator[Managed]:
    """A daemon (its data in `data_dir`) managing the dev cluster through a real agent of its own."""
    daemon = DaemonProcess(data_dir, heartbeat_s=HEARTBEAT_S, auto_accept=False).start()
    agent = None
    try:
        # The agent runs as the narrow user of actors/cluster/commands/agent_caps.py, as the README advises: every
        # real-Ceph test then proves those capabilities are enough.
        agent = AgentProcess(ceph_cluster, daemon.bus_endpoint, heartbeat_s=HEARTBEAT_S,
                             server_key=daemon.bus_key, ceph_name=AGENT_USER,
                             keyring=ceph_cluster.agent_user(AGENT_USER)).start()
        with logged_in_client(daemon.http_url) as api:
            accept_key(api, agent.fqdn)   # as an operator would: the agent is pending until then
            clusters = wait_until(lambda: api.get("cluster").json(), timeout_s=30, every_s=0.1,
                                  what="the cluster discovered")
            yield Managed(ceph_cluster, daemon, agent, api, clusters[0]["id"])
    finally:
        if agent is not None:
            agent.stop()
        daemon.stop()
