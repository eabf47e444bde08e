"""Two managers in an HA group (`--ha`) on one PostgreSQL database with a simulated fleet as its
own process: either member answers the API (a standby forwards to the active), the session
survives a takeover, and after `kill -9` of the active with 20 requests in flight the other
member takes over within the lease and a few heartbeats, and every one of those requests ends
truthfully there: complete when its pool exists, failed with a reason otherwise."""
from __future__ import annotations

import re
import signal
import time

import httpx

from tests.helpers import wait_until
from tests.sse import StreamReader
from tests.system.daemon_process import logged_in_client as client
from tests.system.ha_group import (HEARTBEAT_S, LEASE_S, fresh_database, role, serving_group, since, start_group,
                                   synced_cluster)
from tests.system.ha_helpers import OwnPostgres, Sampler
from tests.system.requests_helpers import finished, submit, xsrf

IN_FLIGHT = 20


def accepted_write(api, path: str, body: dict) -> str:
    """The request id of a POST, sent again while it answers 503: until the new active hears from
    the cluster's agents (they move to it after 3 heartbeats without an answer), a write has no
    mon to go to. Any other refusal fails at once."""
    def accepted():
        answer = api.post(path, json=body, headers=xsrf(api))
        assert answer.status_code in (202, 503), answer.text
        return answer.status_code == 202 and answer.json()["request_id"]
    return wait_until(accepted, timeout_s=30, every_s=0.1, what="a write accepted by the new active")


def test_a_standby_forwards_and_only_one_member_is_active(tmp_path):
    group = start_group(tmp_path)
    try:
        active = group.active()
        standby = group.other(active)
        assert role(standby) == "standby"
        with client(standby.http_url) as api:           # logged in through the standby
            fsid = synced_cluster(api)
            assert api.get("user/me").json()["username"] == "admin"
            assert [c["id"] for c in api.get("cluster").json()] == [fsid]
            answer = api.post(f"cluster/{fsid}/pool", json={"name": "via-standby", "pg_num": 8}, headers=xsrf(api))
            assert answer.status_code == 202, answer.text
            request_id = answer.json()["request_id"]
            done = wait_until(lambda: (r := api.get(f"request/{request_id}").json())["state"] == "complete" and r,
                              timeout_s=30, every_s=0.05, what="the pool request complete")
            assert done["error"] is False, done
        page = httpx.get(standby.http_url + "/")          # the web page too, with its own policy
        assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
        assert httpx.get(standby.http_url + "/readyz", params={"role": "active"}).status_code == 503
        assert httpx.get(active.http_url + "/readyz", params={"role": "active"}).status_code == 200
    finally:
        assert group.stop() == [0, 0]


def test_kill_9_of_the_active_with_requests_in_flight_ends_each_truthfully_on_the_other(tmp_path):
    with serving_group(tmp_path) as serving:
        group, active, survivor, api, fsid = serving.group, serving.active, serving.standby, serving.api, serving.fsid
        names = [f"inflight-{n:02}" for n in range(IN_FLIGHT)]
        request_ids = []
        for name in names:
            answer = api.post(f"cluster/{fsid}/pool", json={"name": name, "pg_num": 8}, headers=xsrf(api))
            assert answer.status_code == 202, answer.text
            request_ids.append(answer.json()["request_id"])
        active.proc.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        assert group.active(timeout_s=LEASE_S + 20) is survivor
        taken_over_s = since(killed_at)
        # The same session, now answered by the survivor itself.
        synced_cluster(api, timeout_s=LEASE_S + 20)
        after_id = accepted_write(api, f"cluster/{fsid}/pool", {"name": "after-takeover", "pg_num": 8})
        writable_s = since(killed_at)

        def ended():
            found = {rid: api.get(f"request/{rid}").json() for rid in [*request_ids, after_id]}
            return all(r["state"] == "complete" for r in found.values()) and found
        outcomes = wait_until(ended, timeout_s=60, every_s=0.2, what="every request ended")
        pools = {p["name"] for p in api.get(f"cluster/{fsid}/pool").json()}
        for name, rid in zip(names, request_ids):
            request = outcomes[rid]
            if request["error"]:
                assert request["error_message"], request      # a failure says why
                assert name not in pools or "unknown" in request["error_message"].lower(), request
            else:
                assert name in pools, request                 # a success is true
        assert outcomes[after_id]["error"] is False and "after-takeover" in pools
        events = api.get("event", params={"page_size": 1000}).json()
        events = events["results"] if isinstance(events, dict) else events
        succeeded = [e["message"] for e in events if e["message"].startswith("Succeeded: Creating pool")]
        assert len(succeeded) == len(set(succeeded)), "an event written twice"
    # Goal (issue 18): a write accepted and the clusters synced within lease + 2 heartbeats;
    # measured in bench/failover.py, here only bounded against a hang on a loaded machine.
    print(f"takeover {taken_over_s:.2f} s, writable {writable_s:.2f} s (lease {LEASE_S} s, heartbeat {HEARTBEAT_S} s)")
    assert writable_s < LEASE_S + 20


