"""An agent whose key the manager refused tries again, until it is let in.

libzmq reconnects a dropped connection by itself, but not one whose CURVE handshake the manager's
ZAP handler refused: after the refusal the session ends for good (checked with libzmq 4.3.5; a
handshake that fails for other reasons, e.g. a wrong server key, is retried by libzmq). So each
minion watches the handshake events of its socket, and after a refusal (its key is new and waits
for acceptance, or was rejected) connects again after `retry_s`, for as long as it runs: once an
operator accepts the key, the next attempt gets in.

The same monitor tells when an established session ends (the manager's process died or its bus
stopped: a disconnect after a successful handshake): `on_lost` is called, so an agent with
several managers (agent/failover.py) need not wait out the acknowledgement timeout.
"""
from __future__ import annotations

import asyncio
import logging

import zmq
from typing import Callable

from zmq.utils.monitor import parse_monitor_message

log = logging.getLogger(__name__)

EVENTS = (zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_HANDSHAKE_FAILED_AUTH
          | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL
          | zmq.EVENT_DISCONNECTED)
MIN_RETRY_S = 0.2
MAX_RETRY_S = 30.0


def retry_period(heartbeat_s: float) -> float:
    """One attempt per heartbeat period: an accepted agent is in within a beat or two."""
    return min(MAX_RETRY_S, max(MIN_RETRY_S, heartbeat_s))


def watch_handshakes(sock):
    """Start watching `sock`'s handshakes; call before connecting, so no refusal goes unseen.
    Returns the monitor socket; its owner closes it with `stop_watching` after `retry_when_refused`
    is cancelled and before closing `sock`."""
    return sock.get_monitor_socket(EVENTS)


def stop_watching(sock, monitor) -> None:
    sock.disable_monitor()
    monitor.close(linger=0)


async def retry_when_refused(sock, monitor, endpoint: str, retry_s: float, stats: dict, throttle,
                             what: str, on_lost: Callable[[], None] | None = None) -> None:
    """Run on the socket's own loop for the socket's life.

    stats: the minion's counters; `handshakes_refused` and `handshakes_failed` are counted here.
    on_lost: called when a session that had completed its handshake disconnects (a refused or
    failed handshake disconnects too, and is not a loss: nothing was established).
    """
    established = False
    while True:
        event = parse_monitor_message(await monitor.recv_multipart())["event"]
        if event == zmq.EVENT_HANDSHAKE_SUCCEEDED:
            established = True
            continue
        if event == zmq.EVENT_DISCONNECTED:
            if established and on_lost is not None:
                on_lost()
            established = False
            continue
        if event != zmq.EVENT_HANDSHAKE_FAILED_AUTH:
            stats["handshakes_failed"] += 1
            throttle.log(logging.ERROR, "handshake", "%s: handshake with the manager at %s failed (%s; "
                         "is the manager's public key right?)", what, endpoint, zmq.Event(event).name)
            continue   # libzmq itself retries these
        stats["handshakes_refused"] += 1
        throttle.log(logging.WARNING, "refused", "%s: the manager refused this agent's key "
                     "(not accepted yet?); retrying every %.1fs", what, retry_s)
        await asyncio.sleep(retry_s)
        try:
            sock.disconnect(endpoint)
        except zmq.ZMQError:
            pass   # the refused session may already be gone
        sock.connect(endpoint)
