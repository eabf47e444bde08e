"""The real agent's pure parts: admin sockets, log confinement, PG summary, command loop, session
backoff. Fakes stand in for daemons and librados; the real thing is tested in tests/real_ceph."""
from __future__ import annotations

import errno
import json
import os
import socket
import struct
import threading
from types import SimpleNamespace

import pytest

from agent.backend import JobError
from agent.ceph import commands, logs, session as session_module
from agent.ceph.admin_socket import AdminSocketError, find_sockets
from agent.ceph.services import LocalServices
from agent.ceph.session import CephCommandError, ClusterUnavailable, RadosSession, cli_error_text
from agent.ceph.sync_objects import summarise_pgs

FSID = "6f1b8e26-0000-4000-8000-0000000000aa"


class FakeDaemon:
    """Serves the admin socket protocol on `path`: JSON command + NUL in, length-prefixed JSON out."""

    def __init__(self, path, answers: dict):
        self.answers, self.asked = answers, []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(8)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while not data.endswith(b"\0"):
                    data += conn.recv(4096)
                command = json.loads(data[:-1])
                self.asked.append(command)
                body = json.dumps(self.answers[command["prefix"]]).encode()
                conn.sendall(struct.pack(">I", len(body)) + body)

    def close(self):
        self.sock.close()


@pytest.fixture
def run_dir(tmp_path):
    daemons = []

    def start(name, answers):
        daemon = FakeDaemon(tmp_path / name, answers)
        daemons.append(daemon)
        return daemon
    yield tmp_path, start
    for daemon in daemons:
        daemon.close()


def daemon_answers(version="16.2.15", **extra):
    return {"version": {"version": version}, "config get": {"fsid": FSID}, **extra}