JOB_RUN = re.compile(r"running job \S+ \((\S+)\) term=(\d+) at=([0-9.]+)")


def jobs_run(fleet) -> list[tuple[str, int, float]]:
    """(function, term, wall time) of every job the simulated agents ran, from the fleet's log."""
    return [(m[1], int(m[2]), float(m[3])) for m in map(JOB_RUN.search, fleet.output) if m]


def test_a_paused_active_is_replaced_and_once_resumed_steps_down_without_running_a_job(tmp_path):
    with serving_group(tmp_path) as serving:
        group, paused, other, api, fsid = serving.group, serving.active, serving.standby, serving.api, serving.fsid
        done = finished(api, submit(api, "POST", f"cluster/{fsid}/pool", {"name": "before-pause", "pg_num": 8}))
        assert done["error"] is False, done
        old_term = max(term for _, term, _ in jobs_run(group.fleet))
        paused.proc.send_signal(signal.SIGSTOP)
        try:
            assert group.active(timeout_s=LEASE_S + 20) is other
            taken_over_at = time.time()
            done = finished(api, accepted_write(api, f"cluster/{fsid}/pool", {"name": "after-pause", "pg_num": 8}))
            assert done["error"] is False, done
        finally:
            paused.proc.send_signal(signal.SIGCONT)
        wait_until(lambda: role(paused) == "standby", timeout_s=LEASE_S + 10, every_s=0.05,
                   what="the resumed member stepped down")
        assert group.active() is other
        # Asked through the resumed member: forwarded to the active one, which runs it.
        with client(paused.http_url) as via_old:
            done = finished(via_old, submit(via_old, "POST", f"cluster/{fsid}/pool", {"name": "via-old", "pg_num": 8}))
            assert done["error"] is False, done
    runs = jobs_run(group.fleet)
    assert [r for r in runs if r[1] <= old_term and r[2] >= taken_over_at] == [], "an old term's job ran"
    assert any(term > old_term for _, term, _ in runs)


def test_a_stream_through_a_standby_ends_at_the_takeover_and_resumes_on_the_new_active(tmp_path):
    with serving_group(tmp_path) as serving:
        group, active, survivor, api, fsid = serving.group, serving.active, serving.standby, serving.api, serving.fsid
        with StreamReader(survivor.http_url + "/api/v2/", params={"topics": "request"}, cookies=api.cookies) as before:
            finished(api, submit(api, "POST", f"cluster/{fsid}/pool", {"name": "streamed-before", "pg_num": 8}))
            wait_until(lambda: before.messages("request"), timeout_s=10, every_s=0.05,
                       what="a request message forwarded through the standby")
            last_id = before.messages()[-1].id
            active.proc.send_signal(signal.SIGKILL)
            wait_until(before.ended.is_set, timeout_s=10, every_s=0.05, what="the forwarded stream ended")
        assert group.active(timeout_s=LEASE_S + 20) is survivor
        # The client comes back as a browser's EventSource does: same URL, Last-Event-ID.
        with StreamReader(survivor.http_url + "/api/v2/", params={"topics": "request"}, cookies=api.cookies,
                          headers={"Last-Event-ID": str(last_id)}) as after:
            wait_until(lambda: after.messages("reset"), timeout_s=10, every_s=0.05,
                       what="reset: the old member's messages cannot be replayed")
            request_id = accepted_write(api, f"cluster/{fsid}/pool", {"name": "streamed-after", "pg_num": 8})
            wait_until(lambda: any(m.data.get("id") == request_id for m in after.messages("request")),
                       timeout_s=15, every_s=0.05, what="the new active's request message")
            assert all(m.id > last_id for m in after.messages("request"))


class RoleSampler(Sampler):
    """Both members' /readyz roles every 50 ms, keeping every moment two said "active" at once."""
    every_s = 0.05

    def __init__(self, members):
        super().__init__()
        self.members, self.both_active, self.samples = members, [], 0

    def sample(self):
        roles = [role(m) for m in self.members]
        self.samples += 1
        if roles.count("active") > 1:
            self.both_active.append(time.monotonic())


def test_the_database_restarted_under_a_running_group_leaves_one_active_and_never_two(tmp_path):
    server = OwnPostgres()
    try:
        group = start_group(tmp_path, database=fresh_database(server.url))
        try:
            with RoleSampler(group.members) as sampler:
                first = group.active()
                server.stop()
                # Without its database the active cannot persist nor keep its lease: it steps down.
                wait_until(lambda: role(first) == "standby", timeout_s=LEASE_S + 15, every_s=0.05,
                           what="the active stepped down with its database gone")
                server.start()
                active = group.active(timeout_s=LEASE_S + 30)
                with client(active.http_url) as api:
                    fsid = synced_cluster(api)
                    done = finished(api, accepted_write(api, f"cluster/{fsid}/pool", {"name": "after-restart", "pg_num": 8}))
                    assert done["error"] is False, done
            assert sampler.samples >= 5 and sampler.both_active == []   # it did sample, and never saw two
        finally:
            group.stop()
    finally:
        server.remove()
