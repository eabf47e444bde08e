"""actors/cluster/views/usage.py: raw, per-class and per-pool usage, quotas and host headroom."""
from __future__ import annotations

import json

import pytest

from actors.cluster.stats import ClusterStats
from actors.cluster.views.osd_map import OsdMapView
from actors.cluster.views.usage import (
    DEFAULT_FULL_RATIO, DEFAULT_NEARFULL_RATIO, api_usage, full_ratios, host_failure_headroom)
from actors.errors import Unavailable
from tests.unit import ceph_fixtures as fx
from tests.unit.actors.cluster.stats import stats_fixtures as sx

GIB = sx.GIB
NO_TREND = {"cluster": None, "pools": {}}


def test_raw_totals_and_ratios_come_from_df_and_the_osd_map():
    usage = api_usage(sx.stats(), sx.view(full_ratio=0.9, nearfull_ratio=0.8), NO_TREND)
    assert (usage["total_bytes"], usage["used_bytes"], usage["avail_bytes"]) == (600 * GIB, 120 * GIB, 480 * GIB)
    assert usage["used_ratio"] == pytest.approx(0.2)
    assert (usage["nearfull_ratio"], usage["full_ratio"]) == (0.8, 0.9)
    assert usage["stored_bytes"] == 30 * GIB + 768 * 2 ** 20       # the pools' user bytes
    assert usage["objects"] == 1290
    json.dumps(usage)


def test_a_map_without_ratios_gets_cephs_defaults():
    assert full_ratios(OsdMapView(fx.osd_map())) == (DEFAULT_NEARFULL_RATIO, DEFAULT_FULL_RATIO)
    assert full_ratios(sx.view(full_ratio=0, nearfull_ratio="x")) == (DEFAULT_NEARFULL_RATIO, DEFAULT_FULL_RATIO)


def test_pools_carry_ceph_figures_and_quota_closeness_by_id():
    df = sx.df(pools=list(reversed(sx.df()["pools"])))          # df order does not matter
    usage = api_usage(sx.stats(df=df), sx.view(), {"cluster": 12.5, "pools": {2: 3.0}})
    rbd, cephfs = usage["pools"]
    assert rbd == {"id": 1, "name": "rbd", "stored_bytes": 30 * GIB, "objects": 1000,
                   "used_bytes": 90 * GIB, "percent_used": pytest.approx(20.0),
                   "max_avail_bytes": 120 * GIB, "quota_max_bytes": 0, "quota_max_objects": 0,
                   "quota_bytes_ratio": None, "quota_objects_ratio": None, "days_until_full": None}
    assert cephfs["quota_max_bytes"] == GIB and cephfs["quota_max_objects"] == 1000
    assert cephfs["quota_bytes_ratio"] == pytest.approx(0.75)
    assert cephfs["quota_objects_ratio"] == pytest.approx(0.29)
    assert cephfs["days_until_full"] == 3.0 and usage["days_until_full"] == 12.5


def test_the_osd_map_is_the_authority_on_quotas():
    data = fx.osd_map()
    data["pools"][1]["quota_max_bytes"] = 0          # quota removed since the df was taken
    cephfs = api_usage(sx.stats(), OsdMapView(data), NO_TREND)["pools"][1]
    assert cephfs["quota_max_bytes"] == 0 and cephfs["quota_bytes_ratio"] is None
    data["pools"] = data["pools"][:1]                 # a pool the map does not have yet: df's quota
    cephfs = api_usage(sx.stats(), OsdMapView(data), NO_TREND)["pools"][1]
    assert cephfs["name"] == "cephfs_data" and cephfs["quota_max_bytes"] == GIB


def test_device_classes_by_name():
    classes = api_usage(sx.stats(), sx.view(), NO_TREND)["device_classes"]
    assert [c["name"] for c in classes] == ["hdd", "ssd"]
    assert classes[1] == {"name": "ssd", "total_bytes": 100 * GIB, "used_bytes": 10 * GIB,
                          "avail_bytes": 90 * GIB, "used_ratio": pytest.approx(0.1)}


def test_host_failure_headroom_of_the_fullest_host():
    headroom = api_usage(sx.stats(), sx.view(), NO_TREND)["host_failure_headroom"]
    # node1 holds 60 GiB; the other four OSDs: 0.95 × 400 GiB − 60 GiB used − 60 GiB = 260 GiB
    assert headroom == {"host": "node1", "host_used_bytes": 60 * GIB, "fits": True,
                        "margin_bytes": pytest.approx(260 * GIB)}


def test_osds_that_cannot_take_data_give_no_room():
    nodes = [sx.osd_df_node(i, used, reweight=0.0 if i == 3 else 1.0, status="down" if i == 4 else "up")
             for i, used in sx.OSD_USED.items()]
    headroom = api_usage(sx.stats(osd_df=sx.osd_df(nodes)), sx.view(), NO_TREND)["host_failure_headroom"]
    # receivers: osd.2 (20 GiB used) and osd.5 (10 GiB): 0.95 × 200 − 30 − 60 = 100 GiB
    assert headroom["margin_bytes"] == pytest.approx(100 * GIB) and headroom["fits"] is True


def test_a_host_too_big_for_the_rest_does_not_fit():
    used = {0: 95 * GIB, 1: 95 * GIB, 2: 90 * GIB, 3: 90 * GIB, 4: 90 * GIB, 5: 5 * GIB}
    nodes = [sx.osd_df_node(i, u) for i, u in used.items()]
    headroom = host_failure_headroom(sx.osd_df(nodes), {0: "a", 1: "a", 2: "b", 3: "b", 4: "c", 5: "c"}, 0.95)
    assert headroom["host"] == "a" and headroom["fits"] is False
    assert headroom["margin_bytes"] == pytest.approx(-85 * GIB)    # 0.95 × 400 − 275 − 190


def test_a_single_host_cluster_cannot_survive_losing_it():
    headroom = host_failure_headroom(sx.osd_df(), {i: "only" for i in range(6)}, 0.95)
    assert headroom["fits"] is False and headroom["margin_bytes"] == -sum(sx.OSD_USED.values())


def test_no_headroom_before_osd_df_or_without_hosts():
    assert api_usage(sx.stats(with_osd=False), sx.view(), NO_TREND)["host_failure_headroom"] is None
    assert host_failure_headroom(sx.osd_df(), {}, 0.95) is None


def test_unavailable_before_the_first_df():
    with pytest.raises(Unavailable):
        api_usage(ClusterStats(), sx.view(), NO_TREND)


def test_malformed_entries_read_as_zero_or_are_skipped():
    df = sx.df()
    df["stats"]["total_used_raw_bytes"] = "lots"
    df["pools"].append({"name": "broken", "id": "7", "stats": {}})
    df["pools"].append({"name": "nostats", "id": 8})
    df["stats_by_class"] = []
    usage = api_usage(sx.stats(df=df), sx.view(), NO_TREND)
    assert usage["used_bytes"] == 0 and usage["used_ratio"] == 0
    assert [p["id"] for p in usage["pools"]] == [1, 2] and usage["device_classes"] == []
