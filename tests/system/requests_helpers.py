"""Driving the 202 workflow over HTTP: submit, then poll the request until it completes."""
from __future__ import annotations

from contextlib import contextmanager

from tests.helpers import wait_until


def xsrf(api) -> dict:
    return {"X-XSRF-TOKEN": api.cookies.get("XSRF-TOKEN", "")}


def add_user(admin, username: str, role: str | None, password: str = "pass-word-1") -> dict:
    """A user made through the API by an administrator's client; its record."""
    body = {"username": username, "password": password, **({"role": role} if role else {})}
    response = admin.post("user", json=body, headers=xsrf(admin))
    assert response.status_code == 201, response.text
    return response.json()


def submit(api, method: str, path: str, body=None, expect: int = 202, **kwargs) -> str:
    kwargs.setdefault("headers", xsrf(api))
    response = api.request(method, path, json=body, **kwargs)
    assert response.status_code == expect, (response.status_code, response.text)
    return response.json()["request_id"]


def finished(api, request_id: str, timeout_s: float = 20.0) -> dict:
    return wait_until(lambda: (lambda r: r if r["state"] == "complete" else None)(
        api.get(f"request/{request_id}").json()), timeout_s=timeout_s, what=f"request {request_id} complete")


def run(api, method: str, path: str, body=None, timeout_s: float = 20.0) -> dict:
    """Submit a change and wait for it; asserts it succeeded and returns the request."""
    request = finished(api, submit(api, method, path, body), timeout_s)
    assert request["error"] is False, request
    return request


@contextmanager
def cluster_with_request_timeout(tmp_path, request_timeout_s: float):
    """(api, fleet, fsid): a daemon whose requests' jobs and map waits time out after
    `request_timeout_s`, with a synced simulated cluster; both stopped at the end."""
    from tests.system.conftest import HEARTBEAT_S, start_fleet
    from tests.system.daemon_process import DaemonProcess, logged_in_client
    from tests.system.cluster_helpers import synced_cluster
    daemon = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S,
                           extra_args=["--request-timeout-s", str(request_timeout_s)]).start()
    fleet = start_fleet(daemon, advance_every_s=0.1)
    try:
        with logged_in_client(daemon.http_url) as api:
            yield api, fleet, synced_cluster(api, fleet)
    finally:
        fleet.stop()
        assert daemon.stop() == 0
