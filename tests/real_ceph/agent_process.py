"""The real agent (`run.py agent`) as a subprocess, pointed at a dev cluster."""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from tests.real_ceph.dev_cluster import ROOT, DevCluster


@dataclass
class AgentProcess:
    cluster: DevCluster
    bus_endpoint: str
    heartbeat_s: float = 1.0
    fqdn: str = "ceph-node1.test"
    proc: subprocess.Popen | None = None
    output: list = field(default_factory=list)

    def start(self, timeout_s: float = 30.0) -> "AgentProcess":
        cmd = [sys.executable, str(ROOT / "run.py"), "agent", "--connect", self.bus_endpoint,
               "--fqdn", self.fqdn, "--ceph-conf", self.cluster.conf, "--keyring", self.cluster.keyring,
               "--admin-socket-dir", str(self.cluster.run_dir), "--log-dir", str(self.cluster.log_dir),
               "--heartbeat-s", str(self.heartbeat_s)]
        self.output = []
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, args=(lines,), daemon=True).start()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                raise RuntimeError("agent exited during start-up:\n" + self.log_text())
            if line.startswith("AGENT READY"):
                return self
        self.kill()
        raise TimeoutError("agent not ready:\n" + self.log_text())

    def _pump(self, lines: queue.Queue) -> None:
        for line in self.proc.stdout:
            self.output.append(line)
            lines.put(line)
        lines.put(None)

    def stop(self, timeout_s: float = 10.0) -> int:
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
            self.proc.wait(10)

    def log_text(self) -> str:
        return "".join(self.output[-200:])
