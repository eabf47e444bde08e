"""Onboarding a server with the script GET /bootstrap serves, end to end: run it as an operator
would (`curl … | sh`, here `sh -s -- --prefix TMP` as the current user, so that every path is
under a throwaway root and systemctl is not called), then start the agent it installed, with the
configuration it wrote, against the dev cluster: its key is pending with the fingerprint the
script printed, an administrator accepts it, and the server is managed. Also: a second run keeps
the key and the configuration; --dry-run downloads and checks the wheel (a wrong SHA-256 is
refused) and writes nothing; over HTTPS the manager's certificate is checked (--cacert).

The install is the real one: a virtualenv made with /usr/bin/python3 (Debian's, with
python3-rados), the manager's wheel downloaded from the manager and checked, its dependencies from
pip's index (or its cache)."""
from __future__ import annotations

import os
import re
import ssl
import stat
import subprocess
import time
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import httpx
import pytest

from bus.curve import fingerprint
from tests.child_process import ChildProcess
from tests.helpers import wait_until
from tests.real_ceph.conftest import AGENT_USER, HEARTBEAT_S
from tests.real_ceph.dev_cluster import DevCluster, skip_or_fail_without_ceph
from tests.system.daemon_process import DaemonProcess, accept_key, logged_in_client
from tests.tls import self_signed

FINGERPRINT = re.compile(r"^\s*((?:[0-9a-f]{2}:){31}[0-9a-f]{2})\s*$", re.MULTILINE)
INSTALL_S = 600.0        # pip installs the wheel's dependencies (from its cache: about a minute at most)
FQDN = "ceph-bootstrapped.test"


@dataclass
class Installed:
    daemon: DaemonProcess
    prefix: Path
    script: str
    done: subprocess.CompletedProcess
    seconds: float

    @property
    def venv(self) -> Path:
        return self.prefix / "opt/calamari/venv"

    @property
    def config(self) -> Path:
        return self.prefix / "etc/calamari/agent.toml"

    def printed_fingerprint(self, output: str | None = None) -> str:
        found = FINGERPRINT.findall(self.done.stdout if output is None else output)
        assert len(found) == 1, self.done.stdout
        return found[0]


def run_bootstrap(script: str, prefix: Path, *options: str, ceph_conf: str | None = None) -> subprocess.CompletedProcess:
    """The script as `sh -s -- --prefix PREFIX OPTIONS`; its `ceph` commands reach the dev
    cluster through CEPH_CONF (whose conf names the admin keyring), as /etc/ceph would on a server."""
    env = dict(os.environ, **({"CEPH_CONF": ceph_conf} if ceph_conf else {}))
    return subprocess.run(["/bin/sh", "-s", "--", "--prefix", str(prefix), *options], input=script,
                          capture_output=True, text=True, timeout=INSTALL_S, env=env)


@pytest.fixture(scope="module")
def installed(ceph_cluster, tmp_path_factory):
    """A daemon of this module's own (keys need an operator) and the agent its script installed."""
    root = tmp_path_factory.mktemp("bootstrap")
    daemon = DaemonProcess(root / "data", heartbeat_s=HEARTBEAT_S, auto_accept=False).start()
    try:
        script = httpx.get(daemon.http_url + "/bootstrap", timeout=120).text
        started = time.monotonic()
        done = run_bootstrap(script, root / "root", ceph_conf=ceph_cluster.conf)
        assert done.returncode == 0, done.stdout + done.stderr
        yield Installed(daemon, root / "root", script, done, time.monotonic() - started)
    finally:
        daemon.stop()


def test_the_script_installs_under_the_prefix(installed):
    print(f"bootstrap install: {installed.seconds:.1f} s")
    venv, config = installed.venv, installed.config
    assert (venv / "bin/calamari-agent").is_file() and (venv / "bin/calamari-agent").stat().st_mode & 0o111
    # The agent runs its own installed code, and Debian's rados beside it (--system-site-packages).
    where = subprocess.run([str(venv / "bin/python"), "-c", "import rados, run; print(run.__file__)"],
                           capture_output=True, text=True, cwd="/")
    assert where.returncode == 0 and where.stdout.startswith(str(venv)), where.stdout + where.stderr
    settings = tomllib.loads(config.read_text())
    keyring = installed.prefix / f"etc/ceph/ceph.{AGENT_USER}.keyring"
    assert settings == {"connect": installed.daemon.bus_endpoint, "server_key": installed.daemon.bus_key,
                        "key_dir": str(installed.prefix / "var/lib/calamari-agent"),
                        "ceph_name": AGENT_USER, "keyring": str(keyring)}
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    # The narrow cephx user, made with the admin keyring (actors/cluster/commands/agent_caps.py's capabilities).
    assert stat.S_IMODE(keyring.stat().st_mode) == 0o600 and f"[{AGENT_USER}]" in keyring.read_text()
    unit = installed.prefix / "etc/systemd/system/calamari-agent.service"
    shipped = resources.files("deploy.systemd").joinpath("calamari-agent.service").read_text()
    assert unit.read_text() == shipped
    public = (installed.prefix / "var/lib/calamari-agent/agent.key").read_text().strip()
    assert installed.printed_fingerprint() == fingerprint(public)
    assert "systemctl not called" in installed.done.stdout


