"""The simulator against real Ceph 16: every sync object has the shape the real agent fetches
(at least wherever the daemon reads, tests/real_ceph/shapes.py), so do the stats (the
heartbeat's pgmap, df and pool_stats, the get_cluster_stats job's osd_df and osd_perf), and
the mon commands the daemon depends on are refused with the same words.

The simulated cluster mirrors the dev cluster (one host, three OSDs, one mon) so that state
differences do not hide or fake shape differences.
"""
from __future__ import annotations

import re
import subprocess

import pytest

from agent.backend import SYNC_TYPES
from sim.model import SimCluster
from tests.helpers import wait_until
from tests.real_ceph.api_helpers import pool_ioctx, unique
from tests.real_ceph.fidelity_helpers import (
    assert_same_shape, assert_same_stats_shape, data_shape_differences, envelope_differences,
    no_client_io, real_commands, real_object, sim_stats, stats_when)
from tests.real_ceph.shapes import ALSO_COMPARED, DAEMON_READS

POOL = "device_health_metrics"     # the one pool both clusters always have
RADOS_OBJECT = 4 << 20


@pytest.fixture(scope="module")
def simulated() -> SimCluster:
    return SimCluster(hosts=1, osds_per_host=3)


@pytest.mark.parametrize("sync_type", SYNC_TYPES)
def test_sync_object_envelope_and_top_level_keys(real_backend, simulated, sync_type):
    real, sim = real_object(real_backend, sync_type), simulated.get_cluster_object(sync_type)
    assert envelope_differences(real, sim, sync_type) == []


@pytest.mark.parametrize("sync_type", SYNC_TYPES)
def test_sync_object_shape_where_the_daemon_reads(real_backend, simulated, sync_type):
    real = real_object(real_backend, sync_type)["data"]
    sim = simulated.get_cluster_object(sync_type)["data"]
    assert data_shape_differences(real, sim, sync_type) == []


def test_health_check_shape(real_backend, simulated):
    """A flag raises OSDMAP_FLAGS on both clusters; its check must look the same."""
    real_commands(real_backend, [["osd set", {"key": "noout"}]])
    try:
        real = wait_until(
            lambda: (lambda h: h if "OSDMAP_FLAGS" in h["checks"] else None)(
                real_object(real_backend, "health")["data"]),
            timeout_s=15, every_s=0.2, what="OSDMAP_FLAGS in the real health")
        with simulated.lock:
            simulated.apply_commands([["osd set", {"key": "noout"}]])
        sim = simulated.get_cluster_object("health")["data"]
        assert_same_shape(real, sim, DAEMON_READS["health"] + ALSO_COMPARED["health"])
        flags = (real["checks"]["OSDMAP_FLAGS"], sim["checks"]["OSDMAP_FLAGS"])
        assert flags[0]["summary"] == flags[1]["summary"]    # both count the text's length
    finally:
        real_commands(real_backend, [["osd unset", {"key": "noout"}]])
        with simulated.lock:
            simulated.apply_commands([["osd unset", {"key": "noout"}]])


# Commands Pacific refuses (or must be asked differently), each found on a 16.2.15 cluster: the
# simulator must answer them with the same errno and text. None of them changes anything.
REFUSED = [
    ["osd pool set", {"pool": POOL, "var": "size", "val": 2}],
    ["osd pool set", {"pool": POOL, "var": "crash_replay_interval", "val": "0"}],
    ["osd pool set", {"pool": POOL, "var": "crush_ruleset", "val": "0"}],
    ["osd pool set", {"pool": POOL, "var": "hashpspool", "val": "true"}],
    ["osd pool set", {"pool": POOL, "var": "pg_num", "val": "many"}],
    ["osd pool set", {"pool": POOL, "var": "crush_rule", "val": "0"}],
    ["osd pool set-quota", {"pool": POOL, "field": "max_objects", "val": 10}],
    ["osd pool set-quota", {"pool": POOL, "field": "max_bytes", "val": "1k"}],
    ["osd pool delete", {"pool": POOL, "pool2": POOL, "sure": "--yes-i-really-really-mean-it"}],
    ["osd pool create", {"pool": "never-made", "pg_num": "8"}],
    ["osd pool create", {"pool": "never-made", "pg_num": 8, "rule": "0"}],
    ["osd reweight", {"id": 0, "weight": 1}],
    ["osd reweight", {"id": "0", "weight": 1.0}],
    ["osd scrub", {"who": 0}],
    ["osd out", {"ids": "0"}],
    ["osd crush set", {"id": "0", "weight": 0.5, "args": ["host=anywhere"]}],
    ["osd crush move", {"name": "default", "args": []}],
    ["osd crush rename-bucket", {"srcname": "no-such-bucket", "dstname": "other"}],
    ["osd crush unlink", {"name": "osd.0", "ancestor": "no-such-bucket"}],
    ["osd crush rule rm", {"name": "replicated_rule"}],
]


