"""The daemon does not trust its stored maps over the cluster for ever: when a cluster keeps
reporting older map epochs than the stored ones (rebuilt under the same fsid, a restored mon
store), the stored maps are replaced, a WARNING says so, and requests waiting for an epoch of
the old history are judged against the new maps instead of hanging."""
from __future__ import annotations

from tests.helpers import wait_until
from tests.system.conftest import start_fleet
from tests.system.requests_helpers import finished, submit
from tests.system.cluster_helpers import synced_cluster


def osd_epoch(api, fsid: str) -> int | None:
    answer = api.get(f"cluster/{fsid}/sync_object/osd_map")
    return answer.json()["epoch"] if answer.status_code == 200 else None


def status_of(api, request_id: str) -> str:
    return api.get(f"request/{request_id}").json()["status"]


def warnings(api) -> list[str]:
    return [e["message"] for e in api.get("event", params={"severity": "WARNING", "page_size": 1000}).json()["results"]]


def test_a_cluster_rebuilt_under_the_same_fsid_replaces_the_stored_maps(daemon, api, tmp_path):
    keys = str(tmp_path / "keys")          # the rebuilt cluster's hosts keep their agent keys
    old = start_fleet(daemon, key_dir=keys)
    try:
        fsid = synced_cluster(api, old)
        cluster = old.clusters[0]
        fresh_epoch = cluster.versions()["osd_map"]
        cluster.set_osd(0, in_=False)
        for _ in range(4):
            cluster.set_osd(5, in_=False)
            cluster.set_osd(5, in_=True)
        cluster.stop_mon(cluster.mon_names[2])
        cluster.start_mon(cluster.mon_names[2])
        stored = cluster.versions()["osd_map"]
        wait_until(lambda: osd_epoch(api, fsid) == stored, timeout_s=10, what="the advanced OSD map")
        # Two changes the cluster applies but whose maps never reach the daemon: they wait for
        # epochs of the old history.
        for backend in old.backends.values():
            backend.mute_functions = {"get_cluster_object"}
        marked_in = submit(api, "PATCH", f"cluster/{fsid}/osd/0", {"in": True})
        flagged = submit(api, "PATCH", f"cluster/{fsid}/osd_config", {"noout": True})
        for request_id in (marked_in, flagged):
            wait_until(lambda: status_of(api, request_id).startswith("Waiting for OSD map epoch"),
                       timeout_s=10, what="a request waiting for its map")
    finally:
        old.stop()

    rebuilt = start_fleet(daemon, key_dir=keys)   # same seed: same fsid, the epochs of a new cluster
    try:
        assert rebuilt.clusters[0].fsid == fsid and rebuilt.clusters[0].versions()["osd_map"] == fresh_epoch < stored
        wait_until(lambda: osd_epoch(api, fsid) == fresh_epoch, timeout_s=15, what="the stored map replaced")
        event = wait_until(lambda: [m for m in warnings(api) if "reported older maps" in m], timeout_s=5)
        assert len(event) == 1, event
        assert f"osd_map epoch {fresh_epoch} (stored {stored})" in event[0], event[0]
        assert "mon_status" in event[0] and "Cluster 'ceph'" in event[0], event[0]
        # The fresh cluster has osd.0 in (the change is visible) and no noout flag (it is not).
        done = finished(api, marked_in, timeout_s=10)
        assert done["error"] is False, done
        refused = finished(api, flagged, timeout_s=10)
        assert refused["error"] is True and "maps were replaced" in refused["error_message"], refused
        assert "does not show it applied" in refused["error_message"], refused
        assert api.get("request", params={"state": "submitted"}).json()["count"] == 0
        # Reads follow the new maps: osd.0 is in again, as the rebuilt cluster says.
        assert {o["id"]: o["in"] for o in api.get(f"cluster/{fsid}/osd").json()}[0] is True
    finally:
        rebuilt.stop()
