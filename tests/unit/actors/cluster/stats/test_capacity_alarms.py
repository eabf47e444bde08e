"""actors/cluster/capacity_alarms.py: quota, room and days-until-full alarms, once each, with
recovery, over levels that survive a restart as JSON."""
from __future__ import annotations

import json

from actors.cluster.capacity_alarms import assess
from actors.cluster.views.usage import api_usage
from actors.events import ERROR, RECOVERY, WARNING
from tests.unit import ceph_fixtures as fx
from tests.unit.actors.cluster.stats import stats_fixtures as sx

NOW = 1_790_000_000.0


def pool(pool_id=2, name="cephfs_data", *, quota=None, objects_quota=None, room=10.0, days=None) -> dict:
    return {"id": pool_id, "name": name, "percent_used": room, "quota_bytes_ratio": quota,
            "quota_objects_ratio": objects_quota, "days_until_full": days}


def figures(*pools, days=None) -> dict:
    return {"days_until_full": days, "pools": list(pools)}


def run(steps, levels=None):
    """Assess each figures in turn (through a JSON round trip of the levels, as the caller
    persists them); the events of every step, as (severity, message)."""
    seen = []
    for step in steps:
        levels, events = assess(json.loads(json.dumps(levels)) if levels else levels, step, "ceph",
                                fx.FSID, NOW)
        seen.append([(e.severity, e.message) for e in events])
    return levels, seen


def test_quota_thresholds_each_once_then_recovery_below_the_margin():
    ratios = [0.70, 0.76, 0.80, 0.86, 0.90, 0.96, 0.97, 0.74, 0.72, 0.76]
    levels, seen = run([figures(pool(quota=r)) for r in ratios])
    name = "Pool 'cephfs_data' of cluster 'ceph'"
    assert seen == [[], [(WARNING, f"{name} is 76% of its quota")], [],
                    [(WARNING, f"{name} is 86% of its quota")], [],
                    [(ERROR, f"{name} is 96% of its quota")], [],
                    [],                                                  # 74 %: inside the margin
                    [(RECOVERY, f"{name} is back below 75% of its quota")],
                    [(WARNING, f"{name} is 76% of its quota")]]
    assert levels["pools"] == {"2": {"quota": 75}}


def test_the_nearer_of_the_byte_and_object_quota_counts():
    _, seen = run([figures(pool(quota=0.10, objects_quota=0.88))])
    assert seen == [[(WARNING, "Pool 'cephfs_data' of cluster 'ceph' is 88% of its quota")]]


def test_a_jump_past_several_thresholds_announces_the_highest():
    _, seen = run([figures(pool(room=50.0)), figures(pool(room=97.5))])
    assert seen == [[], [(ERROR, "Pool 'cephfs_data' of cluster 'ceph' is 97% full")]]


def test_a_drop_between_thresholds_is_silent_but_rearms_the_higher_one():
    _, seen = run([figures(pool(room=r)) for r in (86.0, 80.0, 86.0, 84.0, 86.0)])
    assert seen == [[(WARNING, "Pool 'cephfs_data' of cluster 'ceph' is 86% full")], [],
                    [(WARNING, "Pool 'cephfs_data' of cluster 'ceph' is 86% full")], [], []]


def test_a_removed_quota_clears_its_alarm():
    _, seen = run([figures(pool(quota=0.9)), figures(pool(quota=None))])
    assert seen[1] == [(RECOVERY, "Pool 'cephfs_data' of cluster 'ceph' has no quota any more")]


def test_days_until_full_for_the_cluster_and_a_pool():
    steps = [figures(pool(days=40.0), days=45.0), figures(pool(days=29.5), days=20.0),
             figures(pool(days=6.2), days=31.0), figures(pool(days=8.0), days=None),
             figures(pool(days=None), days=12.0)]
    levels, seen = run(steps)
    cluster, name = "Cluster 'ceph'", "Pool 'cephfs_data' of cluster 'ceph'"
    assert seen == [[], [(WARNING, f"{cluster} will be full in 20.0 days at its present growth"),
                         (WARNING, f"{name} will be full in 29.5 days at its present growth")],
                    [(ERROR, f"{name} will be full in 6.2 days at its present growth")],   # 31: in margin
                    [(RECOVERY, f"{cluster} is no longer expected to be full within 30 days")],
                    [(WARNING, f"{cluster} will be full in 12.0 days at its present growth"),
                     (RECOVERY, f"{name} is no longer expected to be full within 30 days")]]
    assert levels == {"cluster": {"days": 30}, "pools": {}}


def test_a_restart_with_the_persisted_levels_neither_repeats_nor_misses():
    levels, _ = run([figures(pool(quota=0.9, room=80.0))])
    assert levels["pools"]["2"] == {"quota": 85, "room": 75}
    _, seen = run([figures(pool(quota=0.91, room=80.0)), figures(pool(quota=0.96, room=80.0))], levels)
    assert seen == [[], [(ERROR, "Pool 'cephfs_data' of cluster 'ceph' is 96% of its quota")]]


def test_a_vanished_pool_drops_out_silently():
    levels, _ = run([figures(pool(quota=0.9), pool(1, "rbd", room=90.0))])
    levels, seen = run([figures(pool(1, "rbd", room=90.0))], levels)
    assert seen == [[]] and set(levels["pools"]) == {"1"}


def test_events_carry_the_cluster_and_the_pool():
    levels, events = assess({}, figures(pool(quota=0.8), days=3.0), "ceph", fx.FSID, NOW)
    cluster_event, pool_event = events
    assert (cluster_event.fsid, cluster_event.service_type, cluster_event.when) == (fx.FSID, None, NOW)
    assert (pool_event.service_type, pool_event.service_id, pool_event.fsid) == ("pool", "2", fx.FSID)
    assert cluster_event.severity == ERROR


def test_odd_levels_and_missing_figures_are_harmless():
    assert assess(None, None, "ceph", fx.FSID, NOW) == ({}, [])
    levels, events = assess({"cluster": "x", "pools": {"2": {"quota": 42}}},
                            figures(pool(quota=0.5)), "ceph", fx.FSID, NOW)
    assert events == [] and levels == {"cluster": {}, "pools": {}}


def test_it_reads_a_real_usage_answer():
    # cephfs_data stores 768 MiB of its 1 GiB quota: 75 %
    usage = api_usage(sx.stats(), sx.view(), {"cluster": 5.0, "pools": {1: None, 2: 40.0}})
    levels, events = assess({}, usage, "ceph", fx.FSID, NOW)
    assert [(e.severity, e.service_id) for e in events] == [(ERROR, None), (WARNING, "2")]
    assert levels == {"cluster": {"days": 7}, "pools": {"2": {"quota": 75}}}
