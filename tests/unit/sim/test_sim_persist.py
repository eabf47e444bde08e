"""sim/persist.py: a simulated cluster saved after each change resumes exactly where it was."""
from __future__ import annotations

import stat

import pytest

from agent.backend import SYNC_TYPES
from sim.model import SimCluster
from sim.persist import SimStateDir


def saving(tmp_path, **kwargs) -> tuple[SimCluster, SimStateDir]:
    state = SimStateDir(tmp_path / "sim")
    cluster = SimCluster(**kwargs)
    cluster.saver = state.save
    return cluster, state


def test_every_change_is_saved_and_resumes_identically(tmp_path):
    cluster, state = saving(tmp_path, index=2, seed=7)
    cluster.create_pool("kept", 8)
    cluster.apply_commands([["osd out", {"ids": ["2"]}], ["config-key set", {"key": "k", "val": "v"}]])
    cluster.stop_osd(5)
    cluster.advance(0.3)
    # No explicit save: the changes above saved themselves.
    resumed = SimCluster.from_state(state.load(2))
    assert resumed.fsid == cluster.fsid and resumed.versions() == cluster.versions()
    for sync_type in SYNC_TYPES:
        assert resumed.get_cluster_object(sync_type) == cluster.get_cluster_object(sync_type), sync_type
    fqdn = cluster.host_fqdns[0]
    assert resumed.tail_log(fqdn, "ceph/ceph.log", 20) == cluster.tail_log(fqdn, "ceph/ceph.log", 20)
    assert resumed.apply_commands([["config-key get", {"key": "k"}]])["results"] == ["v"]
    # Both carry on alike: the same random choices, the same epochs.
    for model in (cluster, resumed):
        model.advance(10)
        model.start_osd(5)
    assert resumed.versions() == cluster.versions() and resumed.pgs_brief() == cluster.pgs_brief()


def test_files_are_private_and_replaced_atomically(tmp_path):
    cluster, state = saving(tmp_path, index=0)
    cluster.create_pool("a", 8)
    path = state.file_of(0)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(state.path.stat().st_mode) == 0o700
    (state.path / ".cluster-0.json.x.tmp").write_text("{torn")   # a crash mid-write leaves this
    cluster.create_pool("b", 8)
    pools = SimCluster.from_state(state.load(0)).get_cluster_object("osd_map")["data"]["pools"]
    assert {"a", "b"} <= {p["pool_name"] for p in pools}
    assert sorted(p.name for p in state.path.iterdir() if not p.name.endswith(".tmp")) == ["cluster-0.json"]


def test_an_unreadable_state_is_an_error_not_a_fresh_cluster(tmp_path):
    state = SimStateDir(tmp_path)
    assert state.load(0) is None
    state.file_of(0).write_text('{"format": 1, "cluster": {"__sim__": "Popen", "v": {}}}')
    with pytest.raises(ValueError, match="cluster-0.json"):
        state.load(0)
    state.file_of(0).write_text("not json")
    with pytest.raises(ValueError):
        state.load(0)
