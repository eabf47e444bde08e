"""Building simulated clusters for tests (a fixed clock, so timestamps and digests repeat), and
running one mon command on them with what it must or must not change."""
from __future__ import annotations

from sim.model import SimCluster

NOW = 1_800_000_000.0


def make(**kwargs) -> SimCluster:
    kwargs.setdefault("clock", lambda: NOW)
    return SimCluster(**kwargs)


# One mon command on a SimCluster, and what it must (not) have changed --------------------------

def epoch(cluster: SimCluster) -> int:
    return cluster.versions()["osd_map"]


def osd_map(cluster: SimCluster) -> dict:
    return cluster.get_cluster_object("osd_map")["data"]


def ok(cluster: SimCluster, prefix: str, **args):
    """Run one command that must succeed and change the OSD map exactly once; its result."""
    before = epoch(cluster)
    result = cluster.apply_commands([[prefix, args]])
    assert not result["error"], result["error_status"]
    assert epoch(cluster) == before + 1, f"{prefix} should bump the epoch once"
    return result["results"][0]


def noop(cluster: SimCluster, prefix: str, **args):
    """Run one command that must succeed without touching the OSD map; its result."""
    before = epoch(cluster), osd_map(cluster)
    result = cluster.apply_commands([[prefix, args]])
    assert not result["error"], result["error_status"]
    assert (epoch(cluster), osd_map(cluster)) == before
    return result["results"][0]


def fail(cluster: SimCluster, prefix: str, **args) -> str:
    """Run one command that must fail and change nothing; its error_status."""
    before = epoch(cluster), osd_map(cluster), cluster.pgs_brief()
    result = cluster.apply_commands([[prefix, args]])
    assert result["error"] is True and result["results"] == []
    assert (epoch(cluster), osd_map(cluster), cluster.pgs_brief()) == before
    return result["error_status"]
