"""deploy/Containerfile: the manager's image (Debian slim, the wheel in a venv, non-root, the data
dir a volume, a healthcheck on /healthz).

The cheap checks always run: the file parses, copies what pyproject.toml packages, its settings
file is one the daemon accepts, and its ports, volume and healthcheck agree with those settings.

test_the_image_builds_and_serves builds it with podman and runs it: the API answers through the
published port, the healthcheck passes, the process is not root, its data lands in the volume, a
simulated fleet reports through the published bus port, and SIGTERM stops it cleanly. What this
sandbox lacks is detected, not assumed (each fallback is used only when the plain way fails):
* the registry (docker.io) may be out of reach: the base is then a stand-in, Debian 12 minbase
  with python3 and its venv module made by mmdebstrap from the Debian mirror and imported as
  localhost/calamari-test-base:bookworm (kept between runs), the same distribution the slim
  image is;
* crun cannot start containers on a host whose cgroups are in hybrid mode: runc is used then,
  with explicit rlimits (podman's defaults are above such a host's hard limits);
* the network may pass through a TLS-inspecting proxy: pip in the build is always given the
  host's CA bundle (the PIP_CERT build argument and a read-only mount; harmless otherwise).
It skips, naming the failing step, only when podman is missing, no base image can be had, or no
runtime can start a container.

test_the_units_run_under_systemd puts the image's venv and the shipped units into a Debian 12
image with systemd as its init (also made by mmdebstrap, kept between runs): the units' hardening,
READY, the status and the watchdog under a real systemd, which the sandbox itself does not run.
"""
from __future__ import annotations

import shlex
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import uuid
from importlib.resources import files
from pathlib import Path

import httpx
import pytest

from sim.fleet import SimFleet
from tests.helpers import wait_until
from tests.system.daemon_process import logged_in_client

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = ROOT / "deploy" / "Containerfile"
BASE = "docker.io/library/python:3.11-slim-bookworm"
STAND_IN = "localhost/calamari-test-base:bookworm"
RLIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
PASSWORD = "container-test-password"


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, its arguments) in order, continuation lines joined, comments dropped."""
    found, pending = [], ""
    for line in text.splitlines():
        if line.strip().startswith("#") and not pending:
            continue
        pending += line.rstrip().removesuffix("\\") + " "
        if not line.rstrip().endswith("\\"):
            if pending.strip():
                word, _, rest = pending.strip().partition(" ")
                found.append((word.upper(), " ".join(rest.split())))
            pending = ""
    return found


def final_stage() -> list[tuple[str, str]]:
    steps = instructions(CONTAINERFILE.read_text())
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last_from:]


def effective_settings() -> dict:
    """The daemon's own reading of the image's server.toml (--print-config is TOML)."""
    done = subprocess.run([sys.executable, str(ROOT / "run.py"), "--config",
                           str(ROOT / "deploy" / "container-server.toml"), "--print-config"],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return tomllib.loads(done.stdout)


def test_the_containerfile_copies_what_the_package_holds():
    steps = instructions(CONTAINERFILE.read_text())
    sources = [part for word, args in steps if word == "COPY" and not args.startswith("--from")
               for part in args.split()[:-1]]
    for source in sources:
        assert (ROOT / source).exists(), source
    find = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    packages = {pattern.rstrip("*") for pattern in find["include"]}
    assert {s.rstrip("/") for s in sources if s.endswith("/")} == packages
    assert {"pyproject.toml", "README.md", "run.py", "requirements.txt"} <= set(sources)
    assert [args for word, args in steps if word == "FROM"][0] == "${BASE} AS build"
    assert ("ARG", f"BASE={BASE}") in steps


def test_the_image_runs_its_console_script_unprivileged_with_its_data_in_a_volume():
    final = dict((word, args) for word, args in final_stage())
    settings = effective_settings()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert final["ENTRYPOINT"] == '["calamari-server"]' and "calamari-server" in scripts
    assert final["USER"] not in ("root", "0")
    assert final["VOLUME"] == f'["{settings["data_dir"]}"]' == '["/var/lib/calamari"]'
    assert final["WORKDIR"] == settings["data_dir"]
    bus_port = int(settings["bus_endpoint"].rsplit(":", 1)[1])
    assert settings["http_host"] == "0.0.0.0" and settings["bus_endpoint"].startswith("tcp://0.0.0.0:")
    assert set(final["EXPOSE"].split()) == {str(settings["http_port"]), str(bus_port), str(settings["metrics_port"])}
    assert f"http://127.0.0.1:{settings['http_port']}/healthz" in final["HEALTHCHECK"]
    assert settings["no_sim"] is True


# --- the real thing ------------------------------------------------------------------------------

def podman(*args: str, timeout_s: float = 120, check: bool = False) -> subprocess.CompletedProcess:
    done = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout_s)
    if check:
        assert done.returncode == 0, f"podman {shlex.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def last_line(done: subprocess.CompletedProcess) -> str:
    lines = (done.stderr or done.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit code {done.returncode}"


def base_image() -> str:
    """The registry's slim image, else the stand-in (made once); pytest.skip naming why not."""
    if podman("image", "exists", BASE).returncode == 0:
        return BASE
    pulled = podman("pull", "--quiet", BASE, timeout_s=300)
    if pulled.returncode == 0:
        return BASE
    return debian_image(STAND_IN, "python3,python3-venv,ca-certificates",
                        f"no base image: pulling {BASE} failed ({last_line(pulled)})")


