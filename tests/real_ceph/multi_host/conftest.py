"""The multi-host fixtures (issue 19): ONE three-host cluster (cluster.py), one daemon and one real
agent per host, started once for every module of this folder (~10 s) and stopped when the folder
ends. Tests that stop a daemon or an agent may leave it stopped: `multi` puts everything back
(starts what is stopped, waits for 3 mons in quorum and 6 OSDs up and in, every agent heard)
before the next test, so each test starts from the same cluster whatever the one before did.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

import httpx
import pytest

from tests.helpers import wait_until
from tests.real_ceph.agent_process import AgentProcess
from tests.real_ceph.dev_cluster import skip_or_fail_without_ceph
from tests.real_ceph.multi_host.cluster import MultiHostCluster
from tests.system.daemon_process import DaemonProcess, accept_key, logged_in_client

HEARTBEAT_S = 1.0
AGENT_USER = "client.calamari"


@dataclass
class MultiManaged:
    cluster: MultiHostCluster
    daemon: DaemonProcess
    agents: dict          # host name -> AgentProcess
    api: httpx.Client
    fsid: str
    keyring: str          # the agents' narrow cephx user's keyring

    def url(self, path: str = "") -> str:
        return f"cluster/{self.fsid}/{path}".rstrip("/")

    def host(self, name_or_fqdn: str):
        return next(h for h in self.cluster.hosts if name_or_fqdn in (h.name, h.fqdn))

    def agent_for(self, host) -> AgentProcess:
        """A new agent process for `host`, with the same key pair as the one before (key_dir),
        so it needs no accepting again."""
        before = self.agents.get(host.name)
        return AgentProcess(host, self.daemon.bus_endpoint, heartbeat_s=HEARTBEAT_S, fqdn=host.fqdn,
                            server_key=self.daemon.bus_key, ceph_name=AGENT_USER, keyring=self.keyring,
                            key_dir=before.key_dir if before is not None else "")

    def stop_agent(self, host) -> None:
        self.agents[host.name].stop()

    def start_agent(self, host) -> AgentProcess:
        self.agents[host.name] = self.agent_for(host).start()
        return self.agents[host.name]

    def restore(self, timeout_s: float = 60.0) -> None:
        """Every daemon and agent running again, and the cluster and the daemon's view at rest."""
        for host in self.cluster.hosts:
            for name in host.daemons:
                if self.cluster.procs[name].poll() is not None:
                    self.cluster.start_daemon(name)
            agent = self.agents.get(host.name)
            if agent is None or agent.proc is None or agent.proc.poll() is not None:
                self.start_agent(host)
        wait_until(self.cluster.at_rest, timeout_s=timeout_s, every_s=0.2,
                   what="3 mons in quorum, every OSD up and in")
        wait_until(self._all_servers_heard, timeout_s=timeout_s, every_s=0.2,
                   what="every host's server managed and every OSD up in the API")

    def _all_servers_heard(self) -> bool:
        servers = {s["fqdn"] for s in self.api.get("server").json() if s["managed"]}
        osds = self.api.get(self.url("osd"))
        return (servers >= {h.fqdn for h in self.cluster.hosts} and osds.status_code == 200
                and all(o["up"] and o["in"] for o in osds.json()))


@pytest.fixture(scope="package")
def multi_managed(tmp_path_factory):
    skip_or_fail_without_ceph()
    cluster = MultiHostCluster.start(tmp_path_factory.mktemp("ceph-multi"))
    try:
        with _managing(cluster, tmp_path_factory.mktemp("daemon-multi") / "data") as found:
            yield found
    finally:
        cluster.stop()


@pytest.fixture
def multi(multi_managed):
    """The shared three-host cluster, at rest when the test starts."""
    multi_managed.restore()
    yield multi_managed


@contextlib.contextmanager
def _managing(cluster: MultiHostCluster, data_dir):
    daemon = DaemonProcess(data_dir, heartbeat_s=HEARTBEAT_S, auto_accept=False).start()
    managed = None
    try:
        keyring = cluster.agent_user(AGENT_USER)
        with logged_in_client(daemon.http_url) as api:
            managed = MultiManaged(cluster, daemon, {}, api, "", keyring)
            for host in cluster.hosts:
                managed.start_agent(host)
            for host in cluster.hosts:
                accept_key(api, host.fqdn)
            clusters = wait_until(lambda: api.get("cluster").json(), timeout_s=30, every_s=0.1,
                                  what="the cluster discovered")
            managed.fsid = clusters[0]["id"]
            yield managed
    finally:
        if managed is not None:
            for agent in managed.agents.values():
                agent.stop()
        daemon.stop()