@pytest.mark.parametrize("command", REFUSED, ids=lambda c: f"{c[0]}:{sorted(c[1].items())}")
def test_refused_commands_are_refused_alike(real_backend, simulated, command):
    real = real_commands(real_backend, [command])
    with simulated.lock:
        sim = simulated.apply_commands([command])
    assert real["error"] is True, f"real Ceph accepted {command}"
    assert sim["error_status"] == real["error_status"]


def test_the_simulators_command_signatures_are_pacifics(real_backend, simulated):
    """Every signature the simulator publishes for the cli is the real mon's (its trailing
    optional arguments may be left out), with the same perm, module and flags: the daemon's
    parser and role policy see the same commands on both."""
    real = real_backend.run_job("command_descriptions", {"fsid": real_backend.fsid}).values()
    by_words: dict = {}
    for entry in real:
        by_words.setdefault(tuple(w for w in entry["sig"] if isinstance(w, str)), []).append(entry)
    mismatched = []
    for entry in simulated.command_descriptions().values():
        words = tuple(w for w in entry["sig"] if isinstance(w, str))
        if not any(_same_signature(entry, candidate) for candidate in by_words.get(words, [])):
            mismatched.append(" ".join(words))
    assert mismatched == []


def _same_signature(mine: dict, real: dict) -> bool:
    n = len(mine["sig"])
    left_out = real["sig"][n:]
    return (real["sig"][:n] == [_same_choice_order(a, b) for a, b in zip(mine["sig"], real["sig"])]
            and all(isinstance(a, dict) and a.get("req") == "false" for a in left_out)
            and (mine["perm"], mine["module"], mine["flags"]) == (real["perm"], real["module"], real["flags"]))


def _same_choice_order(mine, real):
    """Choices compare as sets: their order in a description carries no meaning."""
    if isinstance(mine, dict) and isinstance(real, dict) and "strings" in mine and "strings" in real \
            and set(mine["strings"].split("|")) == set(real["strings"].split("|")):
        return {**mine, "strings": real["strings"]}
    return mine


# ----- stats (issue 14): the heartbeat's pgmap, df and pool_stats; the job's osd_df and osd_perf ----
#
# Compared recursively: every key path of the real document must be in the simulated one with the
# same JSON kind (numbers whole on both sides, or fractional on both), and the simulated one may
# have beyond that only the keys Pacific itself prints only in some states. Each comparison puts
# both clusters in the same state: at rest, under client writes, degraded, recovering.

@pytest.fixture
def stats_sim() -> SimCluster:
    """The dev cluster's likeness (one host, three OSDs of 1 GiB), idle."""
    return SimCluster(hosts=1, osds_per_host=3, osd_bytes=1 << 30, client_load=0)


@pytest.fixture
def real_pool(ceph_cluster):
    """A fresh three-replica pool on the dev cluster, deleted afterwards."""
    name = unique("fidelity")
    ceph_cluster.ceph("osd", "pool", "create", name, "8")
    ceph_cluster.ceph("osd", "pool", "set", name, "size", "3")
    ceph_cluster.ceph("osd", "pool", "application", "enable", name, "rbd")
    try:
        yield name
    finally:
        ceph_cluster.ceph("osd", "pool", "delete", name, name, "--yes-i-really-really-mean-it")


def write_real_objects(cluster, pool: str, count: int) -> None:
    with pool_ioctx(cluster, pool) as ioctx:
        for index in range(count):
            ioctx.write_full(f"fidelity-{index}", bytes([index % 256]) * RADOS_OBJECT)



def test_stats_have_the_real_shape_at_rest(real_backend, ceph_cluster, real_pool, stats_sim):
    write_real_objects(ceph_cluster, real_pool, 4)
    # At rest means every PG active too, as in the simulator at rest: Ceph adds inactive_pgs_ratio /
    # unknown_pgs_ratio to the pgmap only while some are not (a pool's PGs just made: one full run
    # in three read the real cluster then).
    real = stats_when(real_backend, lambda s: any(
        p["name"] == real_pool and p["stats"]["objects"] == 4 for p in s["df"]["pools"])
        and no_client_io(s) and not {"inactive_pgs_ratio", "unknown_pgs_ratio"} & set(s["pgmap"]))
    assert_same_stats_shape(real, sim_stats(stats_sim))


