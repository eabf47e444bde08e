"""SimBackend: one host of a SimCluster behind the agent's CephBackend interface."""
from __future__ import annotations

import threading
import time

import pytest

from agent.backend import SYNC_TYPES, JobError, UnknownFunction
from agent.host import start_alone
from agent.minion import Minion
from bus import protocol
from bus.protocol import Job
from bus.server import BusServer
from sim.backend import SimBackend
from tests.bus_helpers import SERVER_KEYS, TestGate
from sim.model import SimCluster
from tests.unit.sim_helpers import make
from tests.helpers import Recorder, wait_until


@pytest.fixture
def cluster() -> SimCluster:
    return make(hosts=4, osds_per_host=2)


def backend(cluster: SimCluster, host: int) -> SimBackend:
    return SimBackend(cluster, cluster.host_fqdns[host])


def test_identity_and_knobs(cluster):
    b = backend(cluster, 1)
    assert (b.fqdn, b.hostname) == ("ceph0-node001.sim.test", "ceph0-node001")
    assert (b.job_latency_s, b.dark, b.fail_functions, b.mute_functions) == (0.0, False, set(), set())
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


# ----- the jobs beyond get_cluster_object ----------------------------------------------------

def test_rados_commands(cluster):
    b = backend(cluster, 0)
    result = b.run_job("rados_commands", {"fsid": cluster.fsid, "commands": [
        ["osd pool create", {"pool": "x", "pg_num": 8, "format": "json"}],
        ("osd pool set", {"pool": "x", "var": "size", "val": "11"})]})
    assert (result["fsid"], result["error"], result["results"]) == (
        cluster.fsid, True, ["pool 'x' created"])
    assert result["error_status"] == "Error EINVAL: pool size must be between 1 and 10"
    assert result["versions"] == cluster.versions()
    assert protocol.unpackb(protocol.packb(result)) == result


def test_rados_commands_argument_errors(cluster):
    b = backend(cluster, 1)
    with pytest.raises(JobError, match="not fsid 'deadbeef'"):
        b.run_job("rados_commands", {"fsid": "deadbeef", "commands": []})
    for commands in ("osd dump", [["osd dump"]], [["osd dump", []]], [[3, {}]], None):
        with pytest.raises(JobError, match="commands must be a list of"):
            b.run_job("rados_commands", {"fsid": cluster.fsid, "commands": commands})
    with pytest.raises(JobError, match="rados_commands takes arguments fsid and commands"):
        b.run_job("rados_commands", {"fsid": cluster.fsid})
    epoch = cluster.versions()["osd_map"]
    cluster.stop_mon("ceph0-node000")
    cluster.stop_mon("ceph0-node002")
    with pytest.raises(JobError, match="error connecting to the cluster"):
        b.run_job("rados_commands", {"fsid": cluster.fsid, "commands": [["osd set", {"key": "noout"}]]})
    assert cluster.versions()["osd_map"] == epoch


def test_mon_command_and_command_descriptions_jobs(cluster):
    b = backend(cluster, 2)
    result = b.run_job("mon_command", {"fsid": cluster.fsid, "command": {"prefix": "health"}})
    assert result == {"out": "HEALTH_OK\n", "err": "", "status": 0}
    descriptions = b.run_job("command_descriptions", {"fsid": cluster.fsid})
    assert {"sig": ["status"], "help": "", "module": "mon", "perm": "r", "flags": 0} in descriptions.values()
    for command in ("health", ["health"], {"prefix": "health; rm -rf /"}, {"prefix": "health", "-i": "x"},
                    {"prefix": "health", "detail": {"a": 1}}):
        with pytest.raises(JobError, match="mon_command"):
            b.run_job("mon_command", {"fsid": cluster.fsid, "command": command})


def test_log_jobs(cluster):
    b = backend(cluster, 3)
    assert b.run_job("list_logs", {}) == ["ceph/ceph-osd.6.log", "ceph/ceph-osd.7.log"]
    text = b.run_job("tail_log", {"path": "ceph/ceph-osd.6.log", "lines": 2})
    assert len(text.splitlines()) == 2
    assert "ceph/ceph.log" in backend(cluster, 0).run_job("list_logs", {})
    for path, message in (("../../etc/shadow", "invalid log path"), ("/etc/passwd", "invalid log path"),
                          ("ceph/ceph.log", "no log file"), ("ceph/ceph-osd.0.log", "no log file")):
        with pytest.raises(JobError, match=message):
            b.run_job("tail_log", {"path": path, "lines": 10})
    with pytest.raises(JobError, match="tail_log takes arguments path and lines"):
        b.run_job("tail_log", {"path": "ceph/ceph-osd.6.log"})


