"""actors/cluster/views/health.py: Ceph's `health detail` as a list of checks, worst first."""
from __future__ import annotations

import pytest

from actors.cluster.views.health import api_health
from actors.errors import Unavailable

DETAIL = {"status": "HEALTH_ERR", "mutes": [], "checks": {
    "OSD_DOWN": {"severity": "HEALTH_WARN", "summary": {"message": "1 osds down", "count": 1},
                 "detail": [{"message": "osd.5 (root=default,host=h2) is down"}], "muted": False},
    "MON_DISK_LOW": {"severity": "HEALTH_WARN", "summary": {"message": "mon a is low on space", "count": 1},
                     "detail": [], "muted": True},
    "PG_DAMAGED": {"severity": "HEALTH_ERR", "summary": {"message": "Possible data damage: 1 pg inconsistent",
                                                         "count": 1},
                   "detail": [{"message": "pg 2.5 is active+clean+inconsistent"}]},
    "POOL_NO_REDUNDANCY": {"severity": "HEALTH_WARN", "summary": {"message": "2 pool(s) have no replicas",
                                                                  "count": 2}, "detail": []}}}


def test_checks_are_listed_worst_first_then_by_name():
    health = api_health(DETAIL, "f")
    assert health["status"] == "HEALTH_ERR"
    assert [c["name"] for c in health["checks"]] == ["PG_DAMAGED", "MON_DISK_LOW", "OSD_DOWN", "POOL_NO_REDUNDANCY"]
    assert health["checks"][2] == {"name": "OSD_DOWN", "severity": "HEALTH_WARN", "summary": "1 osds down",
                                   "count": 1, "muted": False,
                                   "detail": ["osd.5 (root=default,host=h2) is down"]}
    assert health["checks"][1]["muted"] is True and health["checks"][3]["count"] == 2
    assert health["checks"][0]["muted"] is False          # no "muted" key in the map: not muted


def test_a_healthy_cluster_has_no_checks():
    assert api_health({"status": "HEALTH_OK", "checks": {}, "mutes": []}, "f") == {"status": "HEALTH_OK",
                                                                                   "checks": []}


def test_before_the_first_copy_it_is_unavailable():
    with pytest.raises(Unavailable, match="health of cluster f"):
        api_health(None, "f")


def test_odd_entries_do_not_break_the_list():
    odd = {"status": "HEALTH_WARN", "checks": {"X": "not a check", "Y": {"severity": "HEALTH_INFO"}}}
    assert api_health(odd, "f")["checks"] == [{"name": "Y", "severity": "HEALTH_INFO", "summary": "",
                                               "count": 0, "muted": False, "detail": []}]
