"""Restart on the same data dir, clean shutdown (bad frames on the bus: test_bus_fuzz.py).
The restart runs on each database backend (`db_url`, tests/db_backends.py)."""
from __future__ import annotations

from tests.system.conftest import HEARTBEAT_S, start_fleet
from tests.system.daemon_process import DaemonProcess, logged_in_client
from tests.system.cluster_helpers import synced_cluster


def test_restart_restores_clusters_servers_maps_and_events_before_any_heartbeat(tmp_path, db_url):
    first = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S, extra_args=["--db", db_url]).start()
    fleet = start_fleet(first)
    try:
        with logged_in_client(first.http_url) as api:
            fsid = synced_cluster(api, fleet)
            servers = api.get("server").json()
            osds = api.get(f"cluster/{fsid}/osd").json()
            events = api.get("event", params={"page_size": 1000}).json()["results"]
    finally:
        fleet.stop()
        assert first.stop() == 0
    second = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S, extra_args=["--db", db_url]).start()
    try:
        with logged_in_client(second.http_url) as api:   # the same admin account, from the database
            assert [c["id"] for c in api.get("cluster").json()] == [fsid]
            assert [s["fqdn"] for s in api.get("server").json()] == [s["fqdn"] for s in servers]
            assert api.get(f"cluster/{fsid}/osd").json() == osds
            assert len(api.get(f"cluster/{fsid}/mon").json()) == 3
            assert api.get(f"cluster/{fsid}/config/fsid").json()["value"] == fsid
            after = [e["message"] for e in api.get("event", params={"page_size": 1000}).json()["results"]]
            assert after.count("Calamari server started") == 2
            assert all(e["message"] in after for e in events)
    finally:
        assert second.stop() == 0

