"""A thousand simulated servers in one process report to one daemon (not timed: bench/ times)."""
from __future__ import annotations

from sim.fleet import SimFleet
from tests.helpers import wait_until
from tests.system.daemon_process import DaemonProcess, logged_in_client


def test_a_fleet_of_1000_servers_is_managed_and_the_daemon_stops_cleanly(tmp_path):
    daemon = DaemonProcess(tmp_path / "data", heartbeat_s=1.0).start()
    fleet = SimFleet(daemon.bus_endpoint, server_key=daemon.bus_key, servers=1000, osds_per_server=1,
                     heartbeat_s=1.0, advance_every_s=None).start()
    try:
        with logged_in_client(daemon.http_url) as api:
            fsid = fleet.clusters[0].fsid
            # Generous: 1,000 CurveZMQ handshakes share two cores with whatever else CI runs; how
            # fast the fleet is taken in is measured by bench/soak.py, not here.
            wait_until(lambda: sum(s["managed"] for s in api.get("server").json()) == 1000,
                       timeout_s=180, every_s=0.5)
            assert len(api.get("server").json()) == 1000
            wait_until(lambda: api.get(f"cluster/{fsid}/osd").status_code == 200, timeout_s=30)
            osds = api.get(f"cluster/{fsid}/osd").json()
            assert len(osds) == 1000 and all(o["server"] for o in osds)
            assert len(api.get(f"cluster/{fsid}/server").json()) == 1000
    finally:
        fleet.stop()
        assert daemon.stop() == 0, daemon.log_text()[-3000:]
