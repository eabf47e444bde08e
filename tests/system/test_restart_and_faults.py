"""Restart on the same data dir, bad frames on the bus, clean shutdown."""
from __future__ import annotations

import zmq

from bus.protocol import PROTOCOL_VERSION, ServerHeartbeat, encode, packb
from tests.system.conftest import HEARTBEAT_S, start_fleet
from tests.system.daemon_process import DaemonProcess, logged_in_client
from tests.system.test_read_api import synced_cluster


def test_restart_restores_clusters_servers_maps_and_events_before_any_heartbeat(tmp_path):
    first = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S).start()
    fleet = start_fleet(first.bus_endpoint)
    try:
        with logged_in_client(first.http_url) as api:
            fsid = synced_cluster(api, fleet)
            servers = api.get("server").json()
            osds = api.get(f"cluster/{fsid}/osd").json()
            events = api.get("event", params={"page_size": 1000}).json()["results"]
    finally:
        fleet.stop()
        assert first.stop() == 0
    second = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S).start()
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


def test_malformed_frames_are_dropped_and_the_bus_keeps_serving(daemon, api):
    context = zmq.Context()
    socket = context.socket(zmq.DEALER)
    socket.setsockopt(zmq.LINGER, 0)
    socket.setsockopt(zmq.IDENTITY, b"intruder.example")
    socket.connect(daemon.bus_endpoint)
    try:
        good = encode(ServerHeartbeat("other.example", "other", 1.0, None, [], {}), sender="other.example")
        for frames in ([b"garbage"], [b"NOPE", b"x"], [PROTOCOL_VERSION, b"\xc1\xc1"],
                       [PROTOCOL_VERSION, packb({"kind": "launch", "sender": "intruder.example",
                                                 "sent_at": 1.0, "body": {}})],
                       [PROTOCOL_VERSION, packb({"kind": "server_heartbeat", "sender": "intruder.example",
                                                 "sent_at": 1.0, "body": {"fqdn": 5}})],
                       good):   # a valid message claiming another sender
            socket.send_multipart(frames)
        fleet = start_fleet(daemon.bus_endpoint)
        try:
            synced_cluster(api, fleet)
        finally:
            fleet.stop()
        names = [s["fqdn"] for s in api.get("server").json()]
        assert "intruder.example" not in names and "other.example" not in names
        assert "dropped" in daemon.log_text()
    finally:
        socket.close()
        context.term()
