"""`GET cluster/<fsid>/health` through the real daemon and simulated agents: the checks of
`health detail` as they come and go, worst first, and how current they are."""
from __future__ import annotations

from tests.helpers import wait_until
from tests.system.cluster_helpers import synced_cluster


def health(api, fsid: str) -> dict:
    response = api.get(f"cluster/{fsid}/health")
    assert response.status_code == 200, response.text
    return response.json()


def test_checks_come_and_go_with_the_cluster(api, fleet):
    fsid = synced_cluster(api, fleet)
    assert health(api, fsid)["status"] == "HEALTH_OK" and health(api, fsid)["checks"] == []
    fleet.clusters[0].set_osd(5, up=False)
    down = wait_until(lambda: (lambda h: h if h["checks"] else None)(health(api, fsid)), timeout_s=15,
                      what="a health check for the OSD down")
    assert down["status"] == "HEALTH_WARN"
    (check,) = [c for c in down["checks"] if c["name"] == "OSD_DOWN"]
    assert check["severity"] == "HEALTH_WARN" and check["count"] == 1 and check["muted"] is False
    assert any("osd.5" in line for line in check["detail"]), check
    severities = [c["severity"] for c in down["checks"]]
    assert severities == sorted(severities, key=lambda s: {"HEALTH_ERR": 0, "HEALTH_WARN": 1}.get(s, 2))
    cluster = fleet.clusters[0]
    cluster.set_osd(5, up=True)
    for _ in range(200):  # bounded: each advance moves simulated recovery forward (this fleet stands still)
        if cluster.get_cluster_object("health")["data"]["status"] == "HEALTH_OK":
            break
        cluster.advance(5.0)
    wait_until(lambda: health(api, fsid) == {"status": "HEALTH_OK", "checks": [],
                                             "update_time": health(api, fsid)["update_time"]},
               timeout_s=15, what="health back to OK without checks")


def test_update_time_is_the_latest_heartbeat_that_confirmed_it(api, fleet):
    fsid = synced_cluster(api, fleet)
    first = health(api, fsid)["update_time"]
    later = wait_until(lambda: (lambda t: t if t > first else None)(health(api, fsid)["update_time"]),
                       what="a later heartbeat confirming the same health")
    assert later <= api.get("cluster").json()[0]["update_time"]
    assert api.get("cluster/no-such-fsid/health").status_code == 404
