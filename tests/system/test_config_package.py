"""The package as an operator installs it: the wheel built from this checkout carries every
package, its data files and the three commands; installed into a fresh venv (its dependencies
from the index, as `pip install` fetches them), `calamari-server --config FILE` serves."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile

import httpx
import pytest

from tests.child_process import ROOT, ChildProcess
from web.ops.wheel import build_from_checkout

PACKAGES = ("actors", "agent", "bus", "calamari", "config", "deploy", "ha", "metrics", "sim", "store", "web")
COMMANDS = ("calamari-server", "calamari-agent", "calamari")


def project_version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as source:
        return tomllib.load(source)["project"]["version"]


def data_files() -> list[str]:
    """Every file of the packages that is not Python source, as git knows them."""
    listed = subprocess.run(["git", "ls-files", "--", *PACKAGES], cwd=ROOT, capture_output=True, text=True, check=True)
    return [name for name in listed.stdout.splitlines() if not name.endswith(".py") and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    return build_from_checkout(ROOT, tmp_path_factory.mktemp("wheel"))


def test_the_wheel_holds_every_package_its_data_files_and_the_commands(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert wheel.name == f"calamari_server-{project_version()}-py3-none-any.whl"
    assert "run.py" in names and {f"{package}/__init__.py" for package in PACKAGES} <= names
    assert not [name for name in names if "__pycache__" in name or name.startswith(("tests/", "bench/"))]
    expected = data_files()
    assert "web/ops/agent_install.sh" in expected          # the list is not empty by mistake
    assert [name for name in expected if name not in names] == []
    entry_points = zipfile.ZipFile(wheel).read(f"calamari_server-{project_version()}.dist-info/entry_points.txt")
    assert all(f"{command} = " in entry_points.decode() for command in COMMANDS)


@pytest.mark.timeout(300)
def test_a_fresh_venv_installs_the_wheel_and_calamari_server_serves_from_a_config_file(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=60)
    installed = subprocess.run([str(venv / "bin/pip"), "install", "--quiet", "--disable-pip-version-check", str(wheel)],
                               capture_output=True, text=True, timeout=240)
    assert installed.returncode == 0, installed.stderr[-2000:]
    for command in COMMANDS:
        assert (venv / "bin" / command).is_file(), command
    for command in ("calamari-server", "calamari-agent"):
        shown = subprocess.run([str(venv / "bin" / command), "--version"], capture_output=True, text=True, timeout=30)
        assert shown.stdout.strip() == f"{command} {project_version()}", shown.stdout + shown.stderr
    assert subprocess.run([str(venv / "bin/calamari"), "--help"], capture_output=True, timeout=30).returncode == 0
    where = subprocess.run([str(venv / "bin/python"), "-c", "import run, web.ops; print(run.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert where.stdout.startswith(str(venv)), where.stdout + where.stderr   # not this checkout

    config = tmp_path / "server.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\nhttp_port = 0\nbus_endpoint = "tcp://127.0.0.1:0"\n'
                      'no_sim = true\nno_metrics = true\nadmin_password = "installed-daemon-test"\n')
    daemon = ChildProcess()
    daemon.launch(["--config", str(config)], "READY ", "installed daemon", 60,
                  program=[str(venv / "bin/calamari-server")])
    try:
        url = dict(part.split("=", 1) for part in daemon.output[-1].split()[1:])["http"]
        info = httpx.get(f"{url}/api/v2/info", timeout=10)
        assert info.status_code == 200 and info.json()["version"] == project_version()
        assert "server" not in info.headers      # the version is not handed to scanners
        # /bootstrap from an installed package: its wheel zipped back from the installed files.
        script = httpx.get(f"{url}/bootstrap", timeout=120)
        assert script.status_code == 200, script.text
        name = re.search(r"^WHEEL_NAME=(.*)$", script.text, re.MULTILINE)[1]
        assert name == wheel.name
        served = zipfile.ZipFile(io.BytesIO(httpx.get(f"{url}/bootstrap/{name}", timeout=30).content))
        assert sorted(served.namelist()) == sorted(zipfile.ZipFile(wheel).namelist())
        drive_with_the_installed_calamari_command(venv, url, tmp_path)
    finally:
        assert daemon.stop() == 0, daemon.log_text()[-3000:]


def drive_with_the_installed_calamari_command(venv, url: str, tmp_path) -> None:
    """The installed `calamari` logs in to the installed daemon and reads through its token."""
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "xdg"), CALAMARI_PASSWORD="installed-daemon-test")

    def calamari(*args):
        return subprocess.run([str(venv / "bin/calamari"), *args], capture_output=True, text=True, timeout=60,
                              env=env, cwd=tmp_path)
    logged_in = calamari("login", url, "--username", "admin")
    assert logged_in.returncode == 0 and "Logged in" in logged_in.stdout, logged_in.stdout + logged_in.stderr
    whoami = calamari("-o", "json", "whoami")
    assert whoami.returncode == 0 and json.loads(whoami.stdout)["username"] == "admin", whoami.stderr
    clusters = calamari("-o", "json", "cluster", "ls")
    assert clusters.returncode == 0 and json.loads(clusters.stdout) == [], clusters.stdout + clusters.stderr
