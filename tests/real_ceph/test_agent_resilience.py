"""The real agent outlives its manager and its cluster: it reconnects and resumes by itself."""
from __future__ import annotations

import time

import pytest

from agent.ceph.session import ClusterUnavailable
from tests.helpers import wait_until
from tests.real_ceph.agent_process import AgentProcess
from tests.real_ceph.dev_cluster import DevCluster
from tests.system.daemon_process import DaemonProcess, accept_key, logged_in_client

HEARTBEAT_S = 1.0


def contact_after(api, fqdn: str, moment: str) -> bool:
    servers = [s for s in api.get("server").json() if s["fqdn"] == fqdn]
    return bool(servers) and servers[0]["last_contact"] > moment


def test_the_agent_resumes_when_the_manager_restarts_on_the_same_endpoint(ceph_cluster, tmp_path):
    first = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S, auto_accept=False).start()
    agent = AgentProcess(ceph_cluster, first.bus_endpoint, fqdn="resilient.test",
                         server_key=first.bus_key).start()
    second = None
    try:
        with logged_in_client(first.http_url) as api:
            accept_key(api, "resilient.test")   # the second manager finds it accepted in the data dir
            wait_until(lambda: api.get("cluster").json(), timeout_s=20, what="cluster discovered")
        assert first.stop() == 0
        second = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S, auto_accept=False,
                               bus_endpoint=first.bus_endpoint).start()
        with logged_in_client(second.http_url) as api:
            started = api.get("event").json()["results"][0]["when"]   # "Calamari server started"
            wait_until(lambda: contact_after(api, "resilient.test", started), timeout_s=20,
                       what="a heartbeat to the new manager")
            fsid = api.get("cluster").json()[0]["id"]
            pools = wait_until(lambda: (answer := api.get(f"cluster/{fsid}/pool")).status_code == 200
                               and answer.json(), timeout_s=10)   # 503 until the maps arrive
            assert {p["name"] for p in pools} >= {"device_health_metrics"}
        assert agent.proc.poll() is None
    finally:
        agent.stop()
        if second is not None:
            second.stop()
        first.kill()


@pytest.fixture
def lone_cluster(tmp_path_factory):
    """A cluster of its own (one OSD): these tests stop its mon."""
    cluster = DevCluster.start(tmp_path_factory.mktemp("lone"), "--osds", "1", "--no-device-pool",
                               "--lean-mgr")
    try:
        yield cluster
    finally:
        cluster.stop()


def test_a_cluster_that_goes_away_leaves_a_server_beat_and_comes_back(lone_cluster):
    from agent.ceph.backend import RealCephBackend
    backend = RealCephBackend(ceph_conf=lone_cluster.conf, keyring=lone_cluster.keyring,
                              admin_socket_dir=str(lone_cluster.run_dir),
                              log_dir=str(lone_cluster.log_dir), fqdn="lone.test", watch_s=None)
    try:
        wait_until(backend.cluster_heartbeats, timeout_s=30, every_s=0.2, what="mon in quorum")
        lone_cluster.daemon_stop("mon.a")
        types = {s["type"] for s in backend.server_heartbeat()["services"]}
        assert types == {"mgr", "osd"}             # the mon's stale socket is skipped
        assert backend.cluster_heartbeats() == []
        started = time.monotonic()
        with pytest.raises(ClusterUnavailable):
            backend.run_job("get_cluster_object", {"fsid": backend.fsid, "sync_type": "health"})
        with pytest.raises(ClusterUnavailable):   # in backoff: fails at once, no new timeout
            backend.run_job("get_cluster_object", {"fsid": backend.fsid, "sync_type": "health"})
        assert time.monotonic() - started < 30
        lone_cluster.daemon_start("mon.a")
        [beat] = wait_until(backend.cluster_heartbeats, timeout_s=60, every_s=0.5,
                            what="the cluster back after librados' backoff")
        assert beat["fsid"] == backend.fsid
        health = backend.run_job("get_cluster_object", {"fsid": backend.fsid, "sync_type": "health"})
        assert health["data"]["status"].startswith("HEALTH_")
    finally:
        backend.close()
