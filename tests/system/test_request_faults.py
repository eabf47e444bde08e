"""Requests end truthfully when jobs are lost, raise, or agents go dark; and across restarts, on
each database backend (`db_url`, tests/db_backends.py)."""
from __future__ import annotations

from tests.helpers import wait_until
from tests.system.conftest import HEARTBEAT_S, start_fleet
from tests.system.daemon_process import DaemonProcess, logged_in_client
from tests.system.requests_helpers import cluster_with_request_timeout, finished, run, submit
from tests.system.cluster_helpers import synced_cluster


def favourite_first(fleet):
    """Every mon host may be the favourite: apply a knob to all of them."""
    return list(fleet.backends.values())


def test_a_lost_job_a_raising_job_and_a_dark_agent_each_fail_the_request(tmp_path):
    with cluster_with_request_timeout(tmp_path, 2) as (api, fleet, fsid):
        for backend in favourite_first(fleet):
            backend.mute_functions = {"rados_commands"}
        # A muted job still runs (its answer is what gets lost): each phase uses its own OSD.
        lost = finished(api, submit(api, "PATCH", f"cluster/{fsid}/osd/0", {"in": False}), timeout_s=15)
        assert lost["error"] is True and "No answer" in lost["error_message"], lost
        for backend in favourite_first(fleet):
            backend.mute_functions = set()
            backend.fail_functions = {"rados_commands"}
        raised = finished(api, submit(api, "PATCH", f"cluster/{fsid}/osd/1", {"in": False}), timeout_s=15)
        assert raised["error"] is True and "simulated failure" in raised["error_message"], raised
        for backend in favourite_first(fleet):
            backend.fail_functions = set()
            backend.dark = True
        dark = finished(api, submit(api, "PATCH", f"cluster/{fsid}/osd/2", {"in": False}), timeout_s=15)
        assert dark["error"] is True, dark
        messages = [e["message"] for e in api.get("event", params={"page_size": 200}).json()["results"]]
        assert any(m.startswith("Failed: Marking ceph-osd.1 out") for m in messages)


def test_requests_survive_a_restart(tmp_path, db_url):
    db = ["--db", db_url]
    first = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S, extra_args=db).start()
    fleet = start_fleet(first, advance_every_s=0.1)
    try:
        with logged_in_client(first.http_url) as api:
            fsid = synced_cluster(api, fleet)
            done = run(api, "PATCH", f"cluster/{fsid}/osd/3", {"in": False})
            fqdn = sorted(fleet.backends)[0]
            in_flight = submit(api, "POST", f"server/{fqdn}/debug_job", {"cmd": "selftest_block", "args": []})
            assert api.get(f"request/{in_flight}").json()["state"] == "submitted"
    finally:
        assert first.stop() == 0   # while the job still blocks on the agent
        fleet.stop()
    second = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S, extra_args=db).start()
    try:
        with logged_in_client(second.http_url) as api:
            assert api.get(f"request/{done['id']}").json() == done
            interrupted = api.get(f"request/{in_flight}").json()
            assert interrupted["state"] == "complete" and interrupted["error"] is True
            assert "restart" in interrupted["error_message"]
    finally:
        assert second.stop() == 0


def test_a_request_waiting_for_its_map_at_a_restart_completes_after_it(tmp_path, db_url):
    db = ["--db", db_url]
    first = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S, extra_args=db).start()
    fleet = start_fleet(first, advance_every_s=0.1)
    second = None
    try:
        with logged_in_client(first.http_url) as api:
            fsid = synced_cluster(api, fleet)
            for backend in fleet.backends.values():
                backend.fail_functions = {"get_cluster_object"}     # the change lands, its map cannot
            request_id = submit(api, "PATCH", f"cluster/{fsid}/osd/4", {"in": False})
            wait_until(lambda: api.get(f"request/{request_id}").json()["status"].startswith(
                "Waiting for OSD map epoch"))
        assert first.stop() == 0
        for backend in fleet.backends.values():
            backend.fail_functions = set()
        second = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S, extra_args=db,
                               bus_endpoint=first.bus_endpoint).start()   # the agents reconnect
        with logged_in_client(second.http_url) as api:
            request = finished(api, request_id)
            assert request["error"] is False, request
            assert api.get(f"cluster/{fsid}/osd/4").json()["in"] is False
    finally:
        fleet.stop()
        if second is not None:
            assert second.stop() == 0


def test_a_slow_job_and_a_map_that_never_arrives_each_end_with_their_own_error(tmp_path):
    with cluster_with_request_timeout(tmp_path, 2) as (api, fleet, fsid):
        for backend in favourite_first(fleet):
            backend.job_latency_s = 5.0          # the answer would come after the job's deadline
        slow = finished(api, submit(api, "PATCH", f"cluster/{fsid}/osd/4", {"in": False}), timeout_s=15)
        assert slow["error"] is True and "No answer" in slow["error_message"], slow
        for backend in favourite_first(fleet):
            backend.job_latency_s = 0.0
            backend.fail_functions = {"get_cluster_object"}   # the change lands, its map cannot
        mapless = finished(api, submit(api, "PATCH", f"cluster/{fsid}/osd/5", {"in": False}),
                           timeout_s=20)
        assert mapless["error"] is True, mapless
        assert "Timed out waiting for OSD map epoch" in mapless["error_message"], mapless


def test_an_agent_restarting_under_a_running_job_fails_its_request_at_once(tmp_path):
    # The default 60 s job deadline: only the agent's new incarnation can end the request in time.
    daemon = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S).start()
    fleet = start_fleet(daemon)
    try:
        with logged_in_client(daemon.http_url) as api:
            synced_cluster(api, fleet)
            fqdn = sorted(fleet.backends)[0]
            blocked = submit(api, "POST", f"server/{fqdn}/debug_job", {"cmd": "selftest_block", "args": []})
            wait_until(lambda: fleet.backends[fqdn].jobs_run["selftest_block"], what="the job running")
            fleet.restart_agent(fqdn)
            lost = finished(api, blocked, timeout_s=15)
            assert lost["error"] is True, lost
            assert lost["error_message"].startswith(f"The agent on server {fqdn} restarted"), lost
            after = finished(api, submit(api, "POST", f"server/{fqdn}/debug_job",
                                         {"cmd": "selftest_wait", "args": [0]}), timeout_s=15)
            assert after["error"] is False, after
    finally:
        fleet.stop()
        assert daemon.stop() == 0