def debian_image(tag: str, packages: str, why: str) -> str:
    """`tag`: Debian 12 minbase with `packages`, made by mmdebstrap from the Debian mirror and
    imported unless it exists; pytest.skip saying `why` it is needed and what failed."""
    if podman("image", "exists", tag).returncode == 0:
        return tag
    if shutil.which("mmdebstrap") is None:
        pytest.skip(f"{why}, and mmdebstrap, which would make {tag}, is not installed")
    tarball = Path(f"/tmp/calamari-test-image-{uuid.uuid4().hex}.tar")
    try:
        made = subprocess.run(["mmdebstrap", "--variant=minbase", f"--include={packages}", "bookworm", str(tarball)],
                              capture_output=True, text=True, timeout=1200)
        if made.returncode != 0:
            pytest.skip(f"{why}, and mmdebstrap failed to make {tag} ({last_line(made)})")
        podman("import", str(tarball), tag, timeout_s=600, check=True)
    finally:
        tarball.unlink(missing_ok=True)
    return tag


def runtime_args(base: str) -> tuple[list[str], list[str]]:
    """(podman's global flags, run/build flags) that start a container here."""
    failures = []
    for global_flags, run_flags in (([], []), (["--runtime", "runc"], RLIMITS), ([], RLIMITS)):
        done = podman(*global_flags, "run", "--rm", *run_flags, "--network", "none", base,
                      "python3", "-c", "import venv")
        if done.returncode == 0:
            return global_flags, run_flags
        failures.append(last_line(done))
    pytest.skip(f"podman cannot start a container here: {'; '.join(failures)}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def image():
    """(the image's tag, podman's global flags, the run flags); removed afterwards."""
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed")
    base = base_image()
    global_flags, run_flags = runtime_args(base)
    tag = f"localhost/calamari-server:test-{uuid.uuid4().hex[:8]}"
    ca = ["--build-arg", f"PIP_CERT={CA_BUNDLE}", "--volume", f"{CA_BUNDLE}:{CA_BUNDLE}:ro"] \
        if Path(CA_BUNDLE).exists() else []
    # --format docker: the OCI image format has no HEALTHCHECK.
    podman(*global_flags, "build", "--format", "docker", "--network", "host", *run_flags, *ca,
           "--build-arg", f"BASE={base}", "-f", str(CONTAINERFILE), "-t", tag, str(ROOT),
           timeout_s=1500, check=True)
    yield tag, global_flags, run_flags
    podman("rmi", "--force", tag)


@pytest.mark.timeout(1800)
def test_the_image_builds_and_serves(image):
    tag, global_flags, run_flags = image
    http_port, bus_port = free_port(), free_port()
    name = volume = f"calamari-test-{uuid.uuid4().hex[:8]}"
    podman(*global_flags, "run", "--detach", "--name", name, *run_flags,
           "--publish", f"127.0.0.1:{http_port}:8002", "--publish", f"127.0.0.1:{bus_port}:8003",
           "--volume", f"{volume}:/var/lib/calamari", "--env", f"CALAMARI_ADMIN_PASSWORD={PASSWORD}",
           "--env", "CALAMARI_AUTO_ACCEPT=true", "--env", "CALAMARI_HEARTBEAT_S=1", tag, check=True)
    fleet = None
    try:
        ready = wait_until(lambda: next((line for line in podman("logs", name).stdout.splitlines()
                                         if line.startswith("READY ")), None),
                           timeout_s=60, every_s=0.5, what="the container's READY line")
        bus_key = dict(part.split("=", 1) for part in ready.split()[1:])["key"]
        url = f"http://127.0.0.1:{http_port}"
        assert httpx.get(f"{url}/healthz", timeout=10).json() == {"status": "ok"}
        assert podman(*global_flags, "healthcheck", "run", name).returncode == 0   # the image's own HEALTHCHECK
        assert podman("exec", name, "id", "-u").stdout.strip() not in ("", "0")
        assert "calamari.sqlite3" in podman("exec", name, "ls", "/var/lib/calamari").stdout.split()
        fleet = SimFleet(f"tcp://127.0.0.1:{bus_port}", server_key=bus_key, heartbeat_s=1.0,
                         advance_every_s=None).start()
        with logged_in_client(url, password=PASSWORD) as api:
            clusters = wait_until(lambda: api.get("cluster").json(), timeout_s=60, every_s=0.5,
                                  what="the fleet's cluster through the published bus port")
            assert [c["id"] for c in clusters] == [fleet.clusters[0].fsid]
        wait_until(lambda: httpx.get(f"{url}/readyz", timeout=10).status_code == 200, timeout_s=60,
                   what="ready once the cluster synced")
        started = time.monotonic()
        podman("stop", "--time", "30", name, check=True)
        assert time.monotonic() - started < 25, "SIGTERM did not stop it: podman had to kill it"
        assert podman("inspect", name, "--format", "{{.State.ExitCode}}").stdout.strip() == "0"
    finally:
        if fleet is not None:
            fleet.stop()
        print(podman("logs", name).stdout[-4000:])
        podman("rm", "--force", name)
        podman("volume", "rm", "--force", volume)


# --- the units under a real systemd ----------------------------------------------------------------

SYSTEMD_STAND_IN = "localhost/calamari-test-systemd:bookworm"
SYSTEMD_TEST_IMAGE = """\
ARG SYSTEMD_BASE
ARG CALAMARI_IMAGE
FROM ${CALAMARI_IMAGE} AS calamari
FROM ${SYSTEMD_BASE}
COPY --from=calamari /opt/calamari /opt/calamari
COPY calamari.sysusers.conf /usr/lib/sysusers.d/calamari.conf
COPY calamari-server.service calamari-agent.service /etc/systemd/system/
RUN systemd-sysusers && install -d -m 0755 /etc/calamari \\
 && printf 'admin_password = "%s"\\nhttp_host = "0.0.0.0"\\n' "$PASSWORD" > /etc/calamari/server.toml \\
 && chgrp calamari /etc/calamari/server.toml && chmod 0640 /etc/calamari/server.toml \\
 && systemctl enable calamari-server
CMD ["/sbin/init"]
"""


def systemd_base() -> str:
    """Debian 12 with systemd as the container's init."""
    return debian_image(SYSTEMD_STAND_IN, "systemd,systemd-sysv,dbus,python3,python3-venv,ca-certificates",
                        "no image with systemd")


def unit_property(name: str, unit: str, prop: str) -> str:
    return podman("exec", name, "systemctl", "show", "--value", "-p", prop, unit).stdout.strip()


@pytest.mark.timeout(900)
def test_the_units_run_under_systemd(image, tmp_path):
    """The shipped units, hardening and all, under systemd 252 as a container's init (the sandbox
    has no systemd of its own): the manager starts as `calamari` and notifies READY with its
    status, the agent's unit starts and its agent reaches the manager's bus, a stopped event loop
    trips the watchdog and gets the manager restarted, and `systemctl stop` ends it cleanly."""
    tag, global_flags, run_flags = image
    base = systemd_base()
    for unit in ("calamari-server.service", "calamari-agent.service", "calamari.sysusers.conf"):
        (tmp_path / unit).write_bytes((files("deploy.systemd") / unit).read_bytes())
    (tmp_path / "Containerfile").write_text(SYSTEMD_TEST_IMAGE.replace("$PASSWORD", PASSWORD))
    test_image = f"localhost/calamari-systemd:test-{uuid.uuid4().hex[:8]}"
    podman(*global_flags, "build", *run_flags, "--build-arg", f"SYSTEMD_BASE={base}",
           "--build-arg", f"CALAMARI_IMAGE={tag}", "-t", test_image, str(tmp_path), timeout_s=600, check=True)
    name, http_port = f"calamari-systemd-{uuid.uuid4().hex[:8]}", free_port()
    podman(*global_flags, "run", "--detach", "--name", name, *run_flags, "--systemd=always",
           "--publish", f"127.0.0.1:{http_port}:8002", test_image, check=True)
    try:
        wait_until(lambda: unit_property(name, "calamari-server", "ActiveState") == "active", timeout_s=120,
                   every_s=0.5, what="calamari-server.service active (READY=1 arrived)")
        assert unit_property(name, "calamari-server", "StatusText").startswith("serving http://0.0.0.0:8002/api/v2/")
        assert unit_property(name, "calamari-server", "User") == "calamari"
        owner = podman("exec", name, "stat", "-c", "%U %a", "/var/lib/calamari/data/calamari.sqlite3").stdout.split()
        assert owner == ["calamari", "600"]
        url = f"http://127.0.0.1:{http_port}"
        assert httpx.get(f"{url}/readyz", timeout=10).json() == {"ready": True}

        bus_key = podman("exec", name, "cat", "/var/lib/calamari/data/bus.key").stdout.strip()
        podman("exec", name, "sh", "-c", "printf 'connect = \"tcp://127.0.0.1:8003\"\\nserver_key = \"%s\"\\n' "
               f"{shlex.quote(bus_key)} > /etc/calamari/agent.toml && systemctl start calamari-agent", check=True)
        assert unit_property(name, "calamari-agent", "ActiveState") == "active"
        assert unit_property(name, "calamari-agent", "StatusText").startswith("reporting ")
        with logged_in_client(url, password=PASSWORD) as api:   # its key reached the manager: pending
            wait_until(lambda: api.get("key").json(), timeout_s=60, every_s=0.5, what="the agent's key")

        podman("exec", name, "sh", "-c", "mkdir -p /etc/systemd/system/calamari-server.service.d && printf "
               "'[Service]\\nWatchdogSec=2\\n' > /etc/systemd/system/calamari-server.service.d/test.conf && "
               "systemctl daemon-reload && systemctl restart calamari-server", check=True)
        podman("exec", name, "systemctl", "kill", "--signal=SIGSTOP", "calamari-server", check=True)
        wait_until(lambda: unit_property(name, "calamari-server", "NRestarts") == "1", timeout_s=60,
                   every_s=0.5, what="the watchdog's restart")
        journal = podman("exec", name, "journalctl", "-u", "calamari-server", "--no-pager").stdout
        assert "Watchdog timeout" in journal and "Failed with result 'watchdog'" in journal, journal[-3000:]
        wait_until(lambda: unit_property(name, "calamari-server", "ActiveState") == "active", timeout_s=60,
                   every_s=0.5, what="active again after the restart")

        podman("exec", name, "systemctl", "stop", "calamari-server", check=True)
        assert unit_property(name, "calamari-server", "ActiveState") == "inactive"
        assert unit_property(name, "calamari-server", "Result") == "success"
        assert unit_property(name, "calamari-server", "ExecMainStatus") == "0"
    finally:
        print(podman("exec", name, "journalctl", "--no-pager", "-n", "80").stdout)
        podman("rm", "--force", name)
        podman("rmi", "--force", test_image)
