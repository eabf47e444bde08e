"""Retention in the running daemon: tiny limits prune events and completed requests, and the
API's lists still count and page what is left consistently."""
from __future__ import annotations

import httpx

from tests.helpers import wait_until
from tests.system.conftest import HEARTBEAT_S, start_fleet
from tests.system.daemon_process import DaemonProcess, logged_in_client
from tests.system.requests_helpers import finished, submit

LIMITS = ["--event-max-count", "6", "--audit-max-count", "3", "--request-max-count", "2",
          "--retention-interval-s", "0.2"]


def pages(api, resource: str, page_size: int) -> tuple[int, list[str]]:
    """(count, ids) gathered page by page, checking every page reports the same count."""
    first = api.get(resource, params={"page_size": page_size}).json()
    seen, page = [], 1
    while True:
        body = api.get(resource, params={"page_size": page_size, "page": page}).json()
        assert body["count"] == first["count"], (body["count"], first["count"])
        seen += [r.get("id") or r["message"] for r in body["results"]]
        if not body.get("next"):
            return first["count"], seen
        page += 1


def test_tiny_limits_prune_history_and_lists_still_page(tmp_path):
    daemon = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S, extra_args=LIMITS).start()
    fleet = start_fleet(daemon, clusters=1, servers=1, osds_per_server=1)
    try:
        with logged_in_client(daemon.http_url) as api:
            fqdn = next(iter(fleet.backends))
            wait_until(lambda: [s["fqdn"] for s in api.get("server").json() if s["managed"]] == [fqdn],
                       timeout_s=15)
            ids = [finished(api, submit(api, "POST", f"server/{fqdn}/debug_job",
                                        {"cmd": "ceph.selftest_wait", "args": [0]}))["id"] for _ in range(5)]
            # Each job left 3 events (audit, started, succeeded): 15 and more in all, 6 kept and 3
            # audit entries (kept apart).
            wait_until(lambda: api.get("request").json()["count"] == 2, timeout_s=10, what="requests pruned")
            assert [r["id"] for r in api.get("request").json()["results"]] == ids[:2:-1]
            assert api.get(f"request/{ids[0]}").status_code == 404
            wait_until(lambda: api.get("event").json()["count"] <= 9, timeout_s=10, what="events pruned")
            newest = [e["message"] for e in api.get("event", params={"page_size": 9}).json()["results"]]
            assert sum(m.startswith("Audit: ") for m in newest) == 3, newest
            assert f"Succeeded: Debug job selftest_wait on {fqdn}" in newest, newest
            assert "Calamari server started" not in newest   # the oldest went first
            count, paged = wait_until(lambda: (lambda c, p: (c, p) if len(p) == c else None)(
                *pages(api, "event", 4)), timeout_s=5, what="event pages that add up")
            assert paged == [e["message"] for e in api.get("event", params={"page_size": 50}).json()["results"]]
            assert pages(api, "request", 1) == (2, ids[:2:-1])
    finally:
        fleet.stop()
        assert daemon.stop() == 0


def test_anonymous_noise_cannot_push_out_the_audit_trail(tmp_path):
    """Refused anonymous writes are one event per address and minute, and audit entries have
    their own retention: a flood of other events (here, a tiny --event-max-count) prunes them
    without touching who changed what."""
    daemon = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S,
                           extra_args=["--event-max-count", "2", "--retention-interval-s", "0.2"]).start()
    try:
        with logged_in_client(daemon.http_url) as api:
            for n in range(4):
                assert api.post("user/me/token", json={"name": f"t{n}"},
                                headers={"X-XSRF-TOKEN": api.cookies["XSRF-TOKEN"]}).status_code == 201
            with httpx.Client(base_url=daemon.http_url + "/api/v2/", timeout=10) as anonymous:
                for _ in range(300):
                    assert anonymous.post("cluster/x/pool", json={"name": "p"}).status_code == 401

            def audit_trail():
                messages = [e["message"] for e in api.get("event", params={"page_size": 1000}).json()["results"]]
                return messages if len(messages) - sum(m.startswith("Audit: ") for m in messages) <= 2 else None
            messages = wait_until(audit_trail, timeout_s=10, what="the other events pruned to 2")
            assert sum("admin POST /api/v2/user/me/token -> 201" in m for m in messages) == 4, messages
            anonymous_lines = [m for m in messages if "anonymous" in m]
            assert len(anonymous_lines) == 1 and "from 127.0.0.1" in anonymous_lines[0], anonymous_lines
    finally:
        assert daemon.stop() == 0
