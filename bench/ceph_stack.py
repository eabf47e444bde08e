"""What bench/real_ceph.py measures against: a dev cluster with its Ceph Dashboard, our daemon and
one real agent, all in one temp directory, torn down in reverse order whatever happens; plus a
librados session that times `mon_command`s and deletes the pools it created.

The processes are started by the test helpers (tests/real_ceph, tests/system), not copies of them.
"""
from __future__ import annotations

import contextlib
import errno
import json
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from agent.ceph.rados_loader import load_rados
from tests.helpers import wait_until
from tests.real_ceph.agent_process import AgentProcess
from tests.real_ceph.dev_cluster import SCRIPT, DevCluster, missing_ceph
from tests.system.daemon_process import DaemonProcess, accept_key, logged_in_client

DASHBOARD_MODULE = Path("/usr/share/ceph/mgr/dashboard")
DASHBOARD_ACCEPT = "application/vnd.ceph.api.v1.0+json"
MON_OP_TIMEOUT_S = 30


def missing_prerequisites() -> str | None:
    """Why this benchmark cannot run here, or None."""
    reason = missing_ceph()
    if reason is None and not DASHBOARD_MODULE.is_dir():
        reason = "the Ceph Dashboard is not installed: apt-get install -y ceph-mgr-dashboard"
    return reason


class CommandFailed(RuntimeError):
    def __init__(self, ret: int, message: str):
        super().__init__(message)
        self.ret = ret


class Mon:
    """One librados session; `command` returns the seconds a mon command took.

    Pacific's binding ignores mon_command's `timeout` argument: without rados_mon_op_timeout a
    command to a dead mon blocks for ever (and so would the clean-up).
    """

    def __init__(self, conf: str, keyring: str):
        self.rados = load_rados().Rados(conffile=conf, conf={"keyring": keyring,
                                                             "rados_mon_op_timeout": str(MON_OP_TIMEOUT_S)})
        self.rados.connect(timeout=10)
        self.created: list[str] = []

    def command(self, prefix: str, **args) -> float:
        return self._run(prefix, args)[0]

    def json(self, prefix: str, **args):
        return json.loads(self._run(prefix, {**args, "format": "json"})[1])

    def _run(self, prefix: str, args: dict) -> tuple[float, bytes]:
        started = time.perf_counter()
        ret, out, err = self.rados.mon_command(json.dumps({"prefix": prefix, **args}), b"")
        elapsed = time.perf_counter() - started
        if ret != 0:
            raise CommandFailed(ret, f"mon command {prefix} {args} failed ({ret}): {err}")
        return elapsed, out

    def pg_states(self, pool: str) -> list[str]:
        """The state of each PG of `pool`, as the mgr's `pg ls-by-pool` reports them."""
        try:
            return [pg["state"] for pg in self.json("pg ls-by-pool", poolstr=pool).get("pg_stats", [])]
        except CommandFailed as exc:
            if exc.ret == -errno.ENOENT:   # the mgr has not seen the OSD map with the pool yet
                return []
            raise

    def pgs_active(self, pool: str, pg_num: int) -> bool:
        states = self.pg_states(pool)
        return len(states) == pg_num and all("active" in state.split("+") for state in states)

    def create_pool(self, name: str, pg_num: int) -> float:
        self.created.append(name)
        return self.command("osd pool create", pool=name, pg_num=pg_num, pgp_num=pg_num)

    def delete_created_pools(self) -> None:
        for name in self.created:
            try:
                self.command("osd pool delete", pool=name, pool2=name, yes_i_really_really_mean_it=True)
            except RuntimeError as exc:   # the cluster is removed anyway; do not wait per pool
                print(f"could not delete pool {name}: {exc}; not deleting the rest")
                break
        self.created.clear()

    def close(self) -> None:
        self.rados.shutdown()


@dataclass
class Dashboard:
    url: str
    token: str

    @property
    def headers(self) -> dict:
        return {"Accept": DASHBOARD_ACCEPT, "Authorization": f"Bearer {self.token}"}


def enable_dashboard(cluster: DevCluster) -> Dashboard:
    out = subprocess.run([str(SCRIPT), "dashboard", str(cluster.directory)], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    env = dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines()
               if line.startswith("export "))
    url, password = env["CEPH_DASHBOARD_URL"], Path(env["CEPH_DASHBOARD_PASSWORD_FILE"]).read_text().strip()
    answer = httpx.post(url + "/api/auth", json={"username": env["CEPH_DASHBOARD_USER"], "password": password},
                        headers={"Accept": DASHBOARD_ACCEPT}, timeout=30)
    answer.raise_for_status()
    return Dashboard(url, answer.json()["token"])


@dataclass
class Stack:
    cluster: DevCluster
    dashboard: Dashboard
    daemon: DaemonProcess
    agent: AgentProcess
    api: httpx.Client      # logged in to our API (base URL .../api/v2/)
    fsid: str
    osds: int
    mon: Mon

    @property
    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.api.cookies.jar)

    def post(self, path: str, body: dict) -> httpx.Response:
        return self.api.post(path, json=body, headers={"X-XSRF-TOKEN": self.api.cookies["XSRF-TOKEN"]})


@contextlib.contextmanager
def ceph_stack(heartbeat_s: float):
    """Dev cluster (+ dashboard), daemon, agent; yields a Stack once our API shows the cluster."""
    with contextlib.ExitStack() as cleanup:
        tmp = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="bench-ceph-",
                                                                     ignore_cleanup_errors=True)))
        cleanup.callback(DevCluster(tmp / "ceph", {}).stop)    # also after a half-done start
        cluster = DevCluster.start(tmp / "ceph")
        dashboard = enable_dashboard(cluster)
        daemon = DaemonProcess(tmp / "data", heartbeat_s=heartbeat_s, extra_args=["--log-level", "WARNING"],
                               auto_accept=False)
        cleanup.callback(daemon.stop)
        daemon.start()
        agent = AgentProcess(cluster, daemon.bus_endpoint, heartbeat_s=heartbeat_s, server_key=daemon.bus_key,
                             key_dir=str(tmp / "agent-keys"))
        cleanup.callback(agent.stop)
        agent.start()
        api = cleanup.enter_context(logged_in_client(daemon.http_url))
        accept_key(api, agent.fqdn)
        fsid = wait_until(lambda: api.get("cluster").json(), timeout_s=60, every_s=0.1,
                          what="the cluster in our API")[0]["id"]
        osds = len(cluster.ceph_json("osd", "ls"))
        wait_until(lambda: _count(api, f"cluster/{fsid}/osd") == osds and _count(api, f"cluster/{fsid}/pool"),
                   timeout_s=60, every_s=0.1, what="OSDs and pools in our API")
        mon = Mon(cluster.conf, cluster.keyring)
        cleanup.callback(mon.close)
        cleanup.callback(mon.delete_created_pools)   # runs first: everything is still up
        yield Stack(cluster, dashboard, daemon, agent, api, fsid, osds, mon)


def _count(api: httpx.Client, path: str) -> int:
    answer = api.get(path)
    return len(answer.json()) if answer.status_code == 200 else 0
