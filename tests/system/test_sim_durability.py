"""A simulated cluster is a cluster: the embedded simulator's state outlives the daemon, a clean
stop and a kill -9 alike (run.py keeps it in DATA_DIR/sim)."""
from __future__ import annotations

import json
import stat

from tests.child_process import ChildProcess
from tests.helpers import wait_until
from tests.system.daemon_process import DaemonProcess, logged_in_client
from tests.system.requests_helpers import finished, submit, xsrf


def embedded(data_dir) -> DaemonProcess:
    return DaemonProcess(data_dir, heartbeat_s=0.3, embedded_sim=True).start()


def ceph(api, fsid: str, command: str, **body):
    """A `ceph` command run by the simulated cluster itself (not the daemon's stored maps)."""
    answer = api.post(f"cluster/{fsid}/cli", json={"command": command, **body}, headers=xsrf(api))
    assert answer.status_code == 200, answer.text
    return answer.json()["out"]


def sim_pools(api, fsid: str) -> list[str]:
    return ceph(api, fsid, "osd pool ls").split()


def sim_osd_epoch(api, fsid: str) -> int:
    return json.loads(ceph(api, fsid, "osd dump", format="json"))["epoch"]


def the_cluster(api) -> str:
    fsid = wait_until(lambda: [c["id"] for c in api.get("cluster").json()], timeout_s=20,
                      what="the embedded cluster")[0]
    wait_until(lambda: api.get(f"cluster/{fsid}/pool").status_code == 200, timeout_s=20)
    return fsid


def api_pools(api, fsid: str) -> list[str]:
    return [p["name"] for p in api.get(f"cluster/{fsid}/pool").json()]


def test_embedded_simulator_keeps_its_pools_and_epochs_across_kill_9(tmp_path):
    data_dir = tmp_path / "data"
    daemon = embedded(data_dir)
    try:
        with logged_in_client(daemon.http_url) as api:
            fsid = the_cluster(api)
            done = finished(api, submit(api, "POST", f"cluster/{fsid}/pool", {"name": "kept", "pg_num": 8}))
            assert done["error"] is False, done
            # The second one is killed while it may still wait for its PGs: it must finish after.
            pending = submit(api, "POST", f"cluster/{fsid}/pool", {"name": "pending", "pg_num": 8})
            wait_until(lambda: "pending" in sim_pools(api, fsid), timeout_s=10, what="the pool applied")
            epoch = sim_osd_epoch(api, fsid)
    finally:
        daemon.kill()
    state_files = [p for p in (data_dir / "sim").rglob("*") if p.is_file()]
    assert state_files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in state_files)

    daemon = embedded(data_dir)
    try:
        with logged_in_client(daemon.http_url) as api:
            assert the_cluster(api) == fsid
            assert {"kept", "pending"} <= set(sim_pools(api, fsid))
            assert sim_osd_epoch(api, fsid) >= epoch
            request = finished(api, pending, timeout_s=30)
            assert request["error"] is False, request
            wait_until(lambda: {"kept", "pending"} <= set(api_pools(api, fsid)), timeout_s=10)
            # Changes still work on the resumed cluster, above the old epochs.
            again = finished(api, submit(api, "POST", f"cluster/{fsid}/pool", {"name": "after", "pg_num": 8}))
            assert again["error"] is False, again
            assert sim_osd_epoch(api, fsid) > epoch
    finally:
        assert daemon.stop() == 0, daemon.log_text()[-4000:]

    daemon = embedded(data_dir)          # and a clean stop keeps the latest state too
    try:
        with logged_in_client(daemon.http_url) as api:
            assert {"kept", "pending", "after"} <= set(sim_pools(api, the_cluster(api)))
    finally:
        assert daemon.stop() == 0, daemon.log_text()[-4000:]


class FleetProcess(ChildProcess):
    """`run.py sim --state-dir DIR` reporting to a daemon."""

    def __init__(self, daemon: DaemonProcess, state_dir):
        self.daemon, self.state_dir = daemon, state_dir

    def start(self) -> "FleetProcess":
        self.launch(["sim", "--connect", self.daemon.bus_endpoint, f"--server-key={self.daemon.bus_key}",
                     "--heartbeat-s", "0.3", "--state-dir", str(self.state_dir)], "simulated fleet of",
                    "fleet", 30.0)
        return self


def test_a_separate_fleet_with_a_state_dir_resumes_its_clusters_after_kill_9(daemon, api, tmp_path):
    fleet = FleetProcess(daemon, tmp_path / "fleet").start()
    try:
        fsid = the_cluster(api)
        done = finished(api, submit(api, "POST", f"cluster/{fsid}/pool", {"name": "kept", "pg_num": 8}))
        assert done["error"] is False, done
        epoch = sim_osd_epoch(api, fsid)
    finally:
        fleet.kill()
    fleet = FleetProcess(daemon, tmp_path / "fleet").start()   # same keys, same clusters
    try:
        # Until the new run's first heartbeat, a cli job may still go to the killed one (503).
        wait_until(lambda: api.post(f"cluster/{fsid}/cli", json={"command": "osd pool ls"},
                                    headers=xsrf(api)).status_code == 200, timeout_s=10, what="the restarted fleet")
        assert "kept" in sim_pools(api, fsid) and sim_osd_epoch(api, fsid) >= epoch
        again = finished(api, submit(api, "POST", f"cluster/{fsid}/pool", {"name": "after", "pg_num": 8}))
        assert again["error"] is False, again
        messages = [e["message"] for e in api.get("event", params={"page_size": 1000}).json()["results"]]
        assert not [m for m in messages if "older maps" in m or "refused" in m.lower()], messages
    finally:
        assert fleet.stop() == 0, fleet.log_text()
