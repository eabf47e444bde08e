"""One daemon and simulated fleet shared by a whole test module (the fuzz and hostile-input
tests send hundreds of requests; a daemon per test would cost more than the requests)."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.system.conftest import HEARTBEAT_S, start_fleet
from tests.system.daemon_process import ADMIN_PASSWORD, DaemonProcess, logged_in_client
from tests.system.cluster_helpers import synced_cluster


@dataclass
class LiveTarget:
    daemon: DaemonProcess
    fleet: object
    fsid: str

    @property
    def base_url(self) -> str:
        return self.daemon.http_url + "/api/v2"

    @property
    def fqdns(self) -> list[str]:
        return sorted(self.fleet.backends)

    def alive(self) -> bool:
        """The daemon still runs and answers."""
        if self.daemon.proc.poll() is not None:
            return False
        return httpx.get(self.base_url + "/info", timeout=10).status_code == 200


@contextlib.contextmanager
def live_target(data_dir: Path, extra_args: tuple = ()):
    daemon = DaemonProcess(data_dir, heartbeat_s=HEARTBEAT_S, extra_args=list(extra_args)).start()
    fleet = start_fleet(daemon)
    try:
        with logged_in_client(daemon.http_url) as api:
            fsid = synced_cluster(api, fleet)
        yield LiveTarget(daemon, fleet, fsid)
    finally:
        fleet.stop()
        code = daemon.stop()
    assert code == 0, "daemon did not shut down cleanly:\n" + daemon.log_text()[-4000:]


@contextlib.contextmanager
def admin_client(target: LiveTarget):
    """The administrator's logged-in client, its writes carrying the XSRF header."""
    with logged_in_client(target.daemon.http_url) as client:
        client.headers["X-XSRF-TOKEN"] = client.cookies["XSRF-TOKEN"]
        yield client


__all__ = ["ADMIN_PASSWORD", "LiveTarget", "admin_client", "live_target"]
