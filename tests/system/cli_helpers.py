"""Running the `calamari` command as a user does: a subprocess (`python -m calamari`, the console
script may not be installed), with its own config dir (XDG_CONFIG_HOME) and none of the caller's
CALAMARI_* variables; and a client (calamari.client) holding the token it stored."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from calamari import credentials
from calamari.client import Client
from tests.system.cluster_helpers import synced_cluster
from tests.system.conftest import HEARTBEAT_S, start_fleet
from tests.system.daemon_process import ADMIN_PASSWORD, DaemonProcess, logged_in_client

ROOT = Path(__file__).resolve().parents[2]


def calamari(config: Path, *args: str, env: dict | None = None, input: str | None = None,
             timeout_s: float = 60.0) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CALAMARI_")}
    environment.update({"XDG_CONFIG_HOME": str(config), **(env or {})})
    return subprocess.run([sys.executable, "-m", "calamari", *args], cwd=ROOT, env=environment, input=input,
                          capture_output=True, text=True, timeout=timeout_s)


def popen(config: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CALAMARI_")}
    environment.update({"XDG_CONFIG_HOME": str(config), **(env or {})})
    return subprocess.Popen([sys.executable, "-m", "calamari", *args], cwd=ROOT, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def login(config: Path, url: str, username: str = "admin", password: str = ADMIN_PASSWORD) -> None:
    done = calamari(config, "login", url, "--username", username, env={"CALAMARI_PASSWORD": password})
    assert done.returncode == 0, done.stderr


def ok(done: subprocess.CompletedProcess) -> str:
    """The stdout of a command that must have succeeded."""
    assert done.returncode == 0, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def failed(done: subprocess.CompletedProcess, code: int, *words: str) -> str:
    """The one line a failed command printed last on stderr, checked for its exit code and words."""
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    line = done.stderr.strip().splitlines()[-1]
    assert all(w in line for w in words), line
    return line


def stored(config: Path) -> dict:
    """What `calamari login` stored under `config`."""
    return json.loads((config / "calamari" / credentials.FILE_NAME).read_text())


def stored_client(config: Path) -> Client:
    """A client with the token `calamari login` stored under `config`."""
    saved = stored(config)
    return Client(saved["url"], token=saved["token"])


def closed_port() -> int:
    """A local port nothing listens on (bound then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def daemon_with_cluster(data_dir: Path, live: bool = False):
    """(daemon, fleet, fsid): a daemon and a synced 3-server simulated cluster, stopped at the end;
    `live`: the cluster evolves in real time, fast (new PGs in about a second)."""
    daemon = DaemonProcess(data_dir, heartbeat_s=HEARTBEAT_S).start()
    fleet = start_fleet(daemon, advance_every_s=0.1 if live else None)
    for cluster in fleet.clusters if live else ():
        cluster.pg_create_rate, cluster.recovery_rate = 200.0, 50.0
    try:
        with logged_in_client(daemon.http_url) as api:
            fsid = synced_cluster(api, fleet)
        yield daemon, fleet, fsid
    finally:
        fleet.stop()
        assert daemon.stop() == 0, daemon.log_text()[-4000:]


@contextmanager
def live_cluster_client(data_dir: Path):
    """(daemon, api, fsid): `daemon_with_cluster(live=True)` and the administrator's client on it,
    for a module's one daemon."""
    with daemon_with_cluster(data_dir, live=True) as (daemon, _, fsid):
        with logged_in_client(daemon.http_url) as api:
            yield daemon, api, fsid
