"""An unusable data dir stops the daemon at once with one clear line and a non-zero exit code."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.child_process import ROOT
from tests.system.daemon_process import assert_one_line_error

NOBODY = 65534


def start(data_dir, prefix: tuple = (), flags: tuple = ("--admin-password", "startup-error-test")):
    return subprocess.run([*prefix, sys.executable, str(ROOT / "run.py"), "--no-sim", "--http-port", "0",
                           "--bus-endpoint", "tcp://127.0.0.1:0", "--data-dir", str(data_dir), *flags],
                          cwd=ROOT, capture_output=True, text=True, timeout=30)


def test_garbage_in_the_database_file(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "calamari.sqlite3").write_bytes(bytes(range(256)) * 64)
    done = start(data)
    assert done.returncode == 2
    assert_one_line_error(done, "file is not a database")


def test_a_data_dir_that_is_a_file(tmp_path):
    (tmp_path / "data").write_text("not a directory")
    assert_one_line_error(start(tmp_path / "data"), "is not a directory")


def test_a_data_dir_we_may_not_use(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    if os.geteuid() == 0:   # root may use any dir: run the daemon as nobody instead
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: cannot drop privileges")
        os.chmod(tmp_path, 0o755)
        done = start(data, prefix=("setpriv", "--reuid", str(NOBODY), "--regid", str(NOBODY), "--clear-groups"))
    else:
        data.chmod(0)
        try:
            done = start(data)
        finally:
            data.chmod(0o700)
    # Depending on the parent's mode it cannot even be looked at, or looked at but not used.
    assert_one_line_error(done, "is not readable and writable", "Permission denied")


@pytest.mark.parametrize("flag, value", [
    ("--login-failure-burst", "-1"), ("--login-in-flight-per-client", "0"), ("--http-idle-timeout-s", "-1"),
    ("--http-body-timeout-s", "nan"), ("--pending-keys-per-address", "-1"), ("--pending-key-max-age-s", "0"),
    ("--heartbeat-s", "x"), ("--lockout-failures", "-2"), ("--max-body-bytes", "0"), ("--session-idle-s", "-5"),
    ("--sim-client-load", "inf"), ("--sim-client-load", "-1"), ("--trend-min-span-s", "0"), ("--stats-every", "0"),
    ("--stream-keepalive-s", "0"), ("--stream-queue", "0"), ("--stream-buffer", "-1"),
    ("--http-port", "99999"), ("--http-port", "-1"), ("--sim-servers", "0"), ("--sim-clusters", "-1"),
    ("--sim-osds-per-server", "0"), ("--log-level", "verbose"), ("--heartbeat-s", "0"), ("--request-timeout-s", "0"),
    ("--event-max-count", "-1"), ("--audit-max-age-days", "-1"), ("--request-max-age-days", "nan"),
    ("--request-max-count", "1.5"), ("--metrics-port", "65536"), ("--log-format", "xml")])
def test_a_bad_flag_value_is_one_usage_line_naming_the_flag(tmp_path, flag, value):
    done = subprocess.run([sys.executable, str(ROOT / "run.py"), "--no-sim", "--data-dir", str(tmp_path / "d"),
                           flag, value], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()], done.stderr   # one line, not the usage
    assert done.stderr.startswith(f"run.py: error: argument {flag}: "), done.stderr
    assert not (tmp_path / "d").exists()          # refused before anything was created


@pytest.mark.parametrize("command, flag, value", [
    ("sim", "--clusters", "0"), ("sim", "--servers", "-1"), ("sim", "--osds-per-server", "0"),
    ("sim", "--heartbeat-s", "0"), ("sim", "--seed", "x"), ("agent", "--heartbeat-s", "0"),
    ("agent", "--watch-s", "-1"), ("agent", "--log-level", "loud")])
def test_a_bad_simulator_or_agent_flag_is_one_usage_line_naming_it(command, flag, value):
    done = subprocess.run([sys.executable, str(ROOT / "run.py"), command, "--connect", "tcp://127.0.0.1:1",
                           "--server-key=unused", flag, value], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()], done.stderr
    assert done.stderr.startswith(f"run.py {command}: error: argument {flag}: "), done.stderr


@pytest.mark.parametrize("flags, expected", [
    (("--tls-cert", "/nonexistent.pem"), "calamari: --tls-cert and --tls-key go together"),
    (("--public-url", "ftp://x"), "calamari: --public-url must be http(s)://HOST[:PORT]"),
    (("--metrics-token", "a b"), "calamari: the metrics token must be non-empty and without spaces"),
    (("--admin-password-file", "/nonexistent"), "calamari: cannot read /nonexistent")])
def test_flags_that_cannot_be_used_together_or_name_nothing_usable_exit_2_with_one_line(tmp_path, flags, expected):
    done = start(tmp_path / "data", flags=flags)
    assert done.returncode == 2 and done.stderr.startswith(expected), done.stderr
    assert_one_line_error(done, expected)


@pytest.mark.parametrize("command", [("key", "list"), ("key", "accept", "host1"), ("user", "unlock", "admin")])
def test_offline_commands_refuse_a_data_dir_without_a_database(tmp_path, command):
    """They used to open (so create) an empty database there and report on it, exiting 0."""
    empty = tmp_path / "empty"
    empty.mkdir()
    for data_dir in (tmp_path / "nonexistent", empty):
        done = subprocess.run([sys.executable, str(ROOT / "run.py"), command[0], "--data-dir", str(data_dir),
                               *command[1:]], cwd=ROOT, capture_output=True, text=True, timeout=30)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.strip().splitlines() == [
            f"calamari {command[0]}: no database at {data_dir / 'calamari.sqlite3'}: start the daemon "
            "with this data dir first, or give --db"], done.stderr
        assert not (data_dir / "calamari.sqlite3").exists()
    assert not (tmp_path / "nonexistent").exists()
