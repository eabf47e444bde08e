"""GET /bootstrap against the real daemon: a shellcheck-clean POSIX script that carries the bus
endpoint and the manager's public key and nothing secret; the wheel it names is served at its
versioned URL with the SHA-256 the script checks; HTTPS only when the API serves HTTPS.

Installing with the script, and the agent it configures joining a real cluster, are in
tests/real_ceph/test_bootstrap_agent.py (they need Debian's python3-rados and ceph-common)."""
from __future__ import annotations

import hashlib
import io
import re
import shutil
import ssl
import subprocess
import sys
import zipfile

import httpx
import pytest

from tests.child_process import ROOT
from tests.system.daemon_process import ADMIN_PASSWORD, DaemonProcess
from tests.tls import self_signed

SHELLCHECK = shutil.which("shellcheck")
needs_shellcheck = pytest.mark.skipif(SHELLCHECK is None, reason="shellcheck is not installed (.ci/run installs it)")
BUILD_S = 120.0     # the first request waits for the wheel's build (seconds from a checkout)


PUBLIC_BUS = "tcp://ceph-manager.example.com:18003"


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    """One daemon for the plain-HTTP tests: each daemon builds its wheel once (seconds)."""
    process = DaemonProcess(tmp_path_factory.mktemp("bootstrap") / "data",
                            extra_args=["--bus-public-endpoint", PUBLIC_BUS]).start()
    yield process
    assert process.stop() == 0, process.log_text()[-4000:]


@pytest.fixture(scope="module")
def script(daemon) -> str:
    with httpx.Client() as client:
        return fetch_script(client, daemon.http_url)


def script_value(script: str, name: str) -> str:
    """NAME=value from the script's head (values are shell words: quoted only when they must be)."""
    match = re.search(rf"^{name}=(.*)$", script, re.MULTILINE)
    assert match, f"no {name}= in the script"
    return match[1].strip("'")


def fetch_script(client: httpx.Client, base_url: str) -> str:
    response = client.get(base_url + "/bootstrap", timeout=BUILD_S)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/x-shellscript")
    assert "set-cookie" not in response.headers      # no session, no XSRF cookie for a script
    return response.text


def run_script(script: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["/bin/sh", "-s", "--", *args], input=script, capture_output=True, text=True,
                          timeout=60, env=env)


def secrets_of(daemon: DaemonProcess) -> list[str]:
    data = daemon.data_dir
    return [ADMIN_PASSWORD, (data / "bus.key_secret").read_text().strip(), (data / "cookie_secret").read_text().strip()]


def test_script_names_the_bus_and_its_wheel_and_holds_no_secret(daemon, script):
    assert script.startswith("#!/bin/sh\n")
    assert script_value(script, "MANAGER_URL") == daemon.http_url
    assert script_value(script, "BUS_ENDPOINT") == PUBLIC_BUS          # --bus-public-endpoint
    assert f'connect = "{PUBLIC_BUS}"' in script and f'server_key = "{daemon.bus_key}"' in script
    for secret in secrets_of(daemon):
        assert secret not in script
    name, sha = script_value(script, "WHEEL_NAME"), script_value(script, "WHEEL_SHA256")
    assert re.fullmatch(r"calamari_server-[0-9][^-]*-py3-none-any\.whl", name), name
    url = script_value(script, "WHEEL_URL")
    assert url == f"{daemon.http_url}/bootstrap/{name}"
    with httpx.Client() as client:
        wheel = client.get(url)
        assert wheel.status_code == 200 and hashlib.sha256(wheel.content).hexdigest() == sha
        assert client.head(url).status_code == 200
        other = client.get(f"{daemon.http_url}/bootstrap/calamari_server-0.0.1-py3-none-any.whl")
        assert other.status_code == 404 and name in other.json()["detail"]
    with zipfile.ZipFile(io.BytesIO(wheel.content)) as archive:
        members = set(archive.namelist())
        # What the agent it installs needs beside the code: the script itself and the unit.
        assert {"web/ops/agent_install.sh", "deploy/systemd/calamari-agent.service", "run.py"} <= members
        dist_info = name.split("-py3")[0] + ".dist-info"
        assert "Name: calamari-server" in archive.read(f"{dist_info}/METADATA").decode()
        assert "calamari-agent" in archive.read(f"{dist_info}/entry_points.txt").decode()
        assert not any(m.startswith(("tests/", "bench/")) for m in members)


