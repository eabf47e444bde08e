"""Start the real daemon (`run.py`) as a subprocess on free ports, and a logged-in HTTP client."""
from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "system-test-password"


@dataclass
class DaemonProcess:
    data_dir: Path
    extra_args: list = field(default_factory=list)
    heartbeat_s: float = 0.5
    proc: subprocess.Popen | None = None
    http_url: str = ""
    bus_endpoint: str = ""
    output: list = field(default_factory=list)
    _lines: "queue.Queue[str | None]" = field(default_factory=queue.Queue)

    def start(self, timeout_s: float = 30.0) -> "DaemonProcess":
        cmd = [sys.executable, str(ROOT / "run.py"), "--no-sim", "--http-port", "0",
               "--bus-endpoint", self.bus_endpoint or "tcp://127.0.0.1:0", "--data-dir", str(self.data_dir),
               "--heartbeat-s", str(self.heartbeat_s), "--admin-password", ADMIN_PASSWORD, *self.extra_args]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=env)
        threading.Thread(target=self._pump, daemon=True).start()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                raise RuntimeError("daemon exited during start-up:\n" + "".join(self.output[-50:]))
            if line.startswith("READY "):
                parts = dict(p.split("=", 1) for p in line.split()[1:])
                self.http_url, self.bus_endpoint = parts["http"], parts["bus"]
                return self
        self.kill()
        raise TimeoutError("daemon not ready:\n" + "".join(self.output[-50:]))

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.output.append(line)
            self._lines.put(line)
        self._lines.put(None)

    def stop(self, timeout_s: float = 5.0) -> int:
        """SIGTERM, then the exit code (the daemon must exit cleanly and in time)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def log_text(self) -> str:
        return "".join(self.output)


@contextlib.contextmanager
def logged_in_client(base_url: str, username: str = "admin", password: str = ADMIN_PASSWORD):
    with httpx.Client(base_url=base_url + "/api/v2/", timeout=10.0) as client:
        client.get("auth/login").raise_for_status()
        response = client.post("auth/login", json={"username": username, "password": password},
                               headers={"X-XSRF-TOKEN": client.cookies.get("XSRF-TOKEN", "")})
        response.raise_for_status()
        yield client