def test_selftest_exception_and_wait(cluster, monkeypatch):
    b = backend(cluster, 0)
    with pytest.raises(RuntimeError, match="^This is a self-test exception$") as info:
        b.run_job("selftest_exception", {})
    assert not isinstance(info.value, JobError)
    assert b.run_job("selftest_wait", {"seconds": 0}) is None
    waited = []
    monkeypatch.setattr(b, "_wait", waited.append)
    b.run_job("selftest_wait", {"seconds": 2.5})
    b.run_job("selftest_wait", {"seconds": 3600})
    assert waited == [2.5, 60.0]
    with pytest.raises(JobError, match="non-negative number of seconds"):
        b.run_job("selftest_wait", {"seconds": -1})


def test_selftest_block_until_released(cluster):
    b = backend(cluster, 0)
    done = []
    worker = threading.Thread(target=lambda: done.append(b.run_job("selftest_block", {})))
    worker.start()
    worker.join(0.05)
    assert worker.is_alive() and done == []  # blocked
    deadline = time.monotonic() + 5
    while worker.is_alive() and time.monotonic() < deadline:
        b.release()
        worker.join(0.01)
    assert not worker.is_alive() and done == [None]


def test_fail_functions(cluster):
    b = backend(cluster, 0)
    b.fail_functions.add("rados_commands")
    epoch = cluster.versions()["osd_map"]
    with pytest.raises(RuntimeError, match="^simulated failure of rados_commands$"):
        b.run_job("rados_commands", {"fsid": cluster.fsid, "commands": [["osd set", {"key": "noout"}]]})
    assert cluster.versions()["osd_map"] == epoch  # never ran
    assert b.run_job("list_logs", {})  # other functions still work
    b.fail_functions.clear()
    b.run_job("rados_commands", {"fsid": cluster.fsid, "commands": [["osd set", {"key": "noout"}]]})
    assert cluster.versions()["osd_map"] == epoch + 1


def test_mute_functions_run_but_the_minion_never_answers(cluster):
    b = backend(cluster, 0)
    b.mute_functions.add("rados_commands")
    assert b.mutes("rados_commands") and not b.mutes("mon_command")
    recorder = Recorder()
    server = BusServer("tcp://127.0.0.1:0", recorder, keys=SERVER_KEYS, gate=TestGate())
    server.start()
    minion = Minion(b, server.endpoint, heartbeat_s=10.0, server_key=SERVER_KEYS.public)
    try:
        start_alone(minion)
        wait_until(lambda: recorder.envelopes("server_heartbeat", minion.agent_id))
        epoch = cluster.versions()["osd_map"]
        args = {"fsid": cluster.fsid, "commands": [["osd set", {"key": "noout"}]]}
        server.send(minion.agent_id, Job("muted", "rados_commands", args, time.time() + 60))
        server.send(minion.agent_id, Job("heard", "mon_command",
                                         {"fsid": cluster.fsid, "command": {"prefix": "health"}}, time.time() + 60))
        wait_until(lambda: recorder.envelopes("job_result"))
        wait_until(lambda: minion.stats["results_suppressed"] == 1)
        assert [e.body.job_id for e in recorder.envelopes("job_result")] == ["heard"]
        assert cluster.versions()["osd_map"] == epoch + 1  # the muted job did run
    finally:
        minion.stop()
        server.stop()


def test_lost_functions_do_nothing_and_are_never_answered(cluster):
    b = backend(cluster, 0)
    b.lose_functions.add("rados_commands")
    epoch = cluster.versions()["osd_map"]
    assert b.run_job("rados_commands", {"fsid": cluster.fsid, "commands": [["osd set", {"key": "noout"}]]}) is None
    assert cluster.versions()["osd_map"] == epoch and b.jobs_run["rados_commands"] == 1
    assert b.mutes("rados_commands") and not b.mutes("mon_command")


