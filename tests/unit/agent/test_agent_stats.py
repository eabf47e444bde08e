"""The real agent's stats (issue 14): usage and rates ride on every cluster heartbeat beside the
versions without moving them, a failed read costs only the stats, and `get_cluster_stats`
answers the per-OSD figures. A scripted session stands in for librados; tests/real_ceph holds
the same to the real cluster."""
from __future__ import annotations

import copy
import errno
import logging
import time
from types import SimpleNamespace

import pytest

from agent.backend import JobError
from agent.ceph import backend as backend_module
from agent.ceph.session import CephCommandError, ClusterUnavailable
from agent.ceph.stats import StatsReader
from agent.ceph.sync_objects import ClusterMaps
from bus.protocol import HEARTBEAT_STATS, OSD_DF_KEYS, OSD_PERF_KEYS, STATS_OBJECTS, SYNC_TYPES

FSID = "6f1b8e26-0000-4000-8000-0000000000bb"


def pacific_status() -> dict:
    return {"fsid": FSID, "election_epoch": 3, "health": {"status": "HEALTH_OK", "checks": {}},
            "osdmap": {"epoch": 20}, "monmap": {"epoch": 1}, "fsmap": {"epoch": 1},
            "pgmap": {"pgs_by_state": [{"state_name": "active+clean", "count": 9}], "num_pgs": 9,
                      "data_bytes": 1000, "bytes_used": 3000, "bytes_total": 30000}}


class ScriptedCeph:
    """The librados session's `json_command`: answers by prefix (an exception is raised), and
    records every (prefix, arguments) sent."""

    fsid = FSID

    def __init__(self):
        self.sent: list[tuple[str, dict]] = []
        self.answers = {
            "status": pacific_status(),
            "health": {"status": "HEALTH_OK", "checks": {}},
            "pg dump": {"pg_stats": [{"pgid": "1.0", "state": "active+clean", "acting": [0]}]},
            "df": {"stats": {"total_bytes": 30000}, "pools": [{"name": "p", "id": 1,
                                                               "stats": {"stored": 1000, "objects": 4}}]},
            "osd pool stats": [{"pool_name": "p", "pool_id": 1, "recovery": {}, "recovery_rate": {},
                                "client_io_rate": {"write_bytes_sec": 4096}}],
            "osd df": {"nodes": [{"id": 0, "name": "osd.0", "utilization": 3.3}], "stray": [],
                       "summary": {"total_kb": 29}},
            "osd perf": {"pg_ready": True, "osdstats": {"osd_perf_infos": [
                {"id": 0, "perf_stats": {"commit_latency_ms": 1, "apply_latency_ms": 1}}]}}}

    def json_command(self, prefix, **args):
        self.sent.append((prefix, args))
        answer = self.answers[prefix]
        if isinstance(answer, Exception):
            raise answer
        return copy.deepcopy(answer)

    def prefixes(self) -> list[str]:
        return [prefix for prefix, _ in self.sent]

    def close(self):
        pass


class LocalMon:
    """The local mon's admin socket: in quorum, with a small configuration."""
    cluster = "ceph"

    def ask(self, command):
        return {"mon_status": {"state": "leader", "election_epoch": 3},
                "config show": {"fsid": FSID, "mon_allow_pool_delete": "true"}}[command["prefix"]]


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def agent(monkeypatch, tmp_path):
    """A RealCephBackend whose session, local mon and stats clock are scripted."""
    monkeypatch.setattr(backend_module, "installed_ceph_version", lambda: "16.2.15")
    backend = backend_module.RealCephBackend(admin_socket_dir=str(tmp_path), log_dir=str(tmp_path),
                                             fqdn="mon1.test", watch_s=0.5)
    ceph, mon, clock = ScriptedCeph(), LocalMon(), Clock()
    backend.session = ceph
    backend.services = SimpleNamespace(mon=lambda: mon)
    backend.maps = ClusterMaps(ceph, lambda: mon)
    backend.stats = StatsReader(ceph, clock=clock, warn_every_s=60)
    return SimpleNamespace(backend=backend, ceph=ceph, clock=clock)


def only_beat(beats: list[dict]) -> dict:
    assert len(beats) == 1, beats
    return beats[0]


# ---- stats on the heartbeat ---------------------------------------------------------------------

@pytest.mark.parametrize("heartbeats", ["cluster_heartbeats", "changed_cluster_heartbeats"])
def test_every_cluster_heartbeat_carries_the_stats_of_its_own_status(agent, heartbeats):
    before = time.time()
    beat = only_beat(getattr(agent.backend, heartbeats)())
    assert set(beat) == {"fsid", "name", "versions", "stats"}
    assert set(beat["versions"]) == set(SYNC_TYPES)
    stats = beat["stats"]
    assert set(stats) == {"taken_at", *HEARTBEAT_STATS}
    assert before <= stats["taken_at"] <= time.time()
    assert stats["pgmap"] == pacific_status()["pgmap"]
    assert stats["df"] == agent.ceph.answers["df"]
    assert stats["pool_stats"] == agent.ceph.answers["osd pool stats"]
    assert ("df", {"detail": "detail"}) in agent.ceph.sent
    assert agent.ceph.prefixes().count("status") == 1   # the pgmap is the versions' status


