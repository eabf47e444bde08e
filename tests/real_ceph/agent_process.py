"""The real agent (`run.py agent`) as a subprocess, pointed at a dev cluster."""
from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, field

from tests.child_process import ChildProcess
from tests.real_ceph.dev_cluster import DevCluster


@dataclass
class AgentProcess(ChildProcess):
    cluster: DevCluster
    bus_endpoint: str
    heartbeat_s: float = 1.0
    fqdn: str = "ceph-node1.test"
    server_key: str = ""       # the manager's public bus key (DaemonProcess.bus_key)
    key_dir: str = ""          # the agent's key pair; a temp dir of its own, kept across restarts
    ceph_name: str = "client.admin"
    keyring: str = ""          # default: the cluster's admin keyring
    proc: subprocess.Popen | None = None
    output: list = field(default_factory=list)

    def start(self, timeout_s: float = 30.0) -> "AgentProcess":
        self.key_dir = self.key_dir or tempfile.mkdtemp(prefix="agent-keys-")
        self.launch(["agent", "--connect", self.bus_endpoint, "--fqdn", self.fqdn,
                     f"--server-key={self.server_key}", "--key-dir", self.key_dir,
                     "--ceph-conf", self.cluster.conf, "--keyring", self.keyring or self.cluster.keyring,
                     "--ceph-name", self.ceph_name,
                     "--admin-socket-dir", str(self.cluster.run_dir),
                     "--log-dir", str(self.cluster.log_dir), "--heartbeat-s", str(self.heartbeat_s)],
                    "AGENT READY", "agent", timeout_s)
        return self

    def stop(self, timeout_s: float = 10.0) -> int:
        return super().stop(timeout_s)
