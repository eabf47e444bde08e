"""actors/cluster/views/samples.py: the history series' names and one heartbeat's point of each."""
from __future__ import annotations

import pytest

from actors.cluster.stats import ClusterStats
from actors.cluster.views.io import api_io
from actors.cluster.views.samples import CLUSTER_SERIES, POOL_SERIES, sample, series_problem
from actors.cluster.views.usage import api_usage
from tests.unit.actors.cluster.stats import stats_fixtures as sx


def test_every_cluster_series_has_a_value_and_agrees_with_the_live_figures():
    stats = sx.stats()
    point = sample(stats)
    assert set(CLUSTER_SERIES) <= point.keys()
    assert all(isinstance(value, float) for value in point.values())
    usage, io = api_usage(stats, sx.view(), {"cluster": None, "pools": {}}), api_io(stats, sx.view(), None)
    for name in ("total_bytes", "used_bytes", "avail_bytes", "used_ratio", "stored_bytes", "objects"):
        assert point[name] == usage[name], name
    for name, value in {**io["client"], **io["recovery"]}.items():
        if name in CLUSTER_SERIES:
            assert point[name] == value, name
    assert (point["pgs_total"], point["pgs_active_clean"]) == (io["pgs"]["total"], io["pgs"]["active_clean"])


def test_pool_series_are_named_by_id():
    point = sample(sx.stats())
    pool_names = sorted(name for name in point if name.startswith("pool."))
    assert pool_names == sorted(f"pool.{pool_id}.{figure}" for pool_id in (1, 2) for figure in POOL_SERIES)
    assert point["pool.1.stored_bytes"] == 30 * sx.GIB and point["pool.1.used_bytes"] == 90 * sx.GIB
    assert point["pool.2.objects"] == 290 and point["pool.1.write_op_per_sec"] == 68
    assert point["pool.2.read_bytes_sec"] == 0.0          # Pacific's `{}` while idle


def test_a_pool_only_in_df_has_no_io_series():
    point = sample(sx.stats(pool_stats=sx.pool_stats()[:1]))
    assert "pool.2.stored_bytes" in point and "pool.2.write_op_per_sec" not in point


def test_no_sample_before_the_first_heartbeat():
    assert sample(ClusterStats()) == {}


@pytest.mark.parametrize("name", [*CLUSTER_SERIES, "pool.0.stored_bytes", "pool.17.write_op_per_sec"])
def test_the_kept_series_are_valid(name):
    assert series_problem(name) is None


@pytest.mark.parametrize("name, words", [
    ("used", "unknown series"), ("pool.1", "unknown series"), ("pool.1.stored_bytes.x", "unknown series"),
    ("pool.x.objects", "bad pool id"), ("pool.-1.objects", "bad pool id"), ("pool.01.objects", "bad pool id"),
    ("pool.².objects", "bad pool id"), ("pool.1.degraded_objects", "unknown pool series"),
    ("", "unknown series")])
def test_problems_name_the_series(name, words):
    problem = series_problem(name)
    assert words in problem and repr(name) in problem
