"""One minion's DEALER socket to one manager endpoint, made and closed on the host loop.

Socket hygiene (zguide ch. 4): LINGER 0; a modest SNDHWM and NOBLOCK sends (the minion's), so
while the manager is away the agent drops (and counts) messages instead of blocking or queueing
a long backlog of stale heartbeats; reconnection uses libzmq's capped exponential backoff
(RECONNECT_IVL .. RECONNECT_IVL_MAX); ZMTP heartbeats notice a silently dead manager. The
handshake monitor (agent/refusal.py) is attached before connecting, so no refusal goes unseen.
"""
from __future__ import annotations

import zmq
import zmq.asyncio

from agent.refusal import stop_watching, watch_handshakes
from bus.curve import KeyPair

SNDHWM = 50                   # messages queued for an absent manager before we drop
RECONNECT_IVL_MS = 100
RECONNECT_IVL_MAX_MS = 5_000
ZMTP_PING_IVL_MS = 5_000      # libzmq-level keepalive: a vanished manager is noticed...
ZMTP_PING_TIMEOUT_MS = 15_000  # ...and reconnected to within this long


def open_dealer(ctx: zmq.asyncio.Context, endpoint: str, server_key: str, keys: KeyPair,
                reconnect_max_ms: int = RECONNECT_IVL_MAX_MS) -> tuple[zmq.asyncio.Socket, zmq.asyncio.Socket]:
    """(socket, its handshake monitor), connecting to `endpoint` as a CurveZMQ client.
    reconnect_max_ms: the backoff's cap (a member of an HA group that is about to take over binds
    its bus any moment: an agent waiting for it should not be asleep for 5 s when it does)."""
    sock = ctx.socket(zmq.DEALER)
    monitor = None
    try:
        sock.curve_serverkey = server_key.encode("ascii")
        sock.curve_publickey = keys.public.encode("ascii")
        sock.curve_secretkey = keys.secret.encode("ascii")
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.SNDHWM, SNDHWM)
        sock.setsockopt(zmq.RECONNECT_IVL, RECONNECT_IVL_MS)
        sock.setsockopt(zmq.RECONNECT_IVL_MAX, max(RECONNECT_IVL_MS, reconnect_max_ms))
        sock.setsockopt(zmq.HEARTBEAT_IVL, ZMTP_PING_IVL_MS)
        sock.setsockopt(zmq.HEARTBEAT_TIMEOUT, ZMTP_PING_TIMEOUT_MS)
        monitor = watch_handshakes(sock)   # before connecting: no refusal goes unseen
        sock.connect(endpoint)
    except BaseException:
        close_dealer(sock, monitor)
        raise
    return sock, monitor


def close_dealer(sock: zmq.asyncio.Socket, monitor: zmq.asyncio.Socket | None) -> None:
    """After the tasks using them are cancelled; what is still queued is dropped (LINGER 0)."""
    if monitor is not None:
        stop_watching(sock, monitor)
    sock.close(linger=0)