def test_stats_have_the_real_shape_under_client_writes(real_backend, ceph_cluster, real_pool, stats_sim):
    bench = subprocess.Popen(["rados", "--conf", ceph_cluster.conf, "--keyring", ceph_cluster.keyring,
                              "-p", real_pool, "bench", "20", "write", "-b", str(1 << 20), "-t", "2",
                              "--no-cleanup"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        real = stats_when(real_backend, lambda s: "write_bytes_sec" in s["pgmap"] and any(
            "write_bytes_sec" in p["client_io_rate"] for p in s["pool_stats"]))
    finally:
        bench.terminate()
        bench.wait(30)
    stats_sim.client_load = 4.0
    stats_sim.advance(1)
    assert_same_stats_shape(real, sim_stats(stats_sim))


def test_stats_have_the_real_shape_degraded_and_recovering(real_backend, ceph_cluster, real_pool, stats_sim):
    stats_sim.create_pool("fidelity", 8, size=3, application="rbd")
    stats_sim.advance(1)                                   # its PGs created
    ceph_cluster.daemon_stop("osd.2")
    try:
        ceph_cluster.ceph("osd", "down", "2")
        write_real_objects(ceph_cluster, real_pool, 24)    # written with a replica missing
        degraded = stats_when(real_backend, lambda s: s["pgmap"].get("degraded_objects", 0) >= 24
                               and no_client_io(s))
        stats_sim.write("fidelity", 24 * RADOS_OBJECT)
        stats_sim.stop_osd(2)
        assert_same_stats_shape(degraded, sim_stats(stats_sim))
    finally:
        ceph_cluster.daemon_start("osd.2")
    recovering = stats_when(real_backend, lambda s: "recovering_bytes_per_sec" in s["pgmap"] and any(
        p["recovery_rate"] for p in s["pool_stats"]) and no_client_io(s))
    stats_sim.start_osd(2)
    stats_sim.advance(1)                                   # the returned replicas recovered
    assert "recovering_bytes_per_sec" in stats_sim.heartbeat_stats()["pgmap"]
    assert_same_stats_shape(recovering, sim_stats(stats_sim))
    stats_when(real_backend, lambda s: all(st["state_name"] == "active+clean" for st in s["pgmap"]["pgs_by_state"]))


def _checks_when(real_backend, codes: set[str]) -> dict:
    return wait_until(lambda: (lambda h: h["checks"] if codes <= set(h["checks"]) else None)(
        real_object(real_backend, "health")["data"]), timeout_s=60, every_s=0.2, what=f"{codes} raised")


def _worded(check: dict, names: dict[str, str]) -> tuple:
    """A check with its OSD ids and pool names replaced by placeholders: its wording alone."""
    def text(line: str) -> str:
        for name, placeholder in names.items():
            line = line.replace(f"'{name}'", placeholder)
        return re.sub(r"osd\.\d+", "osd.N", re.sub(r"^\d+ ", "N ", line))
    return (check["severity"], text(check["summary"]["message"]),
            sorted({text(d["message"]) for d in check["detail"]}), check["summary"]["count"] == len(check["detail"]))


def test_fullness_checks_are_worded_as_pacific_words_them(real_backend, ceph_cluster, real_pool, stats_sim):
    """A nearfull ratio below every OSD's use raises OSD_NEARFULL and POOL_NEARFULL; a pool at its
    object quota POOL_FULL: the simulator's own (from its ratios and quotas) read alike."""
    write_real_objects(ceph_cluster, real_pool, 2)
    ceph_cluster.ceph("osd", "pool", "set-quota", real_pool, "max_objects", "2")
    ceph_cluster.ceph("osd", "set-nearfull-ratio", "0.001")
    try:
        real = _checks_when(real_backend, {"OSD_NEARFULL", "POOL_NEARFULL", "POOL_FULL"})
    finally:
        ceph_cluster.ceph("osd", "set-nearfull-ratio", "0.85")
        ceph_cluster.ceph("osd", "pool", "set-quota", real_pool, "max_objects", "0")
        wait_until(lambda: not {"OSD_NEARFULL", "POOL_NEARFULL", "POOL_FULL"} & set(
            real_object(real_backend, "health")["data"]["checks"]), timeout_s=60, every_s=0.2,
            what="the fullness checks cleared for the next tests")
    stats_sim.apply_commands([["osd pool set-quota", {"pool": "data", "field": "max_objects", "val": "1"}]])
    for _ in range(200):
        if "OSD_NEARFULL" in stats_sim.health()["checks"]:
            break
        stats_sim.write("rbd", 16 << 20)
    sim = stats_sim.health()["checks"]
    names = {real_pool: "'POOL'", "data": "'POOL'", "rbd": "'POOL'", "device_health_metrics": "'POOL'"}
    for code in ("OSD_NEARFULL", "POOL_NEARFULL", "POOL_FULL"):
        assert _worded(real[code], names) == _worded(sim[code], names), code