@needs_shellcheck
def test_script_passes_shellcheck(script, tmp_path):
    path = tmp_path / "bootstrap.sh"
    path.write_text(script)
    done = subprocess.run([SHELLCHECK, "-s", "sh", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_info_gives_the_one_line(daemon):
    info = httpx.get(daemon.http_url + "/api/v2/info").json()
    assert info["bootstrap_url"] == daemon.http_url + "/bootstrap"
    assert info["bootstrap_ubuntu"] == f"curl -fsS {daemon.http_url}/bootstrap | sudo sh"
    assert info["bootstrap_rhel"] == info["bootstrap_ubuntu"]


def test_https_only_when_the_api_serves_https(start_daemon, tmp_path):
    cert, key = self_signed(tmp_path)
    daemon = start_daemon("--tls-cert", cert, "--tls-key", key)
    assert daemon.http_url.startswith("https://")
    with httpx.Client(verify=ssl.create_default_context(cafile=cert)) as client:
        script = fetch_script(client, daemon.http_url)
        assert "http://" not in script, [line for line in script.splitlines() if "http://" in line]
        url = script_value(script, "WHEEL_URL")
        assert url.startswith("https://") and client.get(url).status_code == 200
        assert client.get(daemon.http_url + "/api/v2/info").json()["bootstrap_url"].startswith("https://")


def test_no_script_that_would_download_over_http_from_an_https_api(start_daemon, tmp_path):
    cert, key = self_signed(tmp_path)
    daemon = start_daemon("--tls-cert", cert, "--tls-key", key, "--public-url", "http://calamari.example.com:8002")
    response = httpx.get(daemon.http_url + "/bootstrap", verify=ssl.create_default_context(cafile=cert))
    assert response.status_code == 503
    assert "https" in response.json()["detail"] and "--public-url" in response.json()["detail"]
    assert "/bootstrap is off" in daemon.log_text()


def test_bad_bus_public_endpoint_is_one_line_and_exit_2(tmp_path):
    for value in ("tcp://0.0.0.0:8003", "ceph:8003", "tcp://host:99999"):
        done = subprocess.run([sys.executable, str(ROOT / "run.py"),
                               "--bus-public-endpoint", value, "--data-dir", str(tmp_path)],
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 2, done.stderr
        assert "--bus-public-endpoint" in done.stderr.strip().splitlines()[-1] and "Traceback" not in done.stderr


def test_script_options_and_prerequisites(script, tmp_path):
    """What the script says before it changes anything: --help, a bad option, a missing package."""
    assert "--prefix DIR" in run_script(script, "--help").stdout
    bad = run_script(script, "--frobnicate")
    assert bad.returncode == 2 and "unknown option --frobnicate" in bad.stderr
    relative = run_script(script, "--prefix", "relative/dir")
    assert relative.returncode == 2 and "absolute" in relative.stderr
    # No `ceph` on the PATH: ceph-common is named, with the command that installs it.
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    missing = run_script(script, "--prefix", str(tmp_path / "root"), "--dry-run", env={"PATH": str(empty)})
    assert missing.returncode == 1
    assert "ceph-common" in missing.stderr and "apt-get install" in missing.stderr, missing.stderr
    assert not (tmp_path / "root").exists()


def test_a_daemon_stops_at_once_while_its_wheel_is_being_built(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))     # no earlier build to reuse
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))                # where its scratch directory goes
    (tmp_path / "tmp").mkdir()
    daemon = DaemonProcess(tmp_path / "data").start()
    try:
        with pytest.raises(httpx.ReadTimeout):                          # the build has started
            httpx.get(daemon.http_url + "/bootstrap", timeout=1.0)
    finally:
        assert daemon.stop(timeout_s=5.0) == 0, daemon.log_text()[-4000:]
    assert "ready in" not in daemon.log_text()                         # it did not wait for the build
    assert list((tmp_path / "tmp").iterdir()) == []                    # nor left the build behind
    assert not (tmp_path / "cache").exists()