def test_the_change_watch_sends_a_cluster_heartbeat_only_when_versions_moved(cluster):
    mon, osd_only = backend(cluster, 0), backend(cluster, 3)
    assert mon.changed_cluster_heartbeats() != []                # nothing sent yet
    assert mon.changed_cluster_heartbeats() == []                # unchanged since
    mon.run_job("rados_commands", {"fsid": cluster.fsid, "commands": [["osd set", {"key": "noout"}]]})
    moved = mon.changed_cluster_heartbeats()
    assert [b["versions"]["osd_map"] for b in moved] == [cluster.versions()["osd_map"]]
    mon.cluster_heartbeats()                                     # a regular beat counts as sent
    assert mon.changed_cluster_heartbeats() == []
    assert osd_only.changed_cluster_heartbeats() == []           # no mon here: never beats


def test_a_closed_backend_never_blocks_again():
    cluster = make(hosts=1, osds_per_host=1)
    backend = SimBackend(cluster, cluster.host_fqdns[0])
    backend.close()
    finished = threading.Event()
    worker = threading.Thread(target=lambda: (backend.run_job("selftest_block", {}), finished.set()))
    worker.start()
    worker.join(5)
    assert finished.is_set()


def test_grains_job_answers_the_heartbeats_host_facts(cluster):
    b = backend(cluster, 1)
    grains = b.run_job("grains", {})
    assert grains == b.server_heartbeat()["grains"]
    assert grains["fqdn"] == b.fqdn
    with pytest.raises(JobError):
        b.run_job("grains", {"extra": 1})


def test_get_cluster_stats_job_answers_osd_df_and_osd_perf(cluster):
    b = backend(cluster, 3)        # any host answers it, a mon host or not
    answer = b.run_job("get_cluster_stats", {"fsid": cluster.fsid})
    assert set(answer) == {"fsid", "taken_at", *protocol.STATS_OBJECTS} and answer["fsid"] == cluster.fsid
    assert [n["id"] for n in answer["osd_df"]["nodes"]] == cluster.osd_ids
    whole = cluster.get_cluster_stats()
    # trimmed to what the daemon reads (bus/protocol.py OSD_DF_KEYS, OSD_PERF_KEYS), values kept
    assert [set(n) for n in answer["osd_df"]["nodes"]] == [set(protocol.OSD_DF_KEYS)] * len(cluster.osd_ids)
    assert [{k: n[k] for k in protocol.OSD_DF_KEYS} for n in whole["osd_df"]["nodes"]] == answer["osd_df"]["nodes"]
    assert answer["osd_df"]["summary"] == whole["osd_df"]["summary"]
    infos = answer["osd_perf"]["osdstats"]["osd_perf_infos"]
    assert {tuple(i["perf_stats"]) for i in infos} == {protocol.OSD_PERF_KEYS}
    assert len(infos) == len(whole["osd_perf"]["osdstats"]["osd_perf_infos"])
    with pytest.raises(JobError, match="not fsid 'other'"):
        b.run_job("get_cluster_stats", {"fsid": "other"})
    with pytest.raises(JobError, match="get_cluster_stats takes arguments fsid"):
        b.run_job("get_cluster_stats", {"fsid": cluster.fsid, "osd": 1})


def test_cluster_heartbeats_carry_the_stats_and_usage_alone_sends_no_change_beat(cluster):
    mon = backend(cluster, 0)
    (beat,) = mon.cluster_heartbeats()
    assert beat["stats"] == cluster.heartbeat_stats()
    protocol.ClusterHeartbeat(**beat)
    written = beat["stats"]["pgmap"]["data_bytes"]
    cluster.advance(5)                     # the client load writes: usage moves, versions do not
    assert cluster.heartbeat_stats()["pgmap"]["data_bytes"] > written
    assert mon.changed_cluster_heartbeats() == []


def test_every_job_run_is_recorded_with_its_term_and_ha_runs_are_logged(cluster, caplog):
    import logging
    b = backend(cluster, 0)
    caplog.set_level(logging.INFO, logger="sim.backend")
    before = time.time()
    b.record_job_run("j0", "list_logs", 0)
    b.record_job_run("j1", "rados_commands", 4)
    assert [(r.job_id, r.function, r.term) for r in b.runs] == [("j0", "list_logs", 0), ("j1", "rados_commands", 4)]
    assert all(before <= r.at <= time.time() for r in b.runs)
    [line] = [r.getMessage() for r in caplog.records if r.name == "sim.backend"]   # term 0: not logged
    assert "job j1 (rados_commands) term=4 at=" in line and b.fqdn in line
