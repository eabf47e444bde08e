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


def start_fleet(daemon: DaemonProcess, **kwargs) -> SimFleet:
    """A fleet reporting to `daemon` (which, with auto_accept, lets its new keys in)."""
    kwargs.setdefault("heartbeat_s", HEARTBEAT_S)
    kwargs.setdefault("advance_every_s", None)   # tests move the simulated clusters themselves
    return SimFleet(daemon.bus_endpoint, server_key=daemon.bus_key, **kwargs).start()


@pytest.fixture
def fleet(daemon):
    running = start_fleet(daemon)
    yield running
    running.stop()


@pytest.fixture
def live_fleet(daemon):
    """A fleet whose clusters evolve in real time, fast: new PGs finish creating in about a second."""
    running = start_fleet(daemon, advance_every_s=0.1)
    for cluster in running.clusters:
        cluster.pg_create_rate = 200.0
        cluster.recovery_rate = 50.0
    yield running
    running.stop()


@pytest.fixture
def start_daemon(tmp_path):
    """start(*flags) -> a daemon of its own (with its own data dir); all stopped cleanly at the end."""
    started = []

    def start(*flags: str) -> DaemonProcess:
        process = DaemonProcess(tmp_path / f"data{len(started)}", extra_args=list(flags)).start()
        started.append(process)
        return process
    yield start
    for process in started:
        assert process.stop() == 0, process.log_text()[-4000:]


@pytest.fixture
def api(daemon):
    with logged_in_client(daemon.http_url) as client:
        yield client
