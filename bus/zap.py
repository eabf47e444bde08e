"""The bus's ZAP handler (ZeroMQ RFC 27): libzmq asks it, at every CURVE handshake on the bus
socket, whether the client's public key may connect.

It lives on the bus thread's loop, on a ROUTER bound to the ZAP endpoint of the bus's own zmq
context. A ROUTER, not pyzmq's REP-based authenticators, so that a decision waiting on the
database does not hold up the handshakes queued behind it: each request is answered when its
own decision is ready. The handler must be bound before the bus socket accepts anyone (libzmq
lets CURVE clients in unchecked when no ZAP handler is bound), and closed after it.

An admitted client's User-Id is its public key (z85): libzmq attaches it to every message the
client sends, which is how the bus knows whose key signed each message. A refusal sends the
client an ERROR; libzmq does NOT reconnect after one (checked with libzmq 4.3.5), so agents
retry by themselves (agent/refusal.py).
"""
from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future
from typing import Callable

import zmq
import zmq.asyncio
from zmq.utils import z85

from bus.loop_thread import receive_forever

log = logging.getLogger(__name__)

ZAP_ENDPOINT = "inproc://zeromq.zap.01"   # fixed by RFC 27
DECISION_TIMEOUT_S = 5.0                  # a lookup that takes longer refuses (the client retries)
CURVE_KEY_BYTES = 32


class ZapHandler:
    """admit(public_key_z85) -> bool | Future[bool]; count(stat_name) counts outcomes."""

    def __init__(self, ctx: zmq.asyncio.Context, admit: Callable, count: Callable[[str], None],
                 throttle):
        self._admit = admit
        self._count = count
        self._throttle = throttle
        self._sock = ctx.socket(zmq.ROUTER)
        self._sock.setsockopt(zmq.LINGER, 0)
        self._pending: set[asyncio.Task] = set()

    def bind(self) -> None:
        try:
            self._sock.bind(ZAP_ENDPOINT)
        except BaseException:
            self._sock.close(linger=0)
            raise

    async def serve(self) -> None:
        await receive_forever(self._sock, self._on_request, self._throttle, "bus ZAP handler")

    async def close(self) -> None:
        for task in self._pending:
            task.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)
        self._sock.close(linger=0)

    def _on_request(self, frames: list[bytes]) -> None:
        # [peer, b"", version, request id, domain, address, identity, mechanism, *credentials]
        if len(frames) < 8 or frames[1] != b"" or frames[2] != b"1.0":
            self._count("zap_errors")
            self._throttle.log(logging.ERROR, "zap", "bus: malformed ZAP request (%d frames)", len(frames))
            return
        peer, request_id, address, mechanism = frames[0], frames[3], frames[5], frames[7]
        credentials = frames[8:]
        if mechanism != b"CURVE" or len(credentials) != 1 or len(credentials[0]) != CURVE_KEY_BYTES:
            self._reply(peer, request_id, None, address)   # only CURVE clients may talk to us
            return
        key = z85.encode(credentials[0]).decode("ascii")
        try:
            decision = self._admit(key, address.decode("ascii", "replace"))
        except Exception:  # noqa: BLE001 - a gate bug refuses, it does not stop the handler
            log.exception("bus: ZAP decision failed")
            decision = False
        if isinstance(decision, Future):
            task = asyncio.get_running_loop().create_task(self._later(peer, request_id, key, decision, address))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
        else:
            self._reply(peer, request_id, key if decision else None, address)

    async def _later(self, peer: bytes, request_id: bytes, key: str, decision: Future,
                     address: bytes) -> None:
        try:
            admitted = await asyncio.wait_for(asyncio.wrap_future(decision), DECISION_TIMEOUT_S)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - timeout or lookup failure: refuse this time
            self._throttle.log(logging.WARNING, "zap_lookup", "bus: key lookup failed, refusing: %r", exc)
            admitted = False
        self._reply(peer, request_id, key if admitted else None, address)

    def _reply(self, peer: bytes, request_id: bytes, admitted_key: str | None, address: bytes) -> None:
        if admitted_key is not None:
            self._count("handshakes_admitted")
            status = [b"200", b"OK", admitted_key.encode("ascii")]
        else:
            self._count("handshakes_refused")
            self._throttle.log(logging.INFO, "refused", "bus: refused a connection from %s",
                               address.decode("ascii", "replace"))
            status = [b"400", b"Key not accepted", b""]
        sent = self._sock.send_multipart([peer, b"", b"1.0", request_id, *status, b""], flags=zmq.NOBLOCK)
        # A NOBLOCK send resolves at once; an error means the handshake's session went away.
        exc = sent.exception() if sent.done() else None
        if exc is not None:
            self._count("zap_errors")
            self._throttle.log(logging.WARNING, "zap_send", "bus: ZAP reply not sent: %s", exc)
