"""Start the real daemon (`run.py`) as a subprocess on free ports, and a logged-in HTTP client."""
from __future__ import annotations

import contextlib
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.child_process import ChildProcess

ADMIN_PASSWORD = "system-test-password"


@dataclass
class DaemonProcess(ChildProcess):
    data_dir: Path
    extra_args: list = field(default_factory=list)
    heartbeat_s: float = 0.5
    proc: subprocess.Popen | None = None
    http_url: str = ""
    bus_endpoint: str = ""
    output: list = field(default_factory=list)

    def start(self, timeout_s: float = 30.0) -> "DaemonProcess":
        line = self.launch(["--no-sim", "--http-port", "0", "--bus-endpoint",
                            self.bus_endpoint or "tcp://127.0.0.1:0", "--data-dir", str(self.data_dir),
                            "--heartbeat-s", str(self.heartbeat_s), "--admin-password", ADMIN_PASSWORD,
                            *self.extra_args], "READY ", "daemon", timeout_s)
        parts = dict(p.split("=", 1) for p in line.split()[1:])
        self.http_url, self.bus_endpoint = parts["http"], parts["bus"]
        return self


@contextlib.contextmanager
def logged_in_client(base_url: str, username: str = "admin", password: str = ADMIN_PASSWORD):
    with httpx.Client(base_url=base_url + "/api/v2/", timeout=10.0) as client:
        client.get("auth/login").raise_for_status()
        response = client.post("auth/login", json={"username": username, "password": password},
                               headers={"X-XSRF-TOKEN": client.cookies.get("XSRF-TOKEN", "")})
        response.raise_for_status()
        yield client
