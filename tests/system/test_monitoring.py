"""Changes in the simulated cluster reach the API: OSDs, quorum, health, failover, lateness."""
from __future__ import annotations

from tests.helpers import wait_until
from tests.system.cluster_helpers import messages, synced_cluster


def test_osd_down_behind_our_back_is_seen_with_events_and_health(api, fleet):
    fsid = synced_cluster(api, fleet)
    cluster = fleet.clusters[0]
    cluster.set_osd(5, up=False)
    wait_until(lambda: api.get(f"cluster/{fsid}/osd/5").json()["up"] is False)
    osd5 = api.get(f"cluster/{fsid}/osd/5").json()
    assert osd5["valid_commands"] == []
    wait_until(lambda: any(m.startswith("OSD ceph.5 went down") for m in messages(api)))
    wait_until(lambda: api.get(f"cluster/{fsid}/sync_object/health").json()["status"] == "HEALTH_WARN")
    wait_until(lambda: any("degraded from HEALTH_OK to HEALTH_WARN" in m for m in messages(api)))
    cluster.set_osd(5, up=True)
    wait_until(lambda: api.get(f"cluster/{fsid}/osd/5").json()["up"] is True)
    for _ in range(200):  # bounded: each advance moves simulated recovery forward
        if cluster.get_cluster_object("health")["data"]["status"] == "HEALTH_OK":
            break
        cluster.advance(5.0)
    wait_until(lambda: any("recovered from HEALTH_WARN to HEALTH_OK" in m for m in messages(api)))
    assert any(m.startswith("OSD ceph.5 came up") for m in messages(api))


def test_osd_marked_out_and_in_behind_our_back(api, fleet):
    fsid = synced_cluster(api, fleet)
    fleet.clusters[0].set_osd(7, in_=False)
    wait_until(lambda: api.get(f"cluster/{fsid}/osd/7").json()["in"] is False)
    wait_until(lambda: any(m.startswith("OSD ceph.7 marked out") for m in messages(api, severity="WARNING")))
    fleet.clusters[0].set_osd(7, in_=True)
    wait_until(lambda: api.get(f"cluster/{fsid}/osd/7").json()["in"] is True)
    wait_until(lambda: any(m.startswith("OSD ceph.7 marked in") for m in messages(api)))


def test_mon_leaving_quorum(api, fleet):
    fsid = synced_cluster(api, fleet)
    cluster = fleet.clusters[0]
    mons = api.get(f"cluster/{fsid}/mon").json()
    victim = next(m for m in mons if not m["leader"])
    cluster.stop_mon(victim["name"])
    wait_until(lambda: not next(m for m in api.get(f"cluster/{fsid}/mon").json()
                                if m["name"] == victim["name"])["in_quorum"])
    wait_until(lambda: any(f"Mon 'ceph.{victim['name']}' left quorum" in m for m in messages(api)))
    cluster.start_mon(victim["name"])
    wait_until(lambda: all(m["in_quorum"] for m in api.get(f"cluster/{fsid}/mon").json()))
    wait_until(lambda: any(f"Mon 'ceph.{victim['name']}' joined quorum" in m for m in messages(api)))


def test_favourite_mon_going_dark_fails_over(api, fleet):
    fsid = synced_cluster(api, fleet)
    for backend in fleet.backends.values():
        backend.dark = True
    before = api.get(f"cluster/{fsid}").json()["update_time"]
    wait_until(lambda: "Cluster 'ceph' is late reporting in" in messages(api), timeout_s=15)
    assert api.get(f"cluster/{fsid}").json()["update_time"] == before
    # Bring back one host only: whichever it is, it must take over as the favourite.
    survivor = sorted(fleet.backends)[-1]
    fleet.backends[survivor].dark = False
    wait_until(lambda: api.get(f"cluster/{fsid}").json()["update_time"] != before, timeout_s=15)
    wait_until(lambda: f"Server {survivor} regained contact" in messages(api))
    wait_until(lambda: "Cluster 'ceph' regained contact" in messages(api))


def test_unmanaged_server_inferred_from_the_maps(daemon, api):
    from sim.fleet import SimFleet
    from tests.system.conftest import HEARTBEAT_S
    fleet = SimFleet(daemon.bus_endpoint, server_key=daemon.bus_key, heartbeat_s=HEARTBEAT_S,
                     advance_every_s=None)
    # One host without an agent: its OSDs still appear, on an unmanaged server.
    silent = sorted(fleet.backends)[-1]
    fleet.backends[silent].dark = True
    fleet.start()
    try:
        fsid = fleet.clusters[0].fsid
        wait_until(lambda: api.get(f"cluster/{fsid}/osd").status_code == 200, timeout_s=15)
        hostname = silent.split(".")[0]
        servers = wait_until(lambda: {s["fqdn"]: s for s in api.get("server").json()}.get(hostname))
        assert servers["managed"] is False and servers["last_contact"] is None
        assert sorted(s["type"] for s in servers["services"]) == ["osd"] * 4
        # When its agent starts reporting, the inferred entry is taken over.
        fleet.backends[silent].dark = False
        wait_until(lambda: hostname not in {s["fqdn"] for s in api.get("server").json()})
        wait_until(lambda: api.get(f"server/{silent}").status_code == 200)
    finally:
        fleet.stop()
