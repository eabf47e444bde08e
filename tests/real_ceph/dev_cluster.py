"""A real single-node Ceph 16 cluster for tests, driven by ../shared/ceph/ceph-dev-cluster."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.child_process import ROOT
from tests.helpers import skip_or_fail

SCRIPT = Path(os.environ.get("CEPH_DEV_CLUSTER", ROOT.parent / "shared" / "ceph" / "ceph-dev-cluster"))
PACKAGES = "ceph-mon ceph-osd ceph-mgr ceph-common python3-rados"
INSTALL_HINT = f"Ceph is not installed: apt-get install -y {PACKAGES}"
REQUIRED_ENV = "CALAMARI_REQUIRE_CEPH"   # set by .ci/run: there, a skip is a failure


def missing_ceph() -> str | None:
    """Why real-Ceph tests cannot run here, or None."""
    for program in ("ceph-mon", "ceph-osd", "ceph-mgr", "ceph", "crushtool"):
        if shutil.which(program) is None:
            return f"{INSTALL_HINT} ({program} not found)"
    if not SCRIPT.is_file():
        return f"the dev-cluster script {SCRIPT} is missing"
    try:
        from agent.ceph.rados_loader import load_rados
        load_rados()
    except ImportError as exc:
        return f"{INSTALL_HINT} ({exc})"
    return None


def skip_or_fail_without_ceph() -> None:
    skip_or_fail(missing_ceph(), REQUIRED_ENV, "real-Ceph tests")


@dataclass
class DevCluster:
    directory: Path
    env: dict

    @classmethod
    def start(cls, directory: Path, *options: str) -> "DevCluster":
        out = _script("start", str(directory), "--quiet", *options, timeout_s=240).stdout
        env = dict(line.removeprefix("export ").split("=", 1)
                   for line in out.splitlines() if line.startswith("export "))
        return cls(directory, env)

    def stop(self) -> None:
        _script("stop", str(self.directory), timeout_s=60, check=False)

    @property
    def conf(self) -> str:
        return self.env["CEPH_CONF"]

    @property
    def keyring(self) -> str:
        return self.env["CEPH_KEYRING"]

    @property
    def run_dir(self) -> Path:
        """The admin sockets' directory (elsewhere when DIR is too long for AF_UNIX paths)."""
        pointer = self.directory / "run-dir"
        return Path(pointer.read_text().strip()) if pointer.is_file() else self.directory / "run"

    @property
    def log_dir(self) -> Path:
        return self.directory / "log"

    def ceph(self, *words: str, timeout_s: float = 60) -> str:
        """`ceph WORDS` on this cluster; its stdout (CalledProcessError if it fails)."""
        done = subprocess.run(["ceph", "--conf", self.conf, "--keyring", self.keyring, *words],
                              capture_output=True, text=True, timeout=timeout_s, check=True)
        return done.stdout

    def agent_user(self, name: str = "client.calamari") -> str:
        """The cephx user the README tells operators to make for the agent; its keyring's path."""
        from actors.cluster.commands.agent_caps import get_or_create_words
        keyring = self.directory / f"{name}.keyring"
        if not keyring.exists():
            keyring.write_text(self.ceph(*get_or_create_words(name)))
        return str(keyring)

    def ceph_json(self, *words: str):
        return json.loads(self.ceph(*words, "-f", "json"))

    def daemon_stop(self, name: str, kill: bool = False) -> None:
        _script("daemon-stop", str(self.directory), name, *(["--kill"] if kill else []), timeout_s=60)

    def daemon_start(self, name: str) -> None:
        """Start a stopped daemon again; once more if it aborts while starting: a memstore OSD of
        the dev cluster was seen to abort once in a whole-suite run (ceph-osd's own crash, its log
        gone with the test's directory; the test then passed on its own). Two failures raise both."""
        first = _script("daemon-start", str(self.directory), name, timeout_s=120, check=False)
        if first.returncode != 0:
            again = _script("daemon-start", str(self.directory), name, timeout_s=120, check=False)
            if again.returncode != 0:
                raise RuntimeError(f"ceph-dev-cluster daemon-start {name} failed twice:\n"
                                   f"{first.stderr[-2000:]}\n{again.stderr[-2000:]}")


def _script(*args: str, timeout_s: float, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout_s)
    if check and done.returncode != 0:
        raise RuntimeError(f"ceph-dev-cluster {' '.join(args)} failed ({done.returncode}):\n"
                           f"{done.stderr[-4000:]}")
    return done
