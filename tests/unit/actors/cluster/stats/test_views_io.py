"""actors/cluster/views/io.py: client IO, recovery, PG states, per pool, per-OSD latency."""
from __future__ import annotations

import json

import pytest

from actors.cluster.stats import ClusterStats
from actors.cluster.views.io import api_io
from actors.errors import Unavailable
from tests.unit.actors.cluster.stats import stats_fixtures as sx

IDLE_PGMAP = {"pgs_by_state": [{"state_name": "active+clean", "count": 96}], "num_pgs": 96,
              "num_pools": 2, "num_objects": 1290, "data_bytes": 1, "bytes_used": 1, "bytes_avail": 1,
              "bytes_total": 2}


def test_cluster_client_and_recovery_figures():
    io = api_io(sx.stats(), sx.view(), None)
    assert io["client"] == {"read_bytes_sec": 1048576, "write_bytes_sec": 286409571,
                            "read_op_per_sec": 12, "write_op_per_sec": 68}
    assert io["recovery"] == {"recovering_bytes_per_sec": 12582912, "recovering_objects_per_sec": 3,
                              "degraded_objects": 10, "degraded_ratio": 0.0039, "misplaced_objects": 0,
                              "misplaced_ratio": 0, "unfound_objects": 0}
    json.dumps(io)


def test_an_idle_pacific_pgmap_omits_its_zero_keys_and_reads_as_zeros():
    io = api_io(sx.stats(pgmap=IDLE_PGMAP, pool_stats=[]), sx.view(), None)
    assert set(io["client"].values()) == {0} and set(io["recovery"].values()) == {0}
    assert io["pools"] == []


def test_pgs_counted_by_state_a_scrubbing_clean_pg_is_clean():
    pgs = api_io(sx.stats(), sx.view(), None)["pgs"]
    assert pgs == {"total": 96, "active_clean": 84,
                   "by_state": {"active+clean": 80, "active+clean+scrubbing": 4,
                                "active+recovering+degraded": 12}}


def test_pg_summary_counts_when_the_pgmap_has_none():
    summary = {"by_osd": {}, "by_pool": {}, "all": {"active+clean": 30, "peering": 2}}
    pgs = api_io(sx.stats(pgmap={**IDLE_PGMAP, "pgs_by_state": []}), sx.view(), summary)["pgs"]
    assert pgs == {"total": 32, "active_clean": 30, "by_state": {"active+clean": 30, "peering": 2}}
    pgs = api_io(sx.stats(), sx.view(), summary)["pgs"]          # the pgmap's own, same moment
    assert pgs["total"] == 96


def test_pools_by_id_with_their_client_io_and_recovery():
    pools = api_io(sx.stats(pool_stats=list(reversed(sx.pool_stats()))), sx.view(), None)["pools"]
    assert [p["id"] for p in pools] == [1, 2]
    assert pools[0] == {"id": 1, "name": "rbd",
                        "client": {"read_bytes_sec": 1048576, "write_bytes_sec": 286409571,
                                   "read_op_per_sec": 12, "write_op_per_sec": 68},
                        "recovery": {"recovering_bytes_per_sec": 12582912, "recovering_objects_per_sec": 3,
                                     "degraded_objects": 10}}
    assert pools[1]["name"] == "cephfs_data" and set(pools[1]["client"].values()) == {0}
    assert set(pools[1]["recovery"].values()) == {0}


def test_a_pool_entry_without_a_name_takes_the_maps():
    entries = [{"pool_id": 2, "client_io_rate": {"write_op_per_sec": 5}}, {"pool_name": "x"}, "junk"]
    pools = api_io(sx.stats(pool_stats=entries), sx.view(), None)["pools"]
    assert [(p["id"], p["name"], p["client"]["write_op_per_sec"]) for p in pools] == [(2, "cephfs_data", 5)]


def test_osd_latency_by_id_and_empty_before_osd_perf():
    assert api_io(sx.stats(), sx.view(), None)["osd_latency"] == [
        {"id": 0, "commit_latency_ms": 12, "apply_latency_ms": 11},
        {"id": 1, "commit_latency_ms": 0, "apply_latency_ms": 0},
        {"id": 2, "commit_latency_ms": 5, "apply_latency_ms": 4}]
    assert api_io(sx.stats(with_osd=False), sx.view(), None)["osd_latency"] == []
    odd = sx.stats(osd_perf={"osdstats": "nope"})
    assert api_io(odd, sx.view(), None)["osd_latency"] == []


def test_unavailable_before_the_first_pgmap():
    with pytest.raises(Unavailable):
        api_io(ClusterStats(), sx.view(), {"all": {"active+clean": 1}})
