"""deploy/sd_notify.py against a real unix datagram socket standing in for systemd."""
from __future__ import annotations

import asyncio
import os
import socket
import time

import pytest

from deploy.sd_notify import Service, socket_address, watchdog_period_s


@pytest.fixture(params=["path", "abstract"])
def systemd(request, tmp_path):
    """(the NOTIFY_SOCKET value, the receiving socket)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if request.param == "path":
        name = str(tmp_path / "notify")
        sock.bind(name)
    else:
        name = f"@calamari-test-{os.getpid()}-{time.monotonic_ns()}"
        sock.bind("\0" + name[1:])
    sock.settimeout(5.0)
    yield name, sock
    sock.close()


def received(sock) -> str:
    return sock.recv(4096).decode()


def drain(sock) -> list[str]:
    """Every message sent, once none came for half a second."""
    messages = []
    sock.settimeout(0.5)
    while True:
        try:
            messages.append(received(sock))
        except TimeoutError:
            return messages


async def serve_until_ready(service, reasons: list, waiting_s: float, ready_s: float) -> None:
    """READY while not ready for `waiting_s`, ready for `ready_s`, then stopping."""
    service.ready("serving", readiness=lambda: reasons)
    await asyncio.sleep(waiting_s)
    reasons.clear()
    await asyncio.sleep(ready_s)
    service.stopping()


def test_addresses_and_watchdog_periods():
    assert socket_address("@x") == "\0x" and socket_address("/run/n") == "/run/n"
    assert socket_address("vsock:2:1") is None and socket_address("") is None
    assert watchdog_period_s({"WATCHDOG_USEC": "30000000"}) == 15.0
    assert watchdog_period_s({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}) == 15.0
    assert watchdog_period_s({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None   # another's
    assert watchdog_period_s({"WATCHDOG_USEC": "0"}) is None and watchdog_period_s({}) is None


def test_outside_systemd_nothing_is_sent_and_nothing_fails():
    service = Service.from_environment({})
    assert not service.active
    service.status("starting")
    service.stopping()


def test_the_variables_leave_the_environment_once_read(systemd):
    name, _ = systemd
    environ = {"NOTIFY_SOCKET": name, "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": str(os.getpid()), "PATH": "/bin"}
    service = Service.from_environment(environ)
    assert service.active and environ == {"PATH": "/bin"}   # children (ceph commands) do not inherit them
    service.stopping()


def test_ready_watchdog_status_and_stopping_arrive(systemd):
    name, sock = systemd
    service = Service.from_environment({"NOTIFY_SOCKET": name, "WATCHDOG_USEC": "100000"})   # beats every 0.05 s
    service.status("starting")
    asyncio.run(serve_until_ready(service, ["clusters not yet synced since start"], 0.2, 0.2))
    messages = drain(sock)
    assert messages[0] == "STATUS=starting"
    assert messages[1] == "READY=1\nSTATUS=serving; not ready: clusters not yet synced since start"
    assert messages[-1] == "STOPPING=1\nSTATUS=stopping"
    beats = messages[2:-1]
    assert len(beats) >= 4 and all(m.startswith("WATCHDOG=1") for m in beats), messages
    assert [m for m in beats if "STATUS" in m] == ["WATCHDOG=1\nSTATUS=serving"]   # told once, when it changed


def test_a_blocked_loop_stops_feeding_the_watchdog(systemd):
    name, sock = systemd
    service = Service.from_environment({"NOTIFY_SOCKET": name, "WATCHDOG_USEC": "100000"})

    async def block():
        service.ready("serving")
        await asyncio.sleep(0.12)
        time.sleep(0.5)            # the loop is stuck: no beat may arrive meanwhile
        service.stopping()

    asyncio.run(block())
    texts = drain(sock)
    assert texts[0].startswith("READY=1") and texts[-1].startswith("STOPPING=1")
    assert 1 <= texts.count("WATCHDOG=1") <= 3, texts   # the beats before it blocked, none during


def test_without_a_watchdog_status_still_follows_readiness(systemd, monkeypatch):
    name, sock = systemd
    monkeypatch.setattr("deploy.sd_notify.STATUS_EVERY_S", 0.05)
    service = Service.from_environment({"NOTIFY_SOCKET": name})
    asyncio.run(serve_until_ready(service, ["agent bus not bound"], 0.1, 0.2))
    texts = drain(sock)
    assert texts == ["READY=1\nSTATUS=serving; not ready: agent bus not bound", "STATUS=serving",
                     "STOPPING=1\nSTATUS=stopping"]


def test_a_vanished_systemd_is_logged_once_and_never_raises(tmp_path, caplog):
    service = Service.from_environment({"NOTIFY_SOCKET": str(tmp_path / "gone")})
    service.status("one")
    service.status("two")
    service.stopping()
    assert len([r for r in caplog.records if "cannot notify systemd" in r.getMessage()]) == 1