def stale_socket(path):
    """A socket file nobody listens on any more (a daemon killed with SIGKILL leaves one)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    sock.close()


# ---- admin sockets ------------------------------------------------------------------------------

def test_sockets_are_found_by_name_and_other_files_ignored(run_dir):
    directory, _ = run_dir
    for name in ("ceph-osd.0.asok", "ceph-mon.a.asok", "ceph-mgr.x.asok", "ceph-client.admin.42.asok",
                 "mon.a.pid", "backup-osd.3.asok"):
        (directory / name).touch()
    found = [(s.cluster, s.type, s.id) for s in find_sockets(directory)]
    assert found == [("backup", "osd", "3"), ("ceph", "mgr", "x"), ("ceph", "mon", "a"),
                     ("ceph", "osd", "0")]
    assert find_sockets(directory / "missing") == []


def test_services_report_answering_daemons_and_skip_stale_sockets(run_dir):
    directory, start = run_dir
    mon_status = {"name": "a", "state": "leader", "election_epoch": 3}
    start("ceph-mon.a.asok", daemon_answers(mon_status=mon_status))
    osd = start("ceph-osd.0.asok", daemon_answers())
    stale_socket(directory / "ceph-osd.1.asok")
    services = LocalServices(directory)
    first = services.scan()
    assert first == [
        {"fsid": FSID, "type": "mon", "id": "a", "running": True, "status": mon_status, "version": "16.2.15"},
        {"fsid": FSID, "type": "osd", "id": "0", "running": True, "status": None, "version": "16.2.15"}]
    assert services.scan() == first
    # The fsid is asked once per socket file; the version (liveness) every scan.
    assert [c["prefix"] for c in osd.asked].count("config get") == 1
    assert [c["prefix"] for c in osd.asked].count("version") == 2


def test_asking_a_stale_socket_is_an_admin_socket_error(run_dir):
    directory, _ = run_dir
    stale_socket(directory / "ceph-osd.7.asok")
    [sock] = find_sockets(directory)
    with pytest.raises(AdminSocketError):
        sock.ask({"prefix": "version"})


# ---- logs ---------------------------------------------------------------------------------------

@pytest.fixture
def log_dir(tmp_path):
    root = tmp_path / "log"
    root.mkdir()
    (root / "ceph.log").write_text("".join(f"line {i}\n" for i in range(100_000)))
    (root / "osd.0.log").write_text("only line\n")
    (tmp_path / "secret").write_text("do not read\n")
    os.symlink(tmp_path / "secret", root / "escape.log")
    return root


def test_logs_are_listed_as_paths_under_var_log(log_dir):
    assert logs.list_logs(log_dir) == ["ceph/ceph.log", "ceph/osd.0.log"]


def test_tail_gives_the_last_lines_of_a_big_file(log_dir):
    assert logs.tail_log(log_dir, "ceph/ceph.log", 3) == "line 99997\nline 99998\nline 99999\n"
    assert logs.tail_log(log_dir, "ceph/osd.0.log", "20") == "only line\n"
    assert logs.tail_log(log_dir, "ceph/ceph.log", 0) == ""


@pytest.mark.parametrize("path", ["ceph/../secret", "ceph/escape.log", "/etc/passwd", "syslog",
                                  "ceph/missing.log", "ceph/", None, 7])
def test_tail_refuses_anything_outside_the_log_directory(log_dir, path):
    with pytest.raises(JobError):
        logs.tail_log(log_dir, path, 10)


@pytest.mark.parametrize("lines", [-1, "x", True, 1.5])
def test_tail_refuses_bad_line_counts(log_dir, lines):
    with pytest.raises(JobError):
        logs.tail_log(log_dir, "ceph/ceph.log", lines)


# ---- pg summary ---------------------------------------------------------------------------------

def test_pg_summary_counts_states_by_acting_osd_by_pool_and_overall():
    pgs = [{"pgid": "1.0", "state": "active+clean", "acting": [0, 1]},
           {"pgid": "1.1", "state": "active+clean", "acting": [1, 2]},
           {"pgid": "12.a", "state": "peering", "acting": [2]}]
    assert summarise_pgs(pgs) == {
        "by_osd": {"0": {"active+clean": 1}, "1": {"active+clean": 2},
                   "2": {"active+clean": 1, "peering": 1}},
        "by_pool": {"1": {"active+clean": 2}, "12": {"peering": 1}},
        "all": {"active+clean": 2, "peering": 1}}
    assert summarise_pgs([]) == {"by_osd": {}, "by_pool": {}, "all": {}}


# ---- the command loop ---------------------------------------------------------------------------

class ScriptedSession:
    """Answers commands from a {prefix: (ret, out, outs)} table and records what it was sent."""

    def __init__(self, answers):
        self.answers, self.sent = answers, []

    def command(self, prefix, inbuf=b"", **args):
        self.sent.append((prefix, inbuf, args))
        return self.answers[prefix]


def test_commands_run_in_order_and_stop_at_the_first_failure_with_the_cli_wording():
    session = ScriptedSession({
        "osd pool create": (0, b"", "pool 'p' created"),
        "osd pool set": (-errno.EINVAL, b"", "bad or missing field 'val'"),
        "osd pool delete": (0, b"", "")})
    result = commands.run_commands(session, [
        ["osd pool create", {"pool": "p", "pg_num": 8}],
        ["osd pool set", {"pool": "p", "var": "size", "val": 2}],
        ["osd pool delete", {"pool": "p"}]])
    assert result == {"error": True, "results": ["pool 'p' created"],
                      "error_status": "Error EINVAL: bad or missing field 'val'"}
    assert [s[0] for s in session.sent] == ["osd pool create", "osd pool set"]
    assert session.sent[0][2] == {"format": "json", "pool": "p", "pg_num": 8}


def test_setcrushmap_sends_the_compiled_text_as_input(monkeypatch):
    monkeypatch.setattr(commands.crushtool, "compile_text", lambda text: b"BIN:" + text.encode())
    session = ScriptedSession({"osd setcrushmap": (0, b"", "7")})
    result = commands.run_commands(session, [["osd setcrushmap", {"data": "rule x {}"}]])
    assert result == {"error": False, "results": ["7"], "error_status": ""}
    assert session.sent == [("osd setcrushmap", b"BIN:rule x {}", {"format": "json"})]


@pytest.mark.parametrize("bad", [None, "osd out", [["osd out"]], [[1, {}]], [["osd out", []]]])
def test_malformed_command_lists_are_job_errors(bad):
    with pytest.raises(JobError):
        commands.run_commands(ScriptedSession({}), bad)


def test_cli_error_text_names_the_errno():
    assert cli_error_text(-errno.EEXIST, "pool 'x' already exists") == "Error EEXIST: pool 'x' already exists"
    assert cli_error_text(-9999, "odd") == "Error 9999: odd"


# ---- the librados session -----------------------------------------------------------------------

class FakeRadosModule:
    """Enough of the `rados` module: connect fails while `down`; commands answer from `reply`."""

    class Error(Exception):
        pass

    TimedOut = IOError = ConnectionShutdown = Error

    def __init__(self):
        self.down = True
        self.connects = 0
        self.reply = (0, b'{"ok": true}', "")
        module = self

        class Rados:
            def __init__(self, conffile, name, conf):
                self.conffile = conffile

            def connect(self, timeout):
                module.connects += 1
                if module.down:
                    raise module.Error("[errno 110] RADOS timed out")

            def get_fsid(self):
                return FSID

            def mon_command(self, body, inbuf, timeout):
                return module.reply

            def shutdown(self):
                pass
        self.Rados = Rados


@pytest.fixture
def fake_rados(monkeypatch):
    module = FakeRadosModule()
    monkeypatch.setattr(session_module, "load_rados", lambda: module)
    clock = SimpleNamespace(now=1000.0)
    session = RadosSession("/etc/ceph/ceph.conf", clock=lambda: clock.now)
    return module, session, clock


def test_a_cluster_that_is_away_is_retried_with_growing_backoff(fake_rados):
    module, session, clock = fake_rados
    with pytest.raises(ClusterUnavailable):
        session.json_command("status")
    with pytest.raises(ClusterUnavailable, match="next attempt"):
        session.json_command("status")          # within the backoff: no new connect
    assert module.connects == 1
    clock.now += session_module.BACKOFF_FIRST_S
    with pytest.raises(ClusterUnavailable):
        session.json_command("status")
    assert module.connects == 2
    clock.now += session_module.BACKOFF_FIRST_S  # the backoff doubled: still waiting
    with pytest.raises(ClusterUnavailable, match="next attempt"):
        session.json_command("status")
    module.down = False
    clock.now += session_module.BACKOFF_FIRST_S
    assert session.json_command("status") == {"ok": True}
    assert session.fsid == FSID


def test_a_timed_out_command_drops_the_session_and_a_refusal_does_not(fake_rados):
    module, session, clock = fake_rados
    module.down = False
    session.json_command("status")
    module.reply = (-errno.ENOENT, b"", "pool 'x' does not exist")
    with pytest.raises(CephCommandError, match="Error ENOENT"):
        session.json_command("osd pool get")
    assert session.connected()
    module.reply = (-errno.ETIMEDOUT, b"", "")
    with pytest.raises(ClusterUnavailable):
        session.json_command("status")
    assert not session.connected()
