"""Security review (issue 12), against the real daemon: links never built from the Host header,
slow and idle HTTP connections closed by deadline, a cap on HTTP connections, owner-only files
in the data dir, no server version in answers."""
from __future__ import annotations

import os
import socket
import stat
import time
from urllib.parse import urlsplit

import httpx
import pytest

from tests.helpers import wait_until
from tests.system.daemon_process import DaemonProcess, logged_in_client
from tests.system.requests_helpers import xsrf

FORGED_HOST = "evil.example.net:666"


@pytest.fixture
def start_daemon(tmp_path):
    started = []

    def start(*flags: str, data_dir=None) -> DaemonProcess:
        process = DaemonProcess(data_dir or tmp_path / f"data{len(started)}", extra_args=list(flags)).start()
        started.append(process)
        return process
    yield start
    for process in started:
        assert process.stop() == 0, process.log_text()[-4000:]


def address(daemon: DaemonProcess) -> tuple[str, int]:
    parts = urlsplit(daemon.http_url)
    return parts.hostname, parts.port


# --- item 3: Host header ----------------------------------------------------------------------

def test_links_come_from_public_url_never_from_host(start_daemon):
    daemon = start_daemon("--public-url", "https://calamari.example.com:8443/")
    public = "https://calamari.example.com:8443"
    info = httpx.get(daemon.http_url + "/api/v2/info", headers={"Host": FORGED_HOST}).json()
    assert info["bootstrap_url"] == public + "/bootstrap"
    assert all("evil" not in info[k] for k in ("bootstrap_rhel", "bootstrap_ubuntu")), info
    with logged_in_client(daemon.http_url) as api:
        # The login and a refused write: two audit events, so the list has a second page.
        api.post("cluster/none/pool", json={"name": "p", "pg_num": 8}, headers=xsrf(api))
        # Events reach the list through the store, a moment after the answers (polled).
        page = wait_until(lambda: (lambda p: p if p["next"] else None)(
            api.get("event", params={"page_size": 1}, headers={"Host": FORGED_HOST}).json()),
            timeout_s=10, every_s=0.05, what="a second page of events")
        assert page["next"] == public + "/api/v2/event?page_size=1&page=2", page
        root = api.get("", headers={"Host": FORGED_HOST}).json()
        assert root["cluster"] == public + "/api/v2/cluster"


def test_public_url_defaults_to_the_bound_address(start_daemon):
    daemon = start_daemon()
    info = httpx.get(daemon.http_url + "/api/v2/info", headers={"Host": FORGED_HOST}).json()
    assert info["bootstrap_url"] == daemon.http_url + "/bootstrap"


# --- item 4: slow and idle connections, connection cap ----------------------------------------

def seconds_until_closed(sock: socket.socket, trickle: bytes, limit_s: float) -> float:
    """Send `trickle` a byte every 0.2 s (a slowloris) until the daemon closes the connection;
    the seconds it took. Fails after `limit_s`."""
    started = time.monotonic()
    sock.settimeout(0.2)
    sent = 0
    while time.monotonic() - started < limit_s:
        try:
            if sock.recv(4096) == b"":
                return time.monotonic() - started
        except socket.timeout:
            pass
        except ConnectionResetError:
            return time.monotonic() - started
        if sent < len(trickle):
            try:
                sock.send(trickle[sent:sent + 1])
            except (BrokenPipeError, ConnectionResetError):
                return time.monotonic() - started
            sent += 1
    raise AssertionError(f"connection still open after {limit_s} s")


def test_slow_headers_slow_bodies_and_idle_connections_are_closed(start_daemon):
    daemon = start_daemon("--http-idle-timeout-s", "1", "--http-body-timeout-s", "1")
    host, port = address(daemon)
    slow_headers = b"GET /api/v2/info HTTP/1.1\r\nHost: a\r\nX-Slow: " + b"a" * 1000
    with socket.create_connection((host, port)) as sock:
        assert seconds_until_closed(sock, slow_headers, 6.0) < 3.0
    with socket.create_connection((host, port)) as sock:      # says nothing at all
        assert seconds_until_closed(sock, b"", 6.0) < 3.0
    slow_body = b"POST /api/v2/auth/login HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n" + b"{" * 1000
    with socket.create_connection((host, port)) as sock:
        assert seconds_until_closed(sock, slow_body, 6.0) < 3.0
    assert httpx.get(daemon.http_url + "/api/v2/info").status_code == 200


def test_connections_beyond_the_cap_are_closed_at_once(start_daemon):
    daemon = start_daemon("--http-max-connections", "4")
    host, port = address(daemon)
    held = [socket.create_connection((host, port)) for _ in range(4)]
    try:
        for sock in held:   # each really served: the daemon counts it
            sock.sendall(b"GET /api/v2/info HTTP/1.1\r\nHost: a\r\n\r\n")
            sock.settimeout(5)
            assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        with socket.create_connection((host, port)) as extra:
            extra.settimeout(5)
            assert extra.recv(4096) == b""                     # closed, nothing answered
    finally:
        held.pop().close()
    # One slot free again: served (once the daemon has seen the close).
    wait_until(lambda: _served(daemon), timeout_s=5, every_s=0.05, what="a request under the cap")
    for sock in held:
        sock.close()


def _served(daemon: DaemonProcess) -> bool:
    try:
        return httpx.get(daemon.http_url + "/api/v2/info", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


# --- item 6: owner-only data dir ----------------------------------------------------------------

PRIVATE_FILES = ("calamari.sqlite3", "calamari.sqlite3-wal", "calamari.sqlite3-shm", "bus.key",
                 "bus.key_secret", "cookie_secret")


def modes(data_dir) -> dict[str, str]:
    return {name: oct(stat.S_IMODE(os.stat(data_dir / name).st_mode))
            for name in ("", *PRIVATE_FILES) if (data_dir / name).exists()}


def test_data_dir_and_its_files_are_owner_only(start_daemon, tmp_path):
    data_dir = tmp_path / "data"
    old = os.umask(0o022)          # the usual umask: without care, files come out 0644
    try:
        daemon = start_daemon(data_dir=data_dir)
        with logged_in_client(daemon.http_url):
            pass                   # a write: the -wal and -shm files exist
        expected = {"": "0o700", **{name: "0o600" for name in PRIVATE_FILES}}
        assert modes(data_dir) == expected
        assert daemon.stop() == 0
        # A data dir of an older release (or loosened by hand) is tightened at start.
        os.chmod(data_dir, 0o755)
        for name in PRIVATE_FILES:
            if (data_dir / name).exists():
                os.chmod(data_dir / name, 0o644)
        start_daemon(data_dir=data_dir)
        assert {k: v for k, v in modes(data_dir).items()} == \
            {k: v for k, v in expected.items() if (data_dir / k).exists()}
    finally:
        os.umask(old)


# --- item 7: no server version --------------------------------------------------------------

def test_no_server_header(start_daemon):
    daemon = start_daemon()
    for path in ("info", "cluster", "no/such/thing"):
        response = httpx.get(f"{daemon.http_url}/api/v2/{path}")
        assert "server" not in response.headers, (path, response.headers)
        assert "tornado" not in str(response.headers).lower()