def test_running_it_again_keeps_the_key_and_the_configuration(installed):
    config_before = installed.config.read_text()
    again = run_bootstrap(installed.script, installed.prefix)   # agent.toml kept: no ceph command
    assert again.returncode == 0, again.stdout + again.stderr
    assert "kept the existing" in again.stdout
    assert installed.config.read_text() == config_before
    assert installed.printed_fingerprint(again.stdout) == installed.printed_fingerprint()


def test_dry_run_downloads_and_checks_but_changes_nothing(installed, tmp_path):
    prefix = tmp_path / "untouched"
    dry = run_bootstrap(installed.script, prefix, "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "SHA-256 is right" in dry.stdout and "would pip-install" in dry.stdout and "would write" in dry.stdout
    assert not prefix.exists()
    tampered = re.sub(r"^WHEEL_SHA256=.*$", "WHEEL_SHA256=" + "0" * 64, installed.script, flags=re.MULTILINE)
    refused = run_bootstrap(tampered, prefix, "--dry-run")
    assert refused.returncode == 1 and "not installed" in refused.stderr, refused.stderr


def test_over_https_the_manager_certificate_is_checked(tmp_path):
    skip_or_fail_without_ceph()
    cert, key = self_signed(tmp_path)
    daemon = DaemonProcess(tmp_path / "data", extra_args=["--tls-cert", cert, "--tls-key", key]).start()
    try:
        script = httpx.get(daemon.http_url + "/bootstrap", timeout=120,
                           verify=ssl.create_default_context(cafile=cert)).text
        trusted = run_bootstrap(script, tmp_path / "root", "--dry-run", "--cacert", cert)
        assert trusted.returncode == 0 and "SHA-256 is right" in trusted.stdout, trusted.stdout + trusted.stderr
        unknown = run_bootstrap(script, tmp_path / "root", "--dry-run")    # a self-signed manager
        assert unknown.returncode == 1 and "cannot download" in unknown.stderr, unknown.stderr
    finally:
        assert daemon.stop() == 0, daemon.log_text()


@dataclass
class InstalledAgent(ChildProcess):
    """The installed `calamari-agent`, configured by agent.toml; the dev cluster's paths and a
    name of its own on the command line (flags win over the file)."""
    installed: Installed
    cluster: DevCluster
    output: list = field(default_factory=list)

    def start(self) -> "InstalledAgent":
        cluster = self.cluster      # the cephx user and its keyring: agent.toml's, as the script wrote them
        self.launch(["--config", str(self.installed.config), "--fqdn", FQDN, "--ceph-conf", cluster.conf,
                     "--admin-socket-dir", str(cluster.run_dir), "--log-dir", str(cluster.log_dir),
                     "--heartbeat-s", str(HEARTBEAT_S)],
                    "AGENT READY", "installed agent", 60, program=[str(self.installed.venv / "bin/calamari-agent")])
        return self


def test_the_agent_it_configured_joins_once_its_key_is_accepted(installed, ceph_cluster):
    agent = InstalledAgent(installed, ceph_cluster).start()
    try:
        with logged_in_client(installed.daemon.http_url) as api:
            pending = wait_until(lambda: api.get(f"key/{FQDN}").status_code == 200 and api.get(f"key/{FQDN}").json(),
                                 timeout_s=30, every_s=0.1, what="the agent's key pending")
            assert pending["status"] == "pre"
            assert pending["fingerprint"] == installed.printed_fingerprint()   # what the operator compares
            assert api.get("server").json() == []                             # nothing before acceptance
            accept_key(api, FQDN)
            wait_until(lambda: api.get("cluster").json(), timeout_s=30, every_s=0.1, what="the cluster discovered")
            server = wait_until(lambda: (s := api.get(f"server/{FQDN}")).status_code == 200 and s.json(),
                                timeout_s=30, every_s=0.1, what="the server")
            assert server["managed"] is True
    finally:
        assert agent.stop() == 0, agent.log_text()
