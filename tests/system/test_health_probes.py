"""The health probes of the real daemon, without a login: GET /healthz answers while the loop
runs (also while a big cluster's maps arrive), GET /readyz is 503 until every cluster the store
knew at start has synced again and 200 after; neither tells anything about the clusters."""
from __future__ import annotations

import time

import httpx
import pytest

from tests.helpers import wait_until
from web.auth import SESSION_COOKIE
from tests.system.conftest import start_fleet
from tests.system.daemon_process import DaemonProcess, logged_in_client

NOT_SYNCED = {"ready": False, "reasons": ["clusters not yet synced since start"]}


def probe(client: httpx.Client, path: str) -> httpx.Response:
    response = client.get(path)
    assert "set-cookie" not in response.headers, response.headers   # no session, no XSRF cookie
    assert response.headers["content-type"].startswith("application/json")
    return response


def assert_reveals_no_cluster(response: httpx.Response, fleet) -> None:
    for cluster in fleet.clusters:
        assert cluster.fsid not in response.text and cluster.name not in response.text, response.text
    for fqdn in fleet.backends:
        assert fqdn not in response.text, response.text


def test_readyz_waits_for_the_known_clusters_to_sync_after_a_restart(tmp_path):
    keys = str(tmp_path / "fleet-keys")   # the same agents (keys) in both runs
    # Slow beats expected on the daemon's side (its fleet beats fast): a stall of a loaded machine
    # cannot make the cluster late and store it so (one restored late counts as settled at once).
    first = DaemonProcess(tmp_path / "data", heartbeat_s=10.0).start()
    fleet = start_fleet(first, clusters=2, key_dir=keys)
    try:
        with httpx.Client(base_url=first.http_url, timeout=10.0) as client, \
                logged_in_client(first.http_url) as api:
            assert client.get("/api/v2/cluster").status_code == 401   # the API itself needs a login
            wait_until(lambda: len(api.get("cluster").json()) == 2 and probe(client, "/readyz").status_code == 200,
                       timeout_s=30, what="both clusters known and synced")
    finally:
        # The daemon first: stopped after its fleet, a slow stop (a loaded machine) could see the
        # clusters go late and store them so, and a cluster restored late counts as settled at once.
        assert first.stop() == 0, first.log_text()[-4000:]
        fleet.stop()

    # Slow beats on the daemon's side: the silent clusters are not late (which also counts as
    # settled) for 6 x 20 s, far beyond the waits below.
    second = DaemonProcess(tmp_path / "data", heartbeat_s=20.0).start()
    fleet = None
    try:
        with httpx.Client(base_url=second.http_url, timeout=10.0) as client:
            assert probe(client, "/healthz").json() == {"status": "ok"}
            waiting = probe(client, "/readyz")
            assert (waiting.status_code, waiting.json()) == (503, NOT_SYNCED)
            fleet = start_fleet(second, clusters=2, key_dir=keys)
            assert_reveals_no_cluster(waiting, fleet)
            ready = wait_until(lambda: (r := probe(client, "/readyz")).status_code == 200 and r,
                               timeout_s=30, what="ready once the fleet synced")
            assert ready.json() == {"ready": True}
            assert_reveals_no_cluster(ready, fleet)
    finally:
        if fleet is not None:
            fleet.stop()
        assert second.stop() == 0, second.log_text()[-4000:]


def test_probes_take_only_get_and_head_and_no_credentials(daemon):
    with httpx.Client(base_url=daemon.http_url, timeout=10.0) as client:
        for path in ("/healthz", "/readyz"):
            head = client.head(path)
            assert (head.status_code, head.content) == (200, b"")
            refused = client.post(path, json={})
            assert refused.status_code == 405 and refused.json()["detail"] == 'Method "POST" not allowed.'
            # A garbage cookie or token is not even looked at.
            assert client.get(path, headers={"Authorization": "Bearer nonsense",
                                             "Cookie": f"{SESSION_COOKIE}=nonsense"}).status_code == 200


@pytest.mark.timeout(300)
def test_healthz_answers_while_a_big_cluster_arrives(tmp_path):
    """3,000 OSDs: the map's decoding and views run on the actors' threads, never the loop's."""
    daemon = DaemonProcess(tmp_path / "data", heartbeat_s=1.0).start()
    fleet = start_fleet(daemon, servers=30, osds_per_server=100, heartbeat_s=1.0)
    slowest, seen_unready, answers = 0.0, False, 0
    try:
        with httpx.Client(base_url=daemon.http_url, timeout=10.0) as client:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                started = time.monotonic()
                alive = probe(client, "/healthz")
                slowest = max(slowest, time.monotonic() - started)
                assert alive.json() == {"status": "ok"}
                answers += 1
                ready = probe(client, "/readyz")
                assert_reveals_no_cluster(ready, fleet)
                if ready.status_code == 503:
                    seen_unready = True
                elif seen_unready:
                    break
            assert seen_unready and ready.status_code == 200, (seen_unready, ready.text)
    finally:
        fleet.stop()
        assert daemon.stop() == 0, daemon.log_text()[-4000:]
    # Generous: two cores shared with other tests; a blocked loop would take seconds.
    assert slowest < 2.0, f"slowest /healthz of {answers}: {slowest:.2f} s"
