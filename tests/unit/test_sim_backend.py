"""SimBackend: one host of a SimCluster behind the agent's CephBackend interface."""
from __future__ import annotations

import pytest

from agent.backend import SYNC_TYPES, JobError, UnknownFunction
from bus import protocol
from sim.backend import SimBackend
from sim.model import SimCluster

NOW = 1_800_000_000.0


@pytest.fixture
def cluster() -> SimCluster:
    return SimCluster(hosts=4, osds_per_host=2, clock=lambda: NOW)


def backend(cluster: SimCluster, host: int) -> SimBackend:
    return SimBackend(cluster, cluster.host_fqdns[host])


def test_identity_and_knobs(cluster):
    b = backend(cluster, 1)
    assert (b.fqdn, b.hostname) == ("ceph0-node001.sim.test", "ceph0-node001")
    assert (b.job_latency_s, b.dark) == (0.0, False)
    b.job_latency_s, b.dark = 2.5, True
    assert (b.job_latency_s, b.dark) == (2.5, True)
    with pytest.raises(KeyError, match="no host 'other.sim.test'"):
        SimBackend(cluster, "other.sim.test")


def test_server_heartbeat_is_the_hosts(cluster):
    heartbeat = backend(cluster, 3).server_heartbeat()
    assert heartbeat == cluster.server_heartbeat("ceph0-node003.sim.test")
    assert [(s["type"], s["id"]) for s in heartbeat["services"]] == [("osd", "6"), ("osd", "7")]
    protocol.ServerHeartbeat(**heartbeat)


def test_cluster_heartbeats_only_from_a_mon_in_quorum(cluster):
    (heartbeat,) = backend(cluster, 0).cluster_heartbeats()
    assert heartbeat["fsid"] == cluster.fsid and heartbeat["versions"]["osd_map"] == cluster.versions()["osd_map"]
    assert backend(cluster, 3).cluster_heartbeats() == []  # no mon on this host
    cluster.stop_mon("ceph0-node000")
    assert backend(cluster, 0).cluster_heartbeats() == []
    assert len(backend(cluster, 1).cluster_heartbeats()) == 1
    cluster.stop_mon("ceph0-node001")
    assert backend(cluster, 2).cluster_heartbeats() == []  # minority: no quorum


def test_get_cluster_object_for_every_type(cluster):
    b = backend(cluster, 2)
    for sync_type in SYNC_TYPES:
        result = b.run_job("get_cluster_object", {"fsid": cluster.fsid, "sync_type": sync_type})
        assert (result["fsid"], result["type"]) == (cluster.fsid, sync_type)
        assert result["version"] == cluster.versions()[sync_type]
        # travels as msgpack with strict_map_key: every map key is a string
        assert protocol.unpackb(protocol.packb(result)) == result


def test_mon_status_comes_from_the_local_mon(cluster):
    def mon_status(host: int) -> dict:
        return backend(cluster, host).run_job(
            "get_cluster_object", {"fsid": cluster.fsid, "sync_type": "mon_status"})["data"]
    assert (mon_status(1)["name"], mon_status(1)["state"]) == ("ceph0-node001", "peon")
    assert (mon_status(3)["name"], mon_status(3)["state"]) == ("ceph0-node000", "leader")


def test_wrong_fsid_is_a_job_error(cluster):
    with pytest.raises(JobError, match="not fsid 'deadbeef'"):
        backend(cluster, 0).run_job("get_cluster_object", {"fsid": "deadbeef", "sync_type": "health"})


def test_unknown_sync_type_is_a_job_error(cluster):
    with pytest.raises(JobError, match="unknown sync_type 'pg_map'") as info:
        backend(cluster, 0).run_job("get_cluster_object", {"fsid": cluster.fsid, "sync_type": "pg_map"})
    assert not isinstance(info.value, UnknownFunction)


def test_missing_arguments_are_a_job_error(cluster):
    with pytest.raises(JobError, match=r"got \['fsid'\]"):
        backend(cluster, 0).run_job("get_cluster_object", {"fsid": cluster.fsid})


def test_unknown_function(cluster):
    with pytest.raises(UnknownFunction, match="'ceph.rados_commands'"):
        backend(cluster, 0).run_job("ceph.rados_commands", {})
