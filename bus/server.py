"""BusServer: the manager's end of the agent bus, one ROUTER socket on one thread.

Threading model: `start()` spawns a plain thread that runs its own asyncio loop; that thread
creates the zmq context and the ROUTER socket, binds it, receives, sends and finally closes
it. Nothing else touches the socket. `send()` may be called from any thread: it encodes on the
caller's thread and hands the frames to the bus thread with `loop.call_soon_threadsafe`.
`on_message(agent_id, envelope)` runs on the bus thread, so it must be quick and non-blocking
(a pykka `tell` is the intended use; never an `ask`).

Agents authenticate with CurveZMQ: the socket is a CURVE server with the manager's key pair,
and a ZAP handler on the same thread (bus/zap.py) asks the `gate` (bus/gate.py) which client keys
may connect. libzmq tags each message with the key that signed it; the gate decides, per message,
whether that key may speak for the envelope's `sender`. So an agent's identity is its key, never
its routing id: the ROUTER assigns routing ids itself (agents set none), and the bus sends to a
minion through the routing id its accepted key last spoke from. A client cannot take over
another's route by choosing its routing id, and an agent that reconnects is reachable again
from its next message on.

Every inbound message is checked before anyone sees it: a sender over its rate (bus/flood.py),
a big message from a key that is not accepted, undecodable frames and messages the gate refuses
are dropped, counted in `stats` and logged at a throttled rate, so a hostile or broken peer
cannot flood the log, the actors' mailboxes or kill the thread.

High availability (bus/fencing.py): given a `fence`, every job goes out stamped with the lease
term it returns, and none goes out when it returns None (a deposed manager); each server
heartbeat of an accepted agent is answered with a HeartbeatAck in that term, which agents with
several endpoints use to tell the active manager from a silent one. Without a fence (no HA) jobs
carry term 0 (left off the wire) and nothing is acknowledged: exactly the protocol of before, so
agents that predate HA never meet a message they do not know.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future
from typing import Any, Callable

import zmq
import zmq.asyncio

from bus import protocol
from bus.curve import KeyPair, require_curve
from bus.fencing import Fencing
from bus.flood import FloodGuard
from bus.gate import REFUSALS, Gate
from bus.log_throttle import LogThrottle
from bus.loop_thread import receive_forever, run_event_loop, stop_event_loop_thread
from bus.protocol import Envelope
from bus.zap import ZapHandler

log = logging.getLogger(__name__)

MANAGER_ID = "manager"   # the `sender` of every message the server sends
START_TIMEOUT_S = 5.0
LISTEN_BACKLOG = 4096    # a fleet reconnecting at once must not overflow the accept queue

ZAP_DOMAIN = b"calamari"
# Messages from keys that are not accepted are only looked at to learn who they claim to be;
# a heartbeat is a few kilobytes, so anything bigger is dropped undecoded.
UNACCEPTED_MAX_BYTES = 256 * 1024

STATS_KEYS = ("received", "delivered", "dropped_malformed", "dropped_flood",
              *(f"dropped_{reason}" for reason in REFUSALS),
              "handshakes_admitted", "handshakes_refused", "zap_errors",
              "sent", "send_failed", "callback_errors", "jobs_fenced", "acks_sent", "acks_failed")


class BusServer:
    """The ROUTER end of the bus.

    Args:
        endpoint: where to bind, e.g. "tcp://0.0.0.0:4506" or "tcp://127.0.0.1:0" (any free port;
            read `.endpoint` after `start()` for the actual one).
        on_message: called as `on_message(agent_id, envelope)` on the bus thread for every valid
            message the gate lets through. Exceptions are caught, logged and counted.
        keys: the manager's CurveZMQ key pair (agents need its public half).
        gate: which keys may connect, and speak for which minion (bus/gate.py).
        max_frame_bytes: libzmq drops (and disconnects) a peer sending a bigger frame before it is
            buffered; defaults to a little over `protocol.MAX_MESSAGE_BYTES`.
        fence: the HA lease's `fence() -> term | None` (bus/fencing.py); None: no HA.
        lease_s: the HA lease's length, told to agents in every ack.
    """

    def __init__(self, endpoint: str, on_message: Callable[[str, Envelope], None], *,
                 keys: KeyPair, gate: Gate, max_frame_bytes: int | None = None,
                 flood: FloodGuard | None = None, fence: Callable[[], int | None] | None = None,
                 lease_s: float = 0.0):
        require_curve()
        self._requested = endpoint
        self._on_message = on_message
        self._keys = keys
        self._gate = gate
        self._flood = flood or FloodGuard()
        self._routes: dict[str, bytes] = {}   # minion id -> routing id it last spoke from (bus thread)
        self._max_frame_bytes = (protocol.MAX_MESSAGE_BYTES + 4096
                                 if max_frame_bytes is None else max_frame_bytes)
        self._endpoint: str | None = None
        self._stats = dict.fromkeys(STATS_KEYS, 0)
        self._stats_lock = threading.Lock()
        self._throttle = LogThrottle(log)
        self._state_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._sock: zmq.asyncio.Socket | None = None
        self._stop_requested = False
        self._fencing = None if fence is None else Fencing(fence, MANAGER_ID, self._count, self._throttle,
                                                                    lease_s=lease_s)

    # ---- public, any thread -------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """The bound endpoint (the actual port once started), else the requested one."""
        return self._endpoint or self._requested

    @property
    def stats(self) -> dict[str, int]:
        """A snapshot of the counters (see STATS_KEYS)."""
        with self._stats_lock:
            return dict(self._stats)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Bind and start serving; returns once bound. Raises what binding raised."""
        with self._state_lock:
            if self._thread is not None:
                raise RuntimeError("BusServer can be started once")
            ready: Future = Future()
            self._thread = threading.Thread(target=self._run, args=(ready,),
                                            name=f"bus-server {self._requested}", daemon=True)
            self._thread.start()
        try:
            self._endpoint = ready.result(timeout=timeout_s)
        except BaseException:
            self.stop()
            raise
        log.info("bus server listening on %s", self._endpoint)

    def send(self, agent_id: str, body: Any) -> None:
        """Queue one message for an agent; never blocks and never raises for delivery trouble.

        An agent that is not connected (or not keeping up) is counted in `send_failed` and logged
        at a throttled rate. Only a body that cannot be encoded raises (a programming error).
        With a fence, a Job is stamped with the term, or not sent at all (`jobs_fenced`).
        """
        term = None
        if self._fencing is not None:
            body = self._fencing.stamp(agent_id, body)
            if body is None:
                return
            term = body.term if isinstance(body, protocol.Job) else None
        frames = protocol.encode(body, sender=MANAGER_ID)
        loop = self._loop
        try:
            if loop is None:
                raise RuntimeError("not started")
            loop.call_soon_threadsafe(self._send_now, agent_id, frames, term)
        except RuntimeError as exc:  # not started yet, or loop already closed by stop()
            self._send_failed(agent_id, body, f"bus is not running ({exc})")

    def stop(self, timeout_s: float = 2.0) -> None:
        """Close the socket on the bus thread (linger 0), term the context, join the thread."""
        with self._state_lock:
            self._stop_requested = True
            thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None:
            return
        stop_event_loop_thread(loop, stopping, thread, timeout_s, f"bus server {self.endpoint}")

    # ---- the bus thread -----------------------------------------------------------------------

    def _run(self, ready: Future) -> None:
        run_event_loop(self._serve, ready, f"bus server {self.endpoint}")

    async def _serve(self, ready: Future) -> None:
        ctx = zmq.asyncio.Context()
        zap = ZapHandler(ctx, self._gate.admit, self._count, self._throttle)
        try:
            zap.bind()   # before the bus socket: no handshake may happen without it
            sock = self._open(ctx)
        except BaseException:
            await zap.close()
            ctx.term()
            raise
        self._sock = sock
        with self._state_lock:
            self._loop = asyncio.get_running_loop()
            self._stopping = asyncio.Event()
            if self._stop_requested:  # stop() came while we were binding
                self._stopping.set()
        ready.set_result(sock.last_endpoint.decode())
        tasks = [asyncio.create_task(self._receive(sock)), asyncio.create_task(zap.serve())]
        try:
            await self._stopping.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            sock.close(linger=0)
            await zap.close()
            ctx.term()

    def _open(self, ctx: zmq.asyncio.Context) -> zmq.asyncio.Socket:
        sock = ctx.socket(zmq.ROUTER)
        try:
            sock.setsockopt(zmq.LINGER, 0)
            sock.setsockopt(zmq.ROUTER_MANDATORY, 1)   # unknown agent -> EHOSTUNREACH, not silence
            sock.curve_server = True
            sock.curve_secretkey = self._keys.secret.encode("ascii")
            sock.curve_publickey = self._keys.public.encode("ascii")
            sock.zap_domain = ZAP_DOMAIN
            sock.setsockopt(zmq.MAXMSGSIZE, self._max_frame_bytes)
            sock.setsockopt(zmq.BACKLOG, LISTEN_BACKLOG)  # libzmq's 100 drops SYNs: 1 s retries
            sock.bind(self._requested)
        except BaseException:
            sock.close(linger=0)
            raise
        return sock

    async def _receive(self, sock: zmq.asyncio.Socket) -> None:
        # Frames, not bytes: each carries the User-Id (the signing key) the ZAP handler set.
        await receive_forever(sock, self._on_frames, self._throttle, f"bus server {self.endpoint}",
                              copy=False)

    def _on_frames(self, frames: list[zmq.Frame]) -> None:
        self._count("received")
        if len(frames) < 2:
            self._count("dropped_malformed")
            return
        key = _signer(frames[1])
        if key is None:   # cannot happen behind CURVE + ZAP; fail closed if it ever does
            self._count("dropped_unaccepted")
            return
        if not self._flood.allow(key):
            self._count("dropped_flood")
            self._throttle.log(logging.WARNING, "flood", "bus: key %s is over its rate; dropping", key[:8])
            return
        if not self._gate.accepted(key) and sum(len(f) for f in frames[1:]) > UNACCEPTED_MAX_BYTES:
            self._count("dropped_unaccepted")
            return
        try:
            envelope = protocol.decode([f.bytes for f in frames[1:]])
        except Exception as exc:  # noqa: BLE001 - ProtocolError, or anything a bad frame provokes
            self._count("dropped_malformed")
            self._throttle.log(logging.WARNING, "malformed",
                               "bus: dropped malformed message signed by key %s: %s", key[:8], exc)
            return
        refusal = self._gate.authorize(key, envelope.sender)
        if refusal is not None:
            self._count(f"dropped_{refusal}")
            self._throttle.log(logging.INFO, refusal, "bus: dropped %s claiming to be %.64r: %s",
                               envelope.kind, envelope.sender, refusal)
            return
        agent_id = envelope.sender
        route = self._routes[agent_id] = frames[0].bytes
        if self._fencing is not None and envelope.kind == "server_heartbeat":
            self._ack(route)
        try:
            self._on_message(agent_id, envelope)
        except Exception:  # noqa: BLE001 - a consumer bug must not kill the bus
            self._count("callback_errors")
            self._throttle.log(logging.ERROR, "callback", "bus: on_message failed for %s from %s",
                               envelope.kind, agent_id, exc_info=True)
            return
        self._count("delivered")

    def _send_now(self, agent_id: str, frames: list[bytes], term: int | None = None) -> None:
        sock = self._sock
        if sock is None or sock.closed:
            self._send_failed(agent_id, None, "bus is stopping")
            return
        # The lease may have ended since the job was stamped (queued behind a busy bus thread):
        # checked again as late as possible, so a deposed manager's job never leaves.
        if term is not None and not self._fencing.holds(term):
            self._fencing.fenced(agent_id, None)
            return
        route = self._routes.get(agent_id)
        if route is None:
            self._send_failed(agent_id, None, "agent has not spoken since it connected")
            return
        exc = _send_nowait(sock, [route, *frames])
        if exc is None:
            self._count("sent")
        elif isinstance(exc, zmq.ZMQError) and exc.errno == zmq.EHOSTUNREACH:
            if self._routes.get(agent_id) == route:
                del self._routes[agent_id]
            self._send_failed(agent_id, None, "agent not connected (EHOSTUNREACH)")
        elif isinstance(exc, zmq.Again):
            self._send_failed(agent_id, None, "agent's queue is full")
        else:
            self._send_failed(agent_id, None, f"send error: {exc}")

    def _ack(self, route: bytes) -> None:
        """On the bus thread: "active, in term N" to the agent whose heartbeat just came in.
        Nothing when the fence says this manager may not act: its agents go elsewhere."""
        frames = self._fencing.ack_frames()
        sock = self._sock
        if frames is None or sock is None or sock.closed:
            return
        exc = _send_nowait(sock, [route, *frames])
        self._count("acks_sent" if exc is None else "acks_failed")

    def _send_failed(self, agent_id: str, body: Any, why: str) -> None:
        self._count("send_failed")
        kind = f" {type(body).__name__}" if body is not None else ""
        self._throttle.log(logging.WARNING, "send_failed", "bus: message%s to agent %s not sent: %s",
                           kind, agent_id, why)

    def _count(self, key: str) -> None:
        with self._stats_lock:
            self._stats[key] += 1


def _send_nowait(sock: zmq.asyncio.Socket, frames: list[bytes]) -> BaseException | None:
    """Send without blocking; the error, if any (a NOBLOCK send resolves at once: the future is
    done, with the error if any)."""
    future = sock.send_multipart(frames, flags=zmq.NOBLOCK)
    return future.exception() if future.done() else None


def _signer(frame: zmq.Frame) -> str | None:
    """The public key (z85) the ZAP handler gave this message's connection as its User-Id."""
    try:
        return frame.get("User-Id") or None
    except zmq.ZMQError:
        return None
