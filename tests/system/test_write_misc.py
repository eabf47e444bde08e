"""Forgetting clusters and servers, the CLI, logs, debug jobs, cancel, keys and users."""
from __future__ import annotations

from tests.helpers import wait_until
from tests.system.daemon_process import logged_in_client
from tests.system.requests_helpers import finished, submit, xsrf
from tests.system.cluster_helpers import synced_cluster


def test_forget_cluster_and_server_which_come_back_while_reporting(api, fleet):
    fsid = synced_cluster(api, fleet)
    assert api.delete(f"cluster/{fsid}", headers=xsrf(api)).status_code == 204
    assert api.delete("cluster/nope", headers=xsrf(api)).status_code == 404
    wait_until(lambda: api.get(f"cluster/{fsid}").status_code == 200)   # the next heartbeat rediscovers it
    fqdn = sorted(fleet.backends)[0]
    assert api.delete(f"server/{fqdn}", headers=xsrf(api)).status_code == 204
    assert api.delete("server/nope.example", headers=xsrf(api)).status_code == 404
    wait_until(lambda: api.get(f"server/{fqdn}").status_code == 200)


def test_cli_and_logs(api, fleet):
    fsid = synced_cluster(api, fleet)
    out = api.post(f"cluster/{fsid}/cli", json={"command": "osd pool ls"}, headers=xsrf(api))
    assert out.status_code == 200 and out.json()["status"] == 0 and "rbd" in out.json()["out"]
    listed = api.post(f"cluster/{fsid}/cli", json={"command": ["ceph", "health"]}, headers=xsrf(api)).json()
    assert listed["status"] == 0 and "HEALTH_OK" in listed["out"]
    assert api.post(f"cluster/{fsid}/cli", json={}, headers=xsrf(api)).status_code == 400
    log = api.get(f"cluster/{fsid}/log", params={"lines": 5})
    assert log.status_code == 200 and len(log.json()["lines"].splitlines()) <= 5
    fqdn = sorted(fleet.backends)[0]
    paths = api.get(f"server/{fqdn}/log").json()
    assert "ceph/ceph.log" in paths
    tail = api.get(f"server/{fqdn}/log/{paths[-1]}", params={"lines": 3}).json()
    assert len(tail["lines"].splitlines()) <= 3
    assert api.get(f"server/{fqdn}/log/..%2Fetc%2Fpasswd").status_code == 400
    assert api.get(f"server/{fqdn}/log/syslog").status_code == 400            # not a Ceph log
    assert api.get(f"server/{fqdn}/log/ceph/..%2F..%2Fetc%2Fpasswd").status_code == 400
    assert api.get(f"server/{fqdn}/log/ceph/nope.log").status_code in (400, 404)


def test_cli_tries_the_next_mon_and_is_503_when_every_mon_is_silent(api, fleet):
    fsid = synced_cluster(api, fleet)
    hosts = sorted(fleet.backends)
    for fqdn in hosts[:2]:
        fleet.backends[fqdn].mute_functions = {"mon_command"}
    survived = api.post(f"cluster/{fsid}/cli", json={"command": "health"}, headers=xsrf(api))
    assert survived.status_code == 200 and "HEALTH" in survived.json()["out"]
    fleet.backends[hosts[2]].mute_functions = {"mon_command"}
    response = api.post(f"cluster/{fsid}/cli", json={"command": "health"}, headers=xsrf(api))
    assert response.status_code == 503


def test_debug_jobs_and_cancel(api, fleet):
    synced_cluster(api, fleet)
    fqdn = sorted(fleet.backends)[0]
    ok = finished(api, submit(api, "POST", f"server/{fqdn}/debug_job", {"cmd": "ceph.selftest_wait", "args": [0]}))
    assert ok["error"] is False
    boom = finished(api, submit(api, "POST", f"server/{fqdn}/debug_job", {"cmd": "selftest_exception", "args": []}))
    assert boom["error"] is True and "self-test exception" in boom["error_message"]
    blocked = submit(api, "POST", f"server/{fqdn}/debug_job", {"cmd": "selftest_block", "args": []})
    assert api.get(f"request/{blocked}").json()["state"] == "submitted"
    cancelled = api.post(f"request/{blocked}/cancel", headers=xsrf(api)).json()
    assert cancelled["state"] == "complete" and cancelled["error"] is True and cancelled["error_message"] == "Cancelled"
    again = api.post(f"request/{blocked}/cancel", headers=xsrf(api)).json()
    assert again == cancelled
    messages = [e["message"] for e in api.get("event", params={"page_size": 200}).json()["results"]]
    assert f"Cancelled: Debug job selftest_block on {fqdn}" in messages
    assert api.post(f"server/{fqdn}/debug_job", json={"cmd": "rm -rf /"}, headers=xsrf(api)).status_code == 400
    complete = api.get("request", params={"state": "complete", "page_size": 50}).json()
    assert {ok["id"], boom["id"], blocked} <= {r["id"] for r in complete["results"]}


