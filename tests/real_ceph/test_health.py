"""`GET cluster/<fsid>/health` on the real cluster: a check raised by a change typed with `ceph`
shows in the API with Ceph's own words, and goes when the change is undone."""
from __future__ import annotations

from tests.helpers import wait_until
from tests.real_ceph.api_helpers import synced


def checks(managed) -> dict:
    response = managed.api.get(managed.url("health"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"status", "checks", "update_time"} and body["update_time"]
    return {c["name"]: c for c in body["checks"]}


def test_a_flag_set_on_the_cluster_is_a_health_check_in_the_api(managed):
    synced(managed)
    managed.cluster.ceph("osd", "set", "noout")
    try:
        flags = wait_until(lambda: checks(managed).get("OSDMAP_FLAGS"), timeout_s=20, every_s=0.2,
                           what="OSDMAP_FLAGS in the API's health")
        assert flags["severity"] == "HEALTH_WARN" and "noout" in flags["summary"] and flags["count"] >= 1
        assert managed.api.get(managed.url("health")).json()["status"] == "HEALTH_WARN"
    finally:
        managed.cluster.ceph("osd", "unset", "noout")
    wait_until(lambda: "OSDMAP_FLAGS" not in checks(managed), timeout_s=20, every_s=0.2,
               what="OSDMAP_FLAGS gone from the API's health")
