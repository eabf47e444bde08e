"""System-test fixtures: a real daemon process, a simulated fleet over real sockets, HTTP."""
from __future__ import annotations

import pytest

from sim.fleet import SimFleet
from tests.system.daemon_process import DaemonProcess, logged_in_client

HEARTBEAT_S = 0.3


@pytest.fixture
def daemon(tmp_path):
    process = DaemonProcess(tmp_path / "data", heartbeat_s=HEARTBEAT_S).start()
    yield process
    code = process.stop()
    assert code == 0, "daemon did not shut down cleanly:\n" + process.log_text()[-4000:]


def start_fleet(endpoint: str, **kwargs) -> SimFleet:
    kwargs.setdefault("heartbeat_s", HEARTBEAT_S)
    kwargs.setdefault("advance_every_s", None)   # tests move the simulated clusters themselves
    return SimFleet(endpoint, **kwargs).start()


@pytest.fixture
def fleet(daemon):
    running = start_fleet(daemon.bus_endpoint)
    yield running
    running.stop()


@pytest.fixture
def api(daemon):
    with logged_in_client(daemon.http_url) as client:
        yield client
