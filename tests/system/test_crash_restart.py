"""kill -9 of the daemon with 20 requests in flight, then a restart on the same data dir, on
each database backend (`db_url`: SQLite, and PostgreSQL when configured)."""
from __future__ import annotations

import sqlite3
import time

from tests.helpers import wait_until
from tests.system.conftest import HEARTBEAT_S, start_fleet
from tests.system.daemon_process import DaemonProcess, logged_in_client
from tests.system.requests_helpers import run, submit
from tests.system.test_read_api import synced_cluster


def set_knobs(fleet, **knobs) -> None:
    for backend in fleet.backends.values():
        for name, value in knobs.items():
            setattr(backend, name, value)


def waiting_changes(api, fsid: str, pools: dict) -> list[str]:
    """Ten changes of five kinds whose commands apply and whose maps cannot arrive."""
    c = f"cluster/{fsid}"
    return [submit(api, "POST", f"{c}/pool", {"name": "new-a", "pg_num": 8}),
            submit(api, "POST", f"{c}/pool", {"name": "new-b", "pg_num": 8}),
            submit(api, "PATCH", f"{c}/pool/{pools['old-0']}", {"size": 2}),
            submit(api, "PATCH", f"{c}/pool/{pools['old-1']}", {"name": "renamed-1"}),
            submit(api, "DELETE", f"{c}/pool/{pools['old-2']}"),
            submit(api, "PATCH", f"{c}/osd/0", {"in": False}),
            submit(api, "PATCH", f"{c}/osd/1", {"reweight": 0.5}),
            submit(api, "PATCH", f"{c}/osd_config", {"noout": True}),
            submit(api, "POST", f"{c}/crush_node", {"name": "rack-a", "bucket_type": "rack", "items": []}),
            submit(api, "POST", f"{c}/crush_node", {"name": "rack-b", "bucket_type": "rack", "items": []})]


def running_jobs(api, fsid: str, pools: dict, fqdn: str) -> list[str]:
    """Ten changes whose jobs are out when the daemon dies (their results are muted)."""
    c = f"cluster/{fsid}"
    return [submit(api, "POST", f"{c}/pool", {"name": "new-c", "pg_num": 8}),
            submit(api, "PATCH", f"{c}/pool/{pools['old-3']}", {"size": 2}),
            submit(api, "DELETE", f"{c}/pool/{pools['old-4']}"),
            submit(api, "PATCH", f"{c}/osd/2", {"in": False}),
            submit(api, "PATCH", f"{c}/osd/3", {"reweight": 0.25}),
            submit(api, "PATCH", f"{c}/osd_config", {"nodeep-scrub": True}),
            submit(api, "POST", f"{c}/crush_node", {"name": "rack-c", "bucket_type": "rack", "items": []}),
            submit(api, "POST", f"{c}/osd/4/command/scrub"),
            submit(api, "POST", f"{c}/crush_node", {"name": "rack-d", "bucket_type": "rack", "items": []}),
            submit(api, "POST", f"server/{fqdn}/debug_job", {"cmd": "selftest_block", "args": []})]


def test_kill_9_with_20_requests_in_flight_loses_nothing(tmp_path, db_url):
    args = ["--request-timeout-s", "30", "--db", db_url]
    first = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S, extra_args=args).start()
    fleet = start_fleet(first, advance_every_s=0.1)
    fleet.clusters[0].pg_create_rate = 200.0
    second = None
    try:
        with logged_in_client(first.http_url) as api:
            fsid = synced_cluster(api, fleet)
            for i in range(5):
                run(api, "POST", f"cluster/{fsid}/pool", {"name": f"old-{i}", "pg_num": 8})
            pools = {p["name"]: p["id"] for p in api.get(f"cluster/{fsid}/pool").json()}
            set_knobs(fleet, fail_functions={"get_cluster_object"})
            waiting = waiting_changes(api, fsid, pools)
            wait_until(lambda: all(api.get(f"request/{r}").json()["status"].startswith("Waiting for OSD map")
                                   for r in waiting), timeout_s=15, what="ten requests waiting for maps")
            set_knobs(fleet, mute_functions={"rados_commands", "selftest_block"})
            out = running_jobs(api, fsid, pools, sorted(fleet.backends)[0])
            assert {api.get(f"request/{r}").json()["state"] for r in waiting + out} == {"submitted"}
            before = {
                "events": [e["message"] for e in api.get("event", params={"page_size": 1000}).json()["results"]],
                "servers": sorted((s["fqdn"], str(s["services"])) for s in api.get("server").json()),
                "osds": api.get(f"cluster/{fsid}/osd").json(),
                "keys": api.get("key").json()}
        set_knobs(fleet, dark=True)   # the restarted daemon must serve all this before any heartbeat
        first.kill()
        if "://" not in db_url:   # SQLite: the file a crash left behind is consistent
            database = sqlite3.connect(db_url)
            assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            database.close()

        started = time.monotonic()
        second = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S, bus_endpoint=first.bus_endpoint,
                               extra_args=args).start()
        with logged_in_client(second.http_url) as api:
            assert sorted((s["fqdn"], str(s["services"])) for s in api.get("server").json()) == before["servers"]
            assert api.get(f"cluster/{fsid}/osd").json() == before["osds"]
            assert api.get("key").json() == before["keys"]
            after = [e["message"] for e in api.get("event", params={"page_size": 1000}).json()["results"]]
            assert set(before["events"]) <= set(after)
            assert all(api.get(f"request/{r}").status_code == 200 for r in waiting + out)
            set_knobs(fleet, dark=False, fail_functions=set(), mute_functions=set())

            def all_complete():
                found = {r: api.get(f"request/{r}").json() for r in waiting + out}
                return found if all(f["state"] == "complete" for f in found.values()) else None
            found = wait_until(all_complete, timeout_s=30, every_s=0.1, what="every request complete")
            for request_id in waiting:   # applied, and the map shows it: resumed to completion
                assert found[request_id]["error"] is False, found[request_id]
            for request_id in out:       # no way to know: failed, saying why
                assert found[request_id]["error"] is True, found[request_id]
                assert "Interrupted by a restart" in found[request_id]["error_message"]
            assert api.get(f"cluster/{fsid}/osd/0").json()["in"] is False
            assert "new-a" in {p["name"] for p in api.get(f"cluster/{fsid}/pool").json()}
            print(f"restart to every request complete: {time.monotonic() - started:.1f} s")
    finally:
        fleet.stop()
        first.kill()
        if second is not None:
            assert second.stop() == 0
