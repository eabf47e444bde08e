"""Agents going dark: lateness said once (even across a restart), and a job out on a lost favourite."""
from __future__ import annotations

import time

from tests.helpers import wait_until
from tests.system.conftest import HEARTBEAT_S, start_fleet
from tests.system.daemon_process import DaemonProcess, logged_in_client
from tests.system.requests_helpers import cluster_with_request_timeout, finished, submit
from tests.system.cluster_helpers import messages, synced_cluster


def test_late_reporting_is_said_once_and_not_again_after_a_restart(tmp_path):
    first = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S).start()
    fleet = start_fleet(first)
    second = None
    late = [f"Server {fqdn} is late reporting in" for fqdn in sorted(fleet.backends)] + \
        ["Cluster 'ceph' is late reporting in"]
    count = lambda api, text: sum(m.startswith(text) for m in messages(api))   # noqa: E731
    try:
        with logged_in_client(first.http_url) as api:
            synced_cluster(api, fleet)
            for backend in fleet.backends.values():
                backend.dark = True
            wait_until(lambda: all(count(api, text) == 1 for text in late), timeout_s=15)
        first.kill()
        second = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S, bus_endpoint=first.bus_endpoint,
                               extra_args=["--request-timeout-s", "3"]).start()
        with logged_in_client(second.http_url) as api:
            # A job no dark agent answers: its failure comes after every lateness deadline passed.
            fqdn = sorted(fleet.backends)[0]
            request = finished(api, submit(api, "POST", f"server/{fqdn}/debug_job",
                                           {"cmd": "selftest_wait", "args": [0]}), timeout_s=15)
            assert "No answer" in request["error_message"], request
            assert all(count(api, text) == 1 for text in late), messages(api)
            for backend in fleet.backends.values():
                backend.dark = False
            regained = [f"Server {f} regained contact" for f in sorted(fleet.backends)] + \
                ["Cluster 'ceph' regained contact"]
            wait_until(lambda: all(count(api, text) == 1 for text in regained), timeout_s=15)
    finally:
        fleet.stop()
        first.kill()
        if second is not None:
            assert second.stop() == 0


def test_a_job_out_on_a_favourite_that_goes_dark_fails_once_naming_it(tmp_path):
    with cluster_with_request_timeout(tmp_path, 3) as (api, fleet, fsid):
        for backend in fleet.backends.values():
            backend.mute_functions = {"rados_commands"}   # the change applies, its answer is lost
        request_id = submit(api, "PATCH", f"cluster/{fsid}/osd/6", {"in": False})
        favourite = wait_until(lambda: _runner(fleet), what="the job ran on the favourite")
        fleet.backends[favourite].dark = True
        went_dark = time.monotonic()
        before = api.get(f"cluster/{fsid}").json()["update_time"]
        wait_until(lambda: api.get(f"cluster/{fsid}").json()["update_time"] != before, timeout_s=10)
        # replaced after 3 silent periods, at the next tick, then heard from at its next beat
        assert time.monotonic() - went_dark < 3 * HEARTBEAT_S + 2 * HEARTBEAT_S + 1.0
        request = finished(api, request_id, timeout_s=15)
        assert request["error"] is True
        assert request["error_message"].startswith(f"Lost contact with server {favourite}"), request
        failed = [m for m in messages(api) if m.startswith("Failed: ") and "ceph-osd.6" in m]
        assert len(failed) == 1, failed
        assert sum(b.jobs_run["rados_commands"] for b in fleet.backends.values()) == 1   # never re-sent
        assert api.get(f"cluster/{fsid}/osd/6").json()["in"] is False   # applied, once


def _runner(fleet) -> str | None:
    """The host that ran the muted rados_commands job."""
    return next((f for f, b in fleet.backends.items() if b.jobs_run.get("rados_commands")), None)
