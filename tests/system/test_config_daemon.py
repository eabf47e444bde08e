"""The daemon started as an operator starts it: from a configuration file and the environment,
a second start's admin password, the banner, and the offline key commands' flags."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.child_process import ROOT, ChildProcess
from tests.helpers import wait_until
from tests.system.conftest import HEARTBEAT_S, start_fleet
from tests.system.daemon_process import DaemonProcess, logged_in_client

BANNER = ("Calamari API:", "Agent bus:", "Bus key:", "Simulator:", "Metrics:", "First start:", "Log in as", "READY ")


def run_py(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env=env)


def test_a_file_and_the_environment_configure_the_daemon_and_flags_outrank_them(tmp_path, monkeypatch):
    config = tmp_path / "server.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\nhttp_port = 8\nbus_endpoint = "tcp://127.0.0.1:0"\n'
                      'no_sim = true\nmetrics_port = 0\nadmin_password = "configured-by-a-file"\n'
                      'log_format = "text"\n')
    monkeypatch.setenv("CALAMARI_LOG_FORMAT", "json")      # the child inherits it
    daemon = ChildProcess()
    line = daemon.launch(["--config", str(config), "--http-port", "0"], "READY ", "daemon", 30)
    try:
        url = dict(part.split("=", 1) for part in line.split()[1:])["http"]
        assert not url.endswith(":8")                     # the flag beat the file
        with logged_in_client(url, password="configured-by-a-file") as api:   # the file's
            info = api.get("info")
            assert info.json()["version"] == run_py("--version").stdout.split()[-1]
            assert "server" not in info.headers      # no version (Tornado's nor ours) for scanners
        logs = daemon.output[:next(i for i, text in enumerate(daemon.output) if text.startswith("Calamari API:"))]
        assert logs and all(json.loads(text)["level"] for text in logs), logs   # the environment beat the file
    finally:
        assert daemon.stop() == 0, daemon.log_text()[-3000:]


def test_an_unusable_file_stops_the_start_with_one_line(tmp_path):
    config = tmp_path / "server.toml"
    config.write_text('http_port = "abc"\n')
    done = run_py("--config", str(config), "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"calamari: {config}: http_port: must be an integer, not the string 'abc'\n"
    assert not (tmp_path / "data").exists()


def test_a_later_start_says_its_admin_password_is_ignored(tmp_path):
    first = DaemonProcess(tmp_path / "data").start()
    assert first.stop() == 0
    assert not [line for line in first.output if "is ignored" in line]
    second = DaemonProcess(tmp_path / "data").start()
    try:
        warned = [line for line in second.output if "WARNING" in line and "admin password" in line]
        assert len(warned) == 1 and "from --admin-password is ignored" in warned[0], second.log_text()[-2000:]
        assert "system-test-password" not in second.log_text()
    finally:
        assert second.stop() == 0


def test_the_banner_is_one_block_after_the_start_up_log_lines(tmp_path):
    daemon = DaemonProcess(tmp_path / "data", embedded_sim=True).start()
    try:
        text = [line.rstrip("\n") for line in daemon.output]
        first = next(i for i, line in enumerate(text) if line.startswith("Calamari API:"))
        block = text[first:first + len(BANNER) - 1]     # a first start prints one of the two login lines
        assert [line for line in block if not line.startswith(BANNER)] == [], block
        assert block[-1].startswith("READY ")
        assert any("bus server listening" in line for line in text[:first])
    finally:
        assert daemon.stop() == 0


def test_offline_key_commands_take_the_data_dir_after_the_verb_and_accept_twice(tmp_path):
    data_dir = tmp_path / "data"
    daemon = DaemonProcess(data_dir, heartbeat_s=HEARTBEAT_S, auto_accept=False).start()
    fleet = start_fleet(daemon)
    try:
        with logged_in_client(daemon.http_url) as api:
            wait_until(lambda: len(api.get("key").json()) == 3, what="three pending keys")
    finally:
        fleet.stop()
        assert daemon.stop() == 0
    listed = run_py("key", "list", "--data-dir", str(data_dir))
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == 3, listed.stderr
    minion = sorted(fleet.backends)[0]
    accepted = run_py("key", "accept", minion, "--data-dir", str(data_dir))
    assert (accepted.returncode, accepted.stdout) == (0, f"{minion}: accepted\n"), accepted.stderr
    again = run_py("key", "accept", minion, "--data-dir", str(data_dir))
    assert (again.returncode, again.stdout) == (0, f"{minion}: already accepted\n"), again.stderr
    # Against a daemon's configuration file too: its data_dir.
    config = tmp_path / "server.toml"
    config.write_text(f'data_dir = "{data_dir}"\n')
    assert run_py("--config", str(config), "key", "list").stdout == run_py("key", "list", "--data-dir",
                                                                           str(data_dir)).stdout