def test_keys_and_users(daemon, api, fleet):
    synced_cluster(api, fleet)
    fqdn = sorted(fleet.backends)[0]
    bad = api.patch(f"key/{fqdn}", json={"status": "rejected"}, headers=xsrf(api))
    assert bad.status_code == 400 and "status" in bad.json()["errors"]     # accepted -> rejected is not allowed
    assert api.patch("key/nope.example", json={"status": "accepted"}, headers=xsrf(api)).status_code == 404
    created = api.post("user", json={"username": "olive", "password": "olive-secret-1", "email": "o@x"},
                       headers=xsrf(api))
    assert created.status_code == 201
    olive_id = created.json()["id"]
    assert api.post("user", json={"username": "short", "password": "x"}, headers=xsrf(api)).status_code == 400
    with logged_in_client(daemon.http_url, "olive", "olive-secret-1") as olive:
        me = olive.get("user/me").json()
        assert me["username"] == "olive"
        admin_id = api.get("user/me").json()["id"]
        assert olive.patch(f"user/{admin_id}", json={"email": "evil@x"}, headers=xsrf(olive)).status_code == 403
        assert olive.post("user", json={"username": "eve", "password": "eve-secret-1"},
                          headers=xsrf(olive)).status_code == 403
        wrong = olive.put("user/me", json={"password": "olive-secret-2", "current_password": "nope"},
                          headers=xsrf(olive))
        assert wrong.status_code == 400
        changed = olive.put("user/me", json={"password": "olive-secret-2", "current_password": "olive-secret-1"},
                            headers=xsrf(olive))
        assert changed.status_code == 200
    with logged_in_client(daemon.http_url, "olive", "olive-secret-2") as olive:
        assert olive.get("user/me").json()["id"] == olive_id
    assert api.delete(f"user/{olive_id}", headers=xsrf(api)).status_code == 204
    assert api.get(f"user/{olive_id}").status_code == 404


def test_cancelled_blocking_jobs_do_not_starve_the_agents(api, live_fleet):
    fsid = synced_cluster(api, live_fleet)
    blocked = [submit(api, "POST", f"server/{fqdn}/debug_job", {"cmd": "selftest_block", "args": []})
               for fqdn in sorted(live_fleet.backends) for _ in range(4)]      # more than the job threads
    for request_id in blocked:
        # The simulator wakes every blocked self-test of a host when one is cancelled, so a later
        # one may already have finished by itself: either way it is over.
        assert api.post(f"request/{request_id}/cancel", headers=xsrf(api)).json()["state"] == "complete"
    request = finished(api, submit(api, "PATCH", f"cluster/{fsid}/osd/5", {"in": False}))
    assert request["error"] is False, request
    messages = [e["message"] for e in api.get("event", params={"page_size": 500}).json()["results"]]
    assert not any("late reporting" in m for m in messages)


def test_a_failed_password_change_changes_nothing(daemon, api, fleet):
    me = api.get("user/me").json()
    response = api.patch("user/me", json={"email": "new@example", "password": "another-secret-1",
                                         "current_password": "wrong"}, headers=xsrf(api))
    assert response.status_code == 400 and "current_password" in response.json()["errors"]
    assert api.get(f"user/{me['id']}").json()["email"] == me["email"]
    assert api.patch("user/me", json={"email": "new@example"}, headers=xsrf(api)).status_code == 200
    assert api.get("user/me").json()["email"] == "new@example"      # not a stale cached copy


def test_only_administrators_run_debug_jobs(daemon, api, fleet):
    synced_cluster(api, fleet)
    api.post("user", json={"username": "dev", "password": "dev-secret-1"}, headers=xsrf(api))
    with logged_in_client(daemon.http_url, "dev", "dev-secret-1") as dev:
        refused = dev.post(f"server/{sorted(fleet.backends)[0]}/debug_job",
                           json={"cmd": "selftest_block", "args": []}, headers=xsrf(dev))
        assert refused.status_code == 403
