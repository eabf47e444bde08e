"""The simulator against the real three-host cluster (issue 19): a SimCluster of 3 servers × 2 OSDs
(the real cluster's build: a mon per host, OSDs of the same size) must fetch the same sync objects,
by shape where the daemon reads (tests/real_ceph/shapes.py), and with the same layout: three mons
in quorum with the asking host's own mon answering mon_status, three CRUSH hosts of two OSDs under
the default root (and their device-class shadows), a rule choosing by host, PGs on every host.

The real side is the agent's own backend (RealCephBackend) run in this process, one per host,
each pointed at its host's admin-socket directory like that host's agent: its `run_job` answers
are exactly what that agent sends the daemon, mon_status and config from the host's own mon, with
no bus or daemon in between that could hide (or add) a difference.
"""
from __future__ import annotations

import pytest

from agent.backend import SYNC_TYPES
from sim.model import SimCluster
from tests.helpers import wait_until
from tests.real_ceph.api_helpers import pool_ioctx, pool_pgs_active_clean, unique
from tests.real_ceph.fidelity_helpers import (
    assert_same_stats_shape, layout, layout_differences, no_client_io, real_object, real_stats,
    sim_stats, sync_objects_compared)
from tests.real_ceph.multi_host.cluster import OSD_BYTES, OSDS_PER_HOST


@pytest.fixture(scope="module")
def backends(multi_managed):
    """Host name -> the agent's backend for that host, in this process."""
    from agent.ceph.backend import RealCephBackend
    cluster = multi_managed.cluster
    found = {}
    try:
        for host in cluster.hosts:
            found[host.name] = RealCephBackend(
                ceph_conf=host.conf, keyring=cluster.keyring, admin_socket_dir=str(host.run_dir),
                log_dir=str(host.log_dir), fqdn=host.fqdn, watch_s=None)
            wait_until(found[host.name].cluster_heartbeats, timeout_s=20, every_s=0.2,
                       what=f"{host.name}'s backend connected, its mon in quorum")
        yield found
    finally:
        for backend in found.values():
            backend.close()


@pytest.fixture(scope="module")
def simulated(multi_managed) -> SimCluster:
    """The real cluster's likeness, idle, with PGs active+clean like the real one at rest."""
    sim = SimCluster(hosts=len(multi_managed.cluster.hosts), osds_per_host=OSDS_PER_HOST,
                     osd_bytes=OSD_BYTES, client_load=0)
    sim.advance(60)
    return sim


@pytest.fixture(scope="module")
def real_pool(multi_managed):
    """A size-3 pool with a few objects on the real cluster (the simulator starts with pools
    holding data): PGs and pool stats to compare. Deleted at the end."""
    cluster = multi_managed.cluster
    name = unique("fidelity")
    cluster.ceph("osd", "pool", "create", name, "8")
    try:
        cluster.ceph("osd", "pool", "application", "enable", name, "rbd")
        with pool_ioctx(cluster, name) as ioctx:
            for index in range(4):
                ioctx.write_full(f"fidelity-{index}", bytes([index]) * 65536)
        wait_until(lambda: pool_pgs_active_clean(cluster, name, 8), timeout_s=20, every_s=0.2,
                   what=f"the 8 PGs of {name} active+clean")
        yield name
    finally:
        cluster.ceph("osd", "pool", "delete", name, name, "--yes-i-really-really-mean-it")


def real_objects(backend) -> dict:
    return {t: real_object(backend, t)["data"] for t in SYNC_TYPES}


def sim_objects(sim: SimCluster, fqdn: str) -> dict:
    return {t: sim.get_cluster_object(t, fqdn=fqdn)["data"] for t in SYNC_TYPES}


def test_every_sync_object_has_the_simulators_shape(multi, backends, simulated, real_pool):
    backend = backends[multi.cluster.hosts[1].name]
    problems = sync_objects_compared(lambda t: real_object(backend, t), simulated.get_cluster_object)
    assert problems == [], "differences (real vs simulated):\n  " + "\n  ".join(problems)


def layouts(multi, backends, simulated) -> list[tuple[str, dict, dict]]:
    """(host, real layout, simulated layout) per host: each host's agent (its own mon answering
    mon_status) against the simulated host of the same mon rank."""
    return [(host.name, layout(real_objects(backends[host.name])), layout(sim_objects(simulated, fqdn)))
            for host, fqdn in zip(multi.cluster.hosts, simulated.host_fqdns)]


def test_every_hosts_view_has_the_simulators_layout(multi, backends, simulated, real_pool):
    problems = []
    for host, real, sim in layouts(multi, backends, simulated):
        problems += [f"{host}: {p}" for p in layout_differences(real, sim)]
    assert problems == [], "layout differences (real vs simulated):\n  " + "\n  ".join(problems)


def test_stats_have_the_real_shape_at_rest(multi, backends, simulated, real_pool):
    backend = backends[multi.cluster.hosts[0].name]
    real = wait_until(lambda: (lambda s: s if no_client_io(s) and not {
        "inactive_pgs_ratio", "unknown_pgs_ratio"} & set(s["pgmap"]) else None)(real_stats(backend)),
        timeout_s=20, every_s=0.2, what="the real cluster at rest")
    assert_same_stats_shape(real, sim_stats(simulated))
