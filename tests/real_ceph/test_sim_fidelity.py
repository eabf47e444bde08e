"""The simulator against real Ceph 16: every sync object has the shape the real agent fetches
(at least wherever the daemon reads, tests/real_ceph/shapes.py), and the mon commands the
daemon depends on are refused with the same words.

The simulated cluster mirrors the dev cluster (one host, three OSDs, one mon) so that state
differences do not hide or fake shape differences.
"""
from __future__ import annotations

import pytest

from agent.backend import SYNC_TYPES
from sim.model import SimCluster
from tests.helpers import wait_until
from tests.real_ceph.shapes import ALSO_COMPARED, DAEMON_READS, shape_differences

POOL = "device_health_metrics"     # the one pool both clusters always have


@pytest.fixture(scope="module")
def simulated() -> SimCluster:
    return SimCluster(hosts=1, osds_per_host=3)


def real_object(real_backend, sync_type: str) -> dict:
    return real_backend.run_job("get_cluster_object",
                                {"fsid": real_backend.fsid, "sync_type": sync_type})


def real_commands(real_backend, commands: list) -> dict:
    return real_backend.run_job("rados_commands", {"fsid": real_backend.fsid, "commands": commands})


def assert_same_shape(real: dict, simulated: dict, paths: list[str]) -> None:
    differences = shape_differences(real, simulated, paths)
    assert differences == [], \
        "shape differences (real vs simulated):\n  " + "\n  ".join(differences)


@pytest.mark.parametrize("sync_type", SYNC_TYPES)
def test_sync_object_envelope_and_top_level_keys(real_backend, simulated, sync_type):
    real, sim = real_object(real_backend, sync_type), simulated.get_cluster_object(sync_type)
    assert set(real) == set(sim) == {"fsid", "type", "version", "data"}
    assert type(real["version"]) is type(sim["version"])    # int epochs, str digests
    if sync_type != "config":   # config: the simulator shows a subset of the ~1800 options
        assert sorted(real["data"]) == sorted(sim["data"])


@pytest.mark.parametrize("sync_type", [t for t in SYNC_TYPES if t != "mds_map"])
def test_sync_object_shape_where_the_daemon_reads(real_backend, simulated, sync_type):
    real = real_object(real_backend, sync_type)["data"]
    sim = simulated.get_cluster_object(sync_type)["data"]
    assert_same_shape(real, sim, DAEMON_READS[sync_type] + ALSO_COMPARED.get(sync_type, []))


def test_mds_map_shape(real_backend, simulated):
    """The dev cluster has no filesystem: only top-level keys can be compared then."""
    real = real_object(real_backend, "mds_map")["data"]
    sim = simulated.get_cluster_object("mds_map")["data"]
    if real["filesystems"] or real["standbys"]:
        assert_same_shape(real, sim, DAEMON_READS["mds_map"])
    else:
        assert sorted(real) == sorted(sim)


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
