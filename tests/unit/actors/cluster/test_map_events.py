"""Event diffs between consecutive sync objects (calamari-internals §6.2; §10.4 #27 fixed)."""
from __future__ import annotations

import copy

import pytest

from actors.events import ERROR, INFO, RECOVERY, WARNING, Event
from actors.cluster.map_events import diff_health, diff_mon_status, diff_osd_map, diff_quorum_status
from actors.cluster.views.config import health_status
from tests.unit import ceph_fixtures as fx

NOW = 1_800_000_000.0
SERVERS = fx.osd_servers()


def osd_fqdn(osd_id: int) -> str | None:
    return SERVERS.get(osd_id)


def mon_fqdn(name: str) -> str | None:
    return fx.fqdn(name) if name in fx.MON_NAMES else None


def osd_diff(old, new, fqdn=osd_fqdn):
    return diff_osd_map(fx.CLUSTER, fx.FSID, old, new, fqdn, NOW)


def osd_event(severity, message, osd_id, fqdn):
    return Event(when=NOW, severity=severity, message=message, fsid=fx.FSID, fqdn=fqdn,
                 service_type="osd", service_id=str(osd_id))


# -- osd map -------------------------------------------------------------------------------------

def test_first_copy_produces_nothing():
    assert osd_diff(None, fx.osd_map(down=[3])) == []
    assert diff_mon_status(fx.CLUSTER, fx.FSID, None, fx.mon_status(), mon_fqdn, NOW) == []
    assert diff_quorum_status(fx.CLUSTER, fx.FSID, None, fx.quorum_status(), mon_fqdn, NOW) == []
    assert diff_health(fx.CLUSTER, fx.FSID, None, fx.health("HEALTH_ERR"), NOW) == []


def test_identical_maps_produce_nothing():
    assert osd_diff(fx.osd_map(41), fx.osd_map(42)) == []


def test_osd_went_down_and_came_up():
    assert osd_diff(fx.osd_map(down=[0]), fx.osd_map(down=[3])) == [
        osd_event(RECOVERY, "OSD ceph.0 came up (on node1.example)", 0, "node1.example"),
        osd_event(WARNING, "OSD ceph.3 went down (on node2.example)", 3, "node2.example")]


def test_osd_marked_out_and_in():
    old, new = fx.osd_map(), fx.osd_map()
    old["osds"][2]["in"] = 0
    new["osds"][4]["in"] = 0
    ids = (old["osds"][2]["osd"], new["osds"][4]["osd"])
    assert osd_diff(old, new) == [
        osd_event(RECOVERY, f"OSD ceph.{ids[0]} marked in (on {osd_fqdn(ids[0])})", ids[0], osd_fqdn(ids[0])),
        osd_event(WARNING, f"OSD ceph.{ids[1]} marked out (on {osd_fqdn(ids[1])})", ids[1], osd_fqdn(ids[1]))]


def test_osd_without_a_server_has_no_on_server():
    assert osd_diff(fx.osd_map(), fx.osd_map(down=[3]), fqdn=lambda osd_id: None) == [
        osd_event(WARNING, "OSD ceph.3 went down", 3, None)]


def test_osd_added_and_removed():
    old, new = fx.osd_map(), fx.osd_map()
    old["osds"] = [osd for osd in old["osds"] if osd["osd"] != 5]
    new["osds"] = [osd for osd in new["osds"] if osd["osd"] != 1]
    assert osd_diff(old, new) == [
        osd_event(INFO, "OSD ceph.1 (on node1.example) removed from the cluster map", 1,
                  "node1.example"),
        osd_event(INFO, "OSD ceph.5 (on node3.example) added to the cluster map", 5,
                  "node3.example")]


def test_new_osd_that_is_down_is_only_added():
    old, new = fx.osd_map(), fx.osd_map(down=[5])
    old["osds"].pop()
    assert [event.message for event in osd_diff(old, new, fqdn=lambda osd_id: None)] == [
        "OSD ceph.5 added to the cluster map"]


def test_pools_added_and_removed():
    old, new = fx.osd_map(), fx.osd_map(erasure=True)
    new["pools"] = [pool for pool in new["pools"] if pool["pool"] != 2]
    assert osd_diff(old, new) == [
        Event(when=NOW, severity=INFO, message="Pool 'cephfs_data' (ceph.2) removed from cluster",
              fsid=fx.FSID, service_type="pool", service_id="2"),
        Event(when=NOW, severity=INFO, message="Pool 'ecpool' (ceph.3) added to cluster",
              fsid=fx.FSID, service_type="pool", service_id="3")]


def test_diff_does_not_modify_its_inputs():
    old, new = fx.osd_map(), fx.osd_map(down=[2], erasure=True)
    before = copy.deepcopy((old, new))
    osd_diff(old, new)
    assert (old, new) == before


