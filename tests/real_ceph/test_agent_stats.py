"""The real agent's stats on the dev cluster (issue 14), read as the narrow user `client.calamari`
of actors/cluster/commands/agent_caps.py: every cluster heartbeat carries `df detail`, `osd pool stats` and the
pgmap; objects written into a pool show in them; `get_cluster_stats` answers `osd df` and
`osd perf` for every OSD. Each passing test also proves the user's caps allow the command."""
from __future__ import annotations

import pytest

from agent.backend import JobError
from bus.protocol import HEARTBEAT_STATS, OSD_DF_KEYS, STATS_OBJECTS, SYNC_TYPES
from tests.helpers import wait_until
from tests.real_ceph.api_helpers import mon_json, pool_ioctx, unique

AGENT_USER = "client.calamari"
OBJECT_BYTES = 64 * 1024
OBJECT_COUNT = 16


@pytest.fixture(scope="module")
def agent(ceph_cluster):
    """The real backend as the agent runs it: the narrow user, no change watch."""
    from agent.ceph.backend import RealCephBackend
    backend = RealCephBackend(ceph_conf=ceph_cluster.conf, keyring=ceph_cluster.agent_user(AGENT_USER),
                              client_name=AGENT_USER, admin_socket_dir=str(ceph_cluster.run_dir),
                              log_dir=str(ceph_cluster.log_dir), fqdn="ceph-node1.test", watch_s=None)
    wait_until(backend.cluster_heartbeats, timeout_s=30, every_s=0.2, what="mon in quorum")
    yield backend
    backend.close()


@pytest.fixture
def pool(ceph_cluster):
    """A fresh pool with an application (no POOL_APP_NOT_ENABLED once it holds objects)."""
    name = unique("stats")
    ceph_cluster.ceph("osd", "pool", "create", name, "8")
    ceph_cluster.ceph("osd", "pool", "application", "enable", name, "rbd")
    try:
        yield name
    finally:
        ceph_cluster.ceph("osd", "pool", "delete", name, name, "--yes-i-really-really-mean-it")


def beat_of(agent) -> dict:
    [beat] = agent.cluster_heartbeats()
    return beat


def pool_df(beat: dict, name: str) -> dict | None:
    return next((p["stats"] for p in beat["stats"]["df"]["pools"] if p["name"] == name), None)


def write_objects(cluster, pool_name: str) -> None:
    """OBJECT_COUNT objects of OBJECT_BYTES."""
    with pool_ioctx(cluster, pool_name) as ioctx:
        for index in range(OBJECT_COUNT):
            ioctx.write_full(f"object-{index}", bytes([index]) * OBJECT_BYTES)


def pools_agree(agent, cluster) -> dict | None:
    """A heartbeat whose df and pool stats (the mgr's) name the pools of the osd map (the mon's);
    after another test's pool went, the mgr's view may trail by a stats period."""
    beat = beat_of(agent)
    pools = {p["pool_name"] for p in mon_json(cluster, "osd dump")["pools"]}
    stats = beat.get("stats") or {"df": {"pools": []}, "pool_stats": []}
    agree = {p["name"] for p in stats["df"]["pools"]} == pools == {p["pool_name"] for p in stats["pool_stats"]}
    return beat if agree else None


def test_every_heartbeat_carries_the_stats_beside_an_unchanged_version_vector(agent, ceph_cluster):
    beat = wait_until(lambda: pools_agree(agent, ceph_cluster), timeout_s=20, every_s=0.2,
                      what="df and pool stats naming the osd map's pools")
    assert set(beat) == {"fsid", "name", "versions", "stats"}
    assert set(beat["versions"]) == set(SYNC_TYPES)
    stats = beat["stats"]
    assert set(stats) == {"taken_at", *HEARTBEAT_STATS}
    assert stats["pgmap"]["num_pgs"] == sum(s["count"] for s in stats["pgmap"]["pgs_by_state"])
    assert stats["pgmap"]["bytes_total"] == stats["df"]["stats"]["total_bytes"] > 0
    assert all(set(p) >= {"pool_id", "recovery", "recovery_rate", "client_io_rate"}
               for p in stats["pool_stats"])
    assert beat_of(agent)["stats"]["taken_at"] > stats["taken_at"]


def test_objects_written_into_a_pool_show_in_the_heartbeats_df(agent, ceph_cluster, pool):
    wait_until(lambda: pool_df(beat_of(agent), pool), timeout_s=20, every_s=0.2,
               what=f"pool {pool} in the heartbeat's df")
    write_objects(ceph_cluster, pool)

    def grown():
        stats = pool_df(beat_of(agent), pool)
        return stats if stats["objects"] >= OBJECT_COUNT and \
            stats["stored"] >= OBJECT_COUNT * OBJECT_BYTES else None
    stats = wait_until(grown, timeout_s=30, every_s=0.2, what=f"{pool}'s objects in df")
    assert stats["objects"] == OBJECT_COUNT and stats["stored"] == OBJECT_COUNT * OBJECT_BYTES
    beat = beat_of(agent)
    assert set(beat["versions"]) == set(SYNC_TYPES)
    assert beat["stats"]["pgmap"]["num_objects"] >= OBJECT_COUNT


def test_get_cluster_stats_answers_every_osd(agent, ceph_cluster):
    osds = set(mon_json(ceph_cluster, "osd ls"))
    answer = agent.run_job("get_cluster_stats", {"fsid": agent.fsid})
    assert set(answer) == {"fsid", "taken_at", *STATS_OBJECTS} and answer["fsid"] == agent.fsid
    nodes = answer["osd_df"]["nodes"]
    assert {n["id"] for n in nodes} == osds
    assert all(set(n) == set(OSD_DF_KEYS) for n in nodes)      # only what the daemon reads
    assert all(n["kb"] > 0 and n["status"] in ("up", "down") for n in nodes)
    assert answer["osd_df"]["summary"]["total_kb"] == sum(n["kb"] for n in nodes)

    def perf_of_every_osd():
        infos = agent.run_job("get_cluster_stats", {"fsid": agent.fsid})["osd_perf"]["osdstats"]["osd_perf_infos"]
        return infos if {i["id"] for i in infos} == osds else None
    infos = wait_until(perf_of_every_osd, timeout_s=20, every_s=0.2, what="osd perf of every OSD")
    assert all({"commit_latency_ms", "apply_latency_ms"} <= set(i["perf_stats"]) for i in infos)


def test_get_cluster_stats_refuses_another_fsid(agent):
    with pytest.raises(JobError, match="not fsid"):
        agent.run_job("get_cluster_stats", {"fsid": "00000000-0000-0000-0000-000000000000"})