def test_moving_usage_and_rates_neither_change_the_versions_nor_send_a_changed_beat(agent):
    first = only_beat(agent.backend.changed_cluster_heartbeats())
    pgmap = agent.ceph.answers["status"]["pgmap"]
    pgmap.update(data_bytes=5000, bytes_used=15000, write_bytes_sec=286409571, write_op_per_sec=68)
    agent.ceph.answers["df"]["pools"][0]["stats"].update(stored=5000, objects=20)
    agent.ceph.sent.clear()

    assert agent.backend.changed_cluster_heartbeats() == []
    assert agent.ceph.prefixes() == ["status"]    # no stats are read for a beat not sent
    periodic = only_beat(agent.backend.cluster_heartbeats())
    assert periodic["versions"] == first["versions"]
    assert periodic["stats"]["pgmap"]["write_bytes_sec"] == 286409571
    assert periodic["stats"]["df"]["pools"][0]["stats"]["objects"] == 20


def test_a_map_change_sends_a_changed_beat_with_fresh_stats(agent):
    only_beat(agent.backend.changed_cluster_heartbeats())
    agent.ceph.answers["status"]["osdmap"]["epoch"] = 21
    agent.ceph.answers["df"]["pools"][0]["stats"]["objects"] = 9
    beat = only_beat(agent.backend.changed_cluster_heartbeats())
    assert beat["versions"]["osd_map"] == 21
    assert beat["stats"]["df"]["pools"][0]["stats"]["objects"] == 9


@pytest.mark.parametrize("failure", [
    CephCommandError("df", -errno.EACCES, "access denied"),
    ClusterUnavailable("error talking to the cluster: timed out")])
def test_a_beat_whose_stats_fail_goes_without_them_and_warns_once_per_period(agent, caplog, failure):
    caplog.set_level(logging.INFO, logger="agent.ceph.stats")
    agent.ceph.answers["osd pool stats"] = failure
    beats = [only_beat(agent.backend.cluster_heartbeats()) for _ in range(3)]
    assert all(set(beat) == {"fsid", "name", "versions"} for beat in beats)
    assert all(set(beat["versions"]) == set(SYNC_TYPES) for beat in beats)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and str(failure) in warnings[0].getMessage()

    agent.clock.now += 60
    only_beat(agent.backend.cluster_heartbeats())
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 2

    agent.ceph.answers["osd pool stats"] = []
    assert only_beat(agent.backend.cluster_heartbeats())["stats"]["pool_stats"] == []
    assert any("readable again" in r.getMessage() for r in caplog.records)


def test_a_failure_after_recovery_is_warned_at_once(agent, caplog):
    caplog.set_level(logging.WARNING, logger="agent.ceph.stats")
    agent.ceph.answers["df"] = CephCommandError("df", -errno.EACCES, "access denied")
    agent.backend.cluster_heartbeats()
    agent.ceph.answers["df"] = {"stats": {}, "pools": []}
    agent.backend.cluster_heartbeats()
    agent.ceph.answers["df"] = CephCommandError("df", -errno.EIO, "mgr went away")
    agent.backend.cluster_heartbeats()
    warnings = [r.getMessage() for r in caplog.records]   # the clock stood still all along
    assert len(warnings) == 2, warnings
    assert warnings[0].endswith("access denied") and warnings[1].endswith("mgr went away")


# ---- the get_cluster_stats job ------------------------------------------------------------------

def test_get_cluster_stats_answers_osd_df_and_osd_perf_trimmed_to_what_the_daemon_reads(agent):
    before = time.time()
    answer = agent.backend.run_job("get_cluster_stats", {"fsid": FSID})
    assert set(answer) == {"fsid", "taken_at", *STATS_OBJECTS}
    assert answer["fsid"] == FSID and before <= answer["taken_at"] <= time.time()
    printed_df, printed_perf = agent.ceph.answers["osd df"], agent.ceph.answers["osd perf"]
    assert answer["osd_df"]["nodes"] == [{k: n[k] for k in OSD_DF_KEYS if k in n} for n in printed_df["nodes"]]
    assert answer["osd_df"]["summary"] == printed_df["summary"]
    assert answer["osd_perf"]["osdstats"]["osd_perf_infos"] == [
        {"id": i["id"], "perf_stats": {k: i["perf_stats"][k] for k in OSD_PERF_KEYS}}
        for i in printed_perf["osdstats"]["osd_perf_infos"]]


@pytest.mark.parametrize("args", [{"fsid": "another-cluster"}, {}])
def test_get_cluster_stats_refuses_another_clusters_fsid(agent, args):
    with pytest.raises(JobError, match="not fsid"):
        agent.backend.run_job("get_cluster_stats", args)
    assert "osd df" not in agent.ceph.prefixes()


def test_a_refused_osd_df_is_a_job_error(agent):
    agent.ceph.answers["osd df"] = CephCommandError("osd df", -errno.EACCES, "access denied")
    with pytest.raises(JobError, match="Error EACCES: access denied"):
        agent.backend.run_job("get_cluster_stats", {"fsid": FSID})
