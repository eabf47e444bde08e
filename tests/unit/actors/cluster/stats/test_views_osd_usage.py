"""actors/cluster/views/osd_usage.py: per-OSD rows from `osd df`, their hosts, and the filter."""
from __future__ import annotations

import json

import pytest

from actors.cluster.stats import ClusterStats
from actors.cluster.views.osd_map import OsdMapView
from actors.cluster.views.osd_usage import osd_hosts, osd_usage_rows, select_osd_usage
from actors.errors import Unavailable
from tests.unit import ceph_fixtures as fx
from tests.unit.actors.cluster.stats import stats_fixtures as sx


def test_one_row_per_osd_by_id_in_bytes():
    nodes = list(reversed(sx.osd_df()["nodes"]))
    rows = osd_usage_rows(sx.stats(osd_df=sx.osd_df(nodes)), sx.view())
    assert [row["id"] for row in rows] == [0, 1, 2, 3, 4, 5]
    assert rows[5] == {"id": 5, "host": "node3", "device_class": "ssd", "total_bytes": 100 * sx.GIB,
                       "used_bytes": 10 * sx.GIB, "avail_bytes": 90 * sx.GIB,
                       "utilization": pytest.approx(10.0), "var": 1.0, "pgs": 40, "status": "up",
                       "reweight": 1.0, "crush_weight": 0.25}
    json.dumps(rows)


def test_host_is_the_crush_bucket_else_the_metadata_hostname():
    data = fx.osd_map()
    data["osd_metadata"][0]["hostname"] = "moved.example"     # the CRUSH tree wins
    node1 = next(n for n in data["tree"]["nodes"] if n["name"] == "node1")
    node1["children"].remove(1)                                # osd.1: metadata only
    node3 = next(n for n in data["tree"]["nodes"] if n["name"] == "node3")
    node3["children"].remove(5)                                # osd.5: neither (no metadata)
    hosts = osd_hosts(OsdMapView(data))
    assert hosts == {0: "node1", 1: "node1", 2: "node2", 3: "node2", 4: "node3"}
    data["osd_metadata"][1]["hostname"] = "h1.example"
    assert osd_hosts(OsdMapView(data))[1] == "h1.example"
    assert osd_usage_rows(sx.stats(), OsdMapView(data))[5]["host"] is None


def test_stray_osds_are_listed_and_buckets_are_not():
    osd_df = sx.osd_df(sx.osd_df()["nodes"][:4])
    osd_df["nodes"].append({"id": -3, "name": "node1", "type": "host", "kb": 1})
    osd_df["stray"] = [sx.osd_df_node(9, sx.GIB, status="down")]
    rows = osd_usage_rows(sx.stats(osd_df=osd_df), sx.view())
    assert [row["id"] for row in rows] == [0, 1, 2, 3, 9]
    assert rows[-1]["status"] == "down" and rows[-1]["host"] is None


def test_unavailable_before_the_first_osd_df():
    with pytest.raises(Unavailable):
        osd_usage_rows(sx.stats(with_osd=False), sx.view())
    with pytest.raises(Unavailable):
        osd_usage_rows(ClusterStats(), OsdMapView(None))


def test_select_by_host_and_utilization():
    rows = osd_usage_rows(sx.stats(), sx.view())
    assert select_osd_usage(rows) is rows
    assert [r["id"] for r in select_osd_usage(rows, host="node2")] == [2, 3]
    assert [r["id"] for r in select_osd_usage(rows, utilization_gte=20)] == [0, 1, 2, 3]
    assert [r["id"] for r in select_osd_usage(rows, host="node1", utilization_gte=25)] == [0, 1]
    assert select_osd_usage(rows, host="nowhere") == []
