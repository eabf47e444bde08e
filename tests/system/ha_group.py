"""An HA group for system tests: two `run.py --ha` members on a fresh PostgreSQL database of
their own, and a simulated fleet as its own process whose agents know both bus endpoints."""
from __future__ import annotations

import contextlib
import socket
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.child_process import ChildProcess
from tests.db_backends import _with_database, postgres_server_url, rows
from tests.helpers import WaitTimeout, wait_until
from tests.system.daemon_process import DaemonProcess

LEASE_S = 3.0
HEARTBEAT_S = 0.5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_database(server: str | None = None) -> str:
    """A new, empty database on `server` (default: the test server, CALAMARI_TEST_POSTGRES_URL):
    the group's own."""
    server = server or postgres_server_url()
    name = f"calamari_ha_{uuid.uuid4().hex[:12]}"
    rows(server, f'CREATE DATABASE "{name}"')
    return _with_database(server, name)


def member(db_url: str, data_dir: Path, lease_s: float = LEASE_S) -> DaemonProcess:
    return DaemonProcess(data_dir, heartbeat_s=HEARTBEAT_S, bus_endpoint=f"tcp://127.0.0.1:{free_port()}",
                         extra_args=["--ha", "--db", db_url, "--ha-lease-s", str(lease_s)])


def role(process: DaemonProcess) -> str | None:
    try:
        return httpx.get(process.http_url + "/readyz", timeout=2.0).json().get("role")
    except (httpx.HTTPError, ValueError):
        return None


@dataclass
class Fleet(ChildProcess):
    """`run.py sim` whose agents connect to every member's bus (the first that acks wins)."""
    endpoints: list
    server_key: str
    state_dir: Path
    output: list = field(default_factory=list)

    def start(self) -> "Fleet":
        self.launch(["sim", "--connect", ",".join(self.endpoints), f"--server-key={self.server_key}",
                     "--heartbeat-s", str(HEARTBEAT_S), "--servers", "3", "--osds-per-server", "2",
                     "--state-dir", str(self.state_dir)], "simulated fleet of", "fleet", 30.0)
        return self


@dataclass
class Group:
    members: list
    fleet: Fleet | None = None

    def active(self, timeout_s: float = 30.0) -> DaemonProcess:
        """The member whose /readyz says active (polled with a deadline)."""
        def found():
            actives = [m for m in self.members if m.proc.poll() is None and role(m) == "active"]
            return actives[0] if len(actives) == 1 else None
        try:
            return wait_until(found, timeout_s=timeout_s, every_s=0.05, what="exactly one active member")
        except WaitTimeout as exc:
            raise WaitTimeout(f"{exc}\n{self.logs()}") from None

    def logs(self, lines: int = 40) -> str:
        """The end of every member's log, for a failure's message."""
        return "\n".join(f"--- member {n} (pid {m.proc.pid}):\n" + "".join(m.output[-lines:])
                         for n, m in enumerate(self.members, 1))

    def other(self, process: DaemonProcess) -> DaemonProcess:
        return next(m for m in self.members if m is not process)

    def stop(self) -> list[int]:
        codes = []
        if self.fleet is not None:
            self.fleet.stop()
        for process in self.members:
            codes.append(process.stop(timeout_s=15.0))
        return codes


def start_group(tmp_path: Path, lease_s: float = LEASE_S, database: str | None = None) -> Group:
    db = database or fresh_database()
    first = member(db, tmp_path / "m1", lease_s).start()
    group = Group([first])
    try:
        group.members.append(member(db, tmp_path / "m2", lease_s).start())
        group.active()
        group.fleet = Fleet([m.bus_endpoint for m in group.members], first.bus_key, tmp_path / "fleet").start()
    except BaseException:
        group.stop()
        raise
    return group


def synced_cluster(api: httpx.Client, timeout_s: float = 30.0) -> str:
    """The fsid of the fleet's one cluster, once the member answering knows its OSD map."""
    def fsid():
        clusters = api.get("cluster")
        if clusters.status_code != 200 or not clusters.json():
            return None
        found = clusters.json()[0]["id"]
        return found if api.get(f"cluster/{found}/osd").status_code == 200 else None
    return wait_until(fsid, timeout_s=timeout_s, every_s=0.05, what="the cluster synced")


def since(started: float) -> float:
    return time.monotonic() - started


@dataclass
class Serving:
    """A started group seen from the standby: its active member, the standby, a client logged in
    through the standby, and the fleet's cluster once synced."""
    group: Group
    active: DaemonProcess
    standby: DaemonProcess
    api: httpx.Client
    fsid: str


@contextlib.contextmanager
def serving_group(tmp_path: Path, **kwargs):
    """A group (start_group's arguments) with its fleet synced, stopped when the block ends."""
    from tests.system.daemon_process import logged_in_client
    group = start_group(tmp_path, **kwargs)
    try:
        active = group.active()
        standby = group.other(active)
        with logged_in_client(standby.http_url) as api:
            yield Serving(group, active, standby, api, synced_cluster(api))
    finally:
        group.stop()
