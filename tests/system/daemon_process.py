"""Start the real daemon (`run.py`) as a subprocess on free ports, and a logged-in HTTP client."""
from __future__ import annotations

import contextlib
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.child_process import ChildProcess
from tests.helpers import wait_until

ADMIN_PASSWORD = "system-test-password"


@dataclass
class DaemonProcess(ChildProcess):
    """auto_accept: the simulated fleets of most system tests are let in without an operator;
    the tests of the key workflow itself, and the real-Ceph fixtures, turn it off."""
    data_dir: Path
    extra_args: list = field(default_factory=list)
    heartbeat_s: float = 0.5
    auto_accept: bool = True
    embedded_sim: bool = False   # run.py's own simulator instead of a fleet the test drives
    proc: subprocess.Popen | None = None
    http_url: str = ""
    bus_endpoint: str = ""
    bus_key: str = ""          # the manager's public CurveZMQ key, from its READY line
    metrics_url: str = ""      # http(s)://host:port/metrics, from its READY line
    output: list = field(default_factory=list)

    def start(self, timeout_s: float = 30.0) -> "DaemonProcess":
        line = self.launch([*([] if self.embedded_sim else ["--no-sim"]), "--http-port", "0", "--bus-endpoint",
                            self.bus_endpoint or "tcp://127.0.0.1:0", "--data-dir", str(self.data_dir),
                            "--heartbeat-s", str(self.heartbeat_s), "--admin-password", ADMIN_PASSWORD,
                            "--metrics-port", "0",   # a free port: many daemons run at once
                            *(["--auto-accept"] if self.auto_accept else []),
                            *self.extra_args], "READY ", "daemon", timeout_s)
        parts = dict(p.split("=", 1) for p in line.split()[1:])
        self.http_url, self.bus_endpoint, self.bus_key = parts["http"], parts["bus"], parts["key"]
        self.metrics_url = parts.get("metrics", "")   # absent with --no-metrics
        return self


def accept_key(api: httpx.Client, minion_id: str, timeout_s: float = 30.0) -> None:
    """Accept an agent's key through the API, once its first contact has recorded it as pending."""
    wait_until(lambda: api.get(f"key/{minion_id}").status_code == 200, timeout_s=timeout_s, every_s=0.05,
               what=f"a pending key of {minion_id}")
    answer = api.patch(f"key/{minion_id}", json={"status": "accepted"},
                       headers={"X-XSRF-TOKEN": api.cookies.get("XSRF-TOKEN", "")})
    assert answer.status_code == 204, answer.text


@contextlib.contextmanager
def logged_in_client(base_url: str, username: str = "admin", password: str = ADMIN_PASSWORD):
    with httpx.Client(base_url=base_url + "/api/v2/", timeout=10.0) as client:
        client.get("auth/login").raise_for_status()
        response = client.post("auth/login", json={"username": username, "password": password},
                               headers={"X-XSRF-TOKEN": client.cookies.get("XSRF-TOKEN", "")})
        response.raise_for_status()
        yield client


def assert_one_line_error(done: subprocess.CompletedProcess, *expected: str) -> None:
    """The last line of stderr says why, in one of the `expected` ways."""
    assert done.returncode != 0
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert "READY" not in done.stdout
    assert done.stderr.strip().splitlines()[-1].startswith("calamari: "), done.stderr
    assert any(e in done.stderr.strip().splitlines()[-1] for e in expected), done.stderr


def wait_for_osds_with_usage(api: httpx.Client, osds: int, timeout_s: float) -> str:
    """The fsid of the daemon's first cluster once it lists `osds` OSDs and their usage (`osd df`
    has come in: osd_usage answers 200, not 503). For a daemon simulating one big cluster."""
    def ready():
        clusters = api.get("cluster").json()
        if not clusters:
            return False
        fsid = clusters[0]["id"]
        first = api.get(f"cluster/{fsid}/osd", params={"page_size": 1})
        return (first.status_code == 200 and first.json()["count"] == osds
                and api.get(f"cluster/{fsid}/osd_usage", params={"page_size": 1}).status_code == 200
                and fsid)
    return wait_until(ready, timeout_s=timeout_s, every_s=0.2, what=f"{osds} OSDs with their usage")
