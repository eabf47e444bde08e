"""Fixtures of the bus tests: a BusServer factory with its gate, and test-thread CurveZMQ sockets."""
from __future__ import annotations

import threading

import pytest
import zmq

from bus.server import BusServer
from tests.bus_helpers import SERVER_KEYS, KeyedSocket, TestGate, curve_client
from tests.helpers import Recorder


@pytest.fixture
def gate():
    return TestGate()


@pytest.fixture
def make_server(gate):
    """BusServer factory: returns (server, recorder); every server is stopped at teardown."""
    servers = []

    def make(endpoint="tcp://127.0.0.1:0", on_message=None, **kwargs):
        recorder = Recorder()
        kwargs.setdefault("gate", gate)
        server = BusServer(endpoint, on_message or recorder, keys=SERVER_KEYS, **kwargs)
        servers.append(server)
        server.start()
        return server, recorder

    yield make
    for server in servers:
        server.stop()
    assert not any(server.running for server in servers)


@pytest.fixture
def raw_socket():
    """Test-thread zmq sockets (LINGER 0), CurveZMQ clients of the test manager unless `curve`
    is False; closed and their context termed at teardown. The socket's key pair is `sock.keys`."""
    ctx = zmq.Context()
    sockets = []

    def make(kind=zmq.DEALER, connect=None, curve=True, server_public=SERVER_KEYS.public):
        sock = ctx.socket(kind, socket_class=KeyedSocket)
        sock.linger = 0
        sock.keys = curve_client(sock, server_public) if curve else None
        if connect:
            sock.connect(connect)
        sockets.append(sock)
        return sock

    yield make
    for sock in sockets:
        sock.close(linger=0)
    terminator = threading.Thread(target=ctx.term)
    terminator.start()
    terminator.join(2)
    assert not terminator.is_alive(), "context term hung: open sockets likely remain in test"