# -- mon status and quorum -----------------------------------------------------------------------

def mon_event(severity, message, name):
    return Event(when=NOW, severity=severity, message=message, fsid=fx.FSID,
                 fqdn=mon_fqdn(name), service_type="mon", service_id=name)


def mon_diff(old, new):
    return diff_mon_status(fx.CLUSTER, fx.FSID, old, new, mon_fqdn, NOW)


def test_mon_left_and_joined_quorum():
    assert mon_diff(fx.mon_status(quorum=(0, 1, 2)), fx.mon_status(epoch=10, quorum=(0, 1))) == [
        mon_event(WARNING, "Mon 'ceph.node3' left quorum (on node3.example)", "node3")]
    assert mon_diff(fx.mon_status(epoch=10, quorum=(0, 1)), fx.mon_status(epoch=12)) == [
        mon_event(RECOVERY, "Mon 'ceph.node3' joined quorum (on node3.example)", "node3")]


def test_mon_removed_from_the_monmap_is_named_from_the_old_map():
    old = fx.mon_status(quorum=(0, 1, 2))
    new = fx.mon_status(epoch=10, quorum=(0, 1), names=("node1", "node2"))
    assert mon_diff(old, new) == [
        mon_event(WARNING, "Mon 'ceph.node3' left quorum (on node3.example)", "node3")]


def test_mon_joining_is_named_from_the_new_map():
    old = fx.mon_status(quorum=(0, 1), names=("node1", "node2"))
    new = fx.mon_status(epoch=10, quorum=(0, 1, 2), names=("node1", "node2", "node4"))
    assert mon_diff(old, new) == [
        Event(when=NOW, severity=RECOVERY, message="Mon 'ceph.node4' joined quorum",
              fsid=fx.FSID, fqdn=None, service_type="mon", service_id="node4")]


def test_unchanged_quorum_produces_nothing():
    assert mon_diff(fx.mon_status(), fx.mon_status(epoch=12)) == []


def quorum_diff(old, new):
    return diff_quorum_status(fx.CLUSTER, fx.FSID, old, new, mon_fqdn, NOW)


def test_leader_changed_single_space():
    assert quorum_diff(fx.quorum_status(), fx.quorum_status(epoch=10, leader="node2")) == [
        mon_event(INFO, "Mon 'ceph.node2' now quorum leader (on node2.example)", "node2")]


def test_same_or_no_leader_produces_nothing():
    assert quorum_diff(fx.quorum_status(), fx.quorum_status(epoch=10)) == []
    assert quorum_diff(fx.quorum_status(), fx.quorum_status(epoch=10, leader=None)) == []


# -- health --------------------------------------------------------------------------------------

def health_event(severity, message):
    return Event(when=NOW, severity=severity, message=message, fsid=fx.FSID)


@pytest.mark.parametrize("old, new, severity, verb", [
    ("HEALTH_OK", "HEALTH_WARN", WARNING, "degraded"),
    ("HEALTH_OK", "HEALTH_ERR", ERROR, "degraded"),
    ("HEALTH_WARN", "HEALTH_ERR", ERROR, "degraded"),
    ("HEALTH_ERR", "HEALTH_WARN", RECOVERY, "recovered"),
    ("HEALTH_ERR", "HEALTH_OK", RECOVERY, "recovered"),
    ("HEALTH_WARN", "HEALTH_OK", RECOVERY, "recovered"),
])
def test_health_changes(old, new, severity, verb):
    assert diff_health(fx.CLUSTER, fx.FSID, fx.health(old), fx.health(new), NOW) == [
        health_event(severity, f"Health of cluster 'ceph' {verb} from {old} to {new}")]


def test_health_unchanged_or_unknown_produces_nothing():
    assert diff_health(fx.CLUSTER, fx.FSID, fx.health("HEALTH_WARN"), fx.health("HEALTH_WARN"),
                       NOW) == []
    assert diff_health(fx.CLUSTER, fx.FSID, fx.health(), {"status": "HEALTH_UNKNOWN"}, NOW) == []


def test_health_reads_overall_status_of_older_ceph():
    assert diff_health(fx.CLUSTER, fx.FSID, {"overall_status": "HEALTH_OK"},
                       {"overall_status": "HEALTH_WARN"}, NOW) == [
        health_event(WARNING, "Health of cluster 'ceph' degraded from HEALTH_OK to HEALTH_WARN")]


@pytest.mark.parametrize("health, expected", [
    ({"status": "HEALTH_WARN", "checks": {}}, "HEALTH_WARN"),
    ({"overall_status": "HEALTH_ERR"}, "HEALTH_ERR"),
    ({"status": "HEALTH_OK", "overall_status": "HEALTH_WARN"}, "HEALTH_OK"),
    ({"checks": {}}, None), ({}, None), (None, None)])
def test_health_status(health, expected):
    assert health_status(health) == expected
