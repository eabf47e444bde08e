"""Rows of the Ceph families from odd or partial maps: states counted as the mgr counts them,
malformed entries skipped, absent figures read as 0, never an exception."""
from __future__ import annotations

from actors.messages import Service
from metrics.ceph_cluster import fs_rows, health_rows, mon_rows, pg_rows, usage_rows
from metrics.ceph_families import OSD_METADATA, PG_STATES
from metrics.ceph_osds import osd_map_rows, osd_stats_rows


def test_pg_states_count_each_part_of_a_state_name_and_absent_states_are_zero():
    rows = pg_rows({"10": {"active+clean": 3, "active+undersized+degraded": 2, "some_new_state": 1},
                    "2": {"creating": "x"}, "bad": None})
    assert rows["ceph_pg_total"] == [('pool_id="2"', 0), ('pool_id="10"', 6)]
    by_state = {state: dict(rows[f"ceph_pg_{state}"]) for state in PG_STATES}
    assert by_state["active"]['pool_id="10"'] == 5 and by_state["clean"]['pool_id="10"'] == 3
    assert by_state["degraded"]['pool_id="10"'] == 2 and by_state["undersized"]['pool_id="10"'] == 2
    assert by_state["peering"] == {'pool_id="2"': 0, 'pool_id="10"': 0}
    assert "ceph_pg_some_new_state" not in rows
    assert pg_rows(None) == {}


def test_osd_map_rows_skip_malformed_entries_and_describe_pools():
    osd_map = {"epoch": 5, "flags": None,
               "osds": [{"osd": 0, "up": 1, "in": 0, "weight": 0.5, "public_addr": "[::1]:6800/7"},
                        {"osd": "1"}, {"up": 1}, "junk"],
               "pools": [{"pool": 1, "pool_name": "r", "type": 1, "size": 2},
                         {"pool": 2, "pool_name": "e", "type": 3, "erasure_code_profile": "p",
                          "options": {"compression_mode": "aggressive"}}, {"pool_name": "no id"}],
               "erasure_code_profiles": {"p": {"k": "4", "m": "2"}},
               "osd_metadata": [{"id": 0, "hostname": "h0", "backend_filestore_dev_node": "/dev/sdb"}]}
    rows = osd_map_rows(osd_map)
    assert rows["ceph_osd_up"] == [('ceph_daemon="osd.0"', 1)] and rows["ceph_osd_in"] == [('ceph_daemon="osd.0"', 0)]
    assert rows["ceph_osd_weight"] == [('ceph_daemon="osd.0"', 0.5)]
    (meta, one), = rows["ceph_osd_metadata"]
    assert [pair.split("=")[0] for pair in meta.split('",')] == list(OSD_METADATA)   # the mgr's labels, in order
    assert one == 1 and 'objectstore="filestore"' in meta and 'hostname="h0"' in meta and 'public_addr="[::1]"' in meta
    pools = [labels for labels, _ in rows["ceph_pool_metadata"]]
    assert pools == ['pool_id="1",name="r",type="replicated",description="replica:2",compression_mode="none"',
                     'pool_id="2",name="e",type="erasure",description="ec:4+2",compression_mode="aggressive"']
    assert rows["ceph_osd_flag_noout"] == [("", 0)]
    assert osd_map_rows(None) == {} and osd_map_rows([]) == {}


def test_stats_rows_read_what_is_there():
    rows = osd_stats_rows({"nodes": [{"id": 3, "kb": 2, "kb_used": "x", "pgs": 7}, {"id": -1, "kb": 9}]},
                          {"osdstats": {"osd_perf_infos": [{"id": 3, "perf_stats": {"commit_latency_ms": 4}}]}})
    assert rows["ceph_osd_stat_bytes"] == [('ceph_daemon="osd.3"', 2048)]
    assert rows["ceph_osd_stat_bytes_used"] == [('ceph_daemon="osd.3"', 0)]
    assert rows["ceph_osd_numpg"] == [('ceph_daemon="osd.3"', 7)]
    assert rows["ceph_osd_apply_latency_ms"] == [('ceph_daemon="osd.3"', 0)]
    assert rows["ceph_osd_commit_latency_ms"] == [('ceph_daemon="osd.3"', 4)]
    assert osd_stats_rows(None, None) == {}
    usage = usage_rows({"stats": {}, "pools": [{"id": 4, "stats": {"stored": 10}}]},
                       [{"pool_id": 4, "recovery_rate": {"recovering_bytes_per_sec": 99}}], {"degraded_objects": 5})
    assert usage["ceph_cluster_total_bytes"] == [("", 0)] and usage["ceph_pool_stored"] == [('pool_id="4"', 10)]
    assert usage["ceph_pool_quota_bytes"] == [('pool_id="4"', 0)]
    assert usage["ceph_pool_recovering_bytes_per_sec"] == [('pool_id="4"', 99)]
    assert usage["ceph_num_objects_degraded"] == [("", 5)] and usage["ceph_num_objects_unfound"] == [("", 0)]
    assert usage_rows(None, None, None) == {}


def test_health_and_monitors():
    assert health_rows({"overall_status": "HEALTH_ERR", "checks": {"B": {"severity": "HEALTH_ERR"}, "A": "junk"}}) == {
        "ceph_health_status": [("", 2)], "ceph_health_detail": [('name="B",severity="HEALTH_ERR"', 1)]}
    assert "ceph_health_status" not in health_rows({"status": "HEALTH_UNKNOWN"}) and health_rows(None) == {}
    mon_status = {"quorum": [0], "monmap": {"mons": [{"rank": 0, "name": "a", "public_addr": "10.0.0.1:6789/0"},
                                                     {"rank": 1, "name": "b"}, {"rank": 2}]}}
    rows = mon_rows(mon_status, None, ((Service("f", "mon", "a"), "a.example"), (Service("f", "osd", "0"), "x")))
    assert rows["ceph_mon_quorum_status"] == [('ceph_daemon="mon.a"', 1), ('ceph_daemon="mon.b"', 0)]
    assert rows["ceph_mon_metadata"][0][0] == \
        'ceph_daemon="mon.a",hostname="a.example",public_addr="10.0.0.1",rank="0",ceph_version=""'
    with_quorum_status = mon_rows(mon_status, {"quorum": [0, 1]}, ())
    assert [value for _, value in with_quorum_status["ceph_mon_quorum_status"]] == [1, 1]


def test_file_systems_and_their_mds_daemons():
    mds_map = {"epoch": 1, "standbys": [], "filesystems": [
        {"id": 1, "mdsmap": {"epoch": 5, "fs_name": "cephfs", "data_pools": [3, 4], "metadata_pool": 2,
                             "info": {"gid_4242": {"gid": 4242, "name": "node1", "rank": 0, "state": "up:active",
                                                   "addr": "10.0.0.1:6800/99"}, "gid_1": "junk"}}},
        {"id": 2}]}
    rows = fs_rows(mds_map, ((Service("f", "mds", "node1"), "node1.example"),))
    assert rows["ceph_fs_metadata"] == [('data_pools="3,4",fs_id="1",metadata_pool="2",name="cephfs"', 1)]
    assert rows["ceph_mds_metadata"] == [('ceph_daemon="mds.node1",fs_id="1",hostname="node1.example",'
                                          'public_addr="10.0.0.1:6800/99",rank="0",ceph_version=""', 1)]
    assert fs_rows({"filesystems": []}, ()) == {"ceph_fs_metadata": [], "ceph_mds_metadata": []}
    assert fs_rows(None, ()) == {}
