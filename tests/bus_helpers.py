"""Bus test helpers: a manager key pair, a gate the test controls, and CurveZMQ test clients."""
from __future__ import annotations

import threading

import zmq

from bus import protocol
from bus.curve import KeyPair, new_keypair
from bus.gate import UNACCEPTED
from bus.protocol import ServerHeartbeat

SERVER_KEYS = new_keypair()   # the manager's pair for every unit test's BusServer


class TestGate:
    """A bus gate that admits and delivers for every key except those in `refused` (not let in)
    and `pending` (let in, but nothing delivered), and records the keys of the handshakes."""
    __test__ = False   # not a pytest class

    def __init__(self) -> None:
        self.refused: set[str] = set()
        self.pending: set[str] = set()
        self._lock = threading.Lock()
        self._handshakes: list[str] = []

    def admit(self, public_key: str, address: str | None = None) -> bool:
        with self._lock:
            self._handshakes.append(public_key)
        return public_key not in self.refused

    def accepted(self, public_key: str) -> bool:
        return public_key not in self.refused | self.pending

    def authorize(self, public_key: str, sender: str) -> str | None:
        return None if self.accepted(public_key) else UNACCEPTED

    @property
    def handshakes(self) -> list[str]:
        with self._lock:
            return list(self._handshakes)


class KeyedSocket(zmq.Socket):
    """A zmq socket that remembers its CurveZMQ key pair (`keys`, None for a plain socket)."""
    keys: KeyPair | None = None


def curve_client(sock: zmq.Socket, server_public: str = SERVER_KEYS.public,
                 keys: KeyPair | None = None) -> KeyPair:
    """Make `sock` (not yet connected) a CurveZMQ client of the manager; returns its key pair."""
    keys = keys or new_keypair()
    sock.curve_serverkey = server_public.encode("ascii")
    sock.curve_publickey = keys.public.encode("ascii")
    sock.curve_secretkey = keys.secret.encode("ascii")
    return keys


FUZZER = "fuzzer.example"   # the sender of the system tests' hostile frames


def beat(sender: str = FUZZER, **override) -> list[bytes]:
    fields = {"fqdn": sender, "hostname": sender.split(".")[0], "boot_time": 1.0, "ceph_version": None,
              "services": [], "grains": {}, **override}
    return protocol.encode(ServerHeartbeat(**fields), sender=sender)


def recv_frames(sock: zmq.Socket, timeout_s: float = 5.0) -> list[bytes]:
    assert sock.poll(int(timeout_s * 1000)), "should have received a message"
    return sock.recv_multipart()


def curve_router(ctx: zmq.Context) -> tuple[zmq.Socket, int]:
    """A bare CurveZMQ ROUTER with the test manager's keys on a free local port: (socket, port).
    No ZAP handler in a plain context, so any client key gets in."""
    router = ctx.socket(zmq.ROUTER)
    router.linger = 0
    router.curve_server = True
    router.curve_secretkey = SERVER_KEYS.secret.encode()
    return router, router.bind_to_random_port("tcp://127.0.0.1")
