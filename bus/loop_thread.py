"""A thread that owns an asyncio event loop (the bus server's and the agents'): its body, its
socket receive loop, and how another thread stops it."""
from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future
from typing import Awaitable, Callable

import zmq

log = logging.getLogger(__name__)


def run_event_loop(main: Callable[[Future], Awaitable], ready: Future, what: str) -> None:
    """Run `main(ready)` on a new loop until it returns. A failure before `main` sets `ready`
    goes to whoever waits on `ready` (start-up); a later one is logged as a crash of `what`."""
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(main(ready))
    except BaseException as exc:  # noqa: BLE001 - reported to start() or logged
        if not ready.done():
            ready.set_exception(exc)
        else:
            log.exception("%s crashed", what)
    finally:
        loop.close()


RETRY_AFTER_RECV_ERROR_S = 0.1
DRAIN_MAX = 256   # messages taken without awaiting before the loop runs its other work (sends)


async def receive_forever(sock, on_frames: Callable[[list], None], throttle, what: str,
                          copy: bool = True) -> None:
    """Hand every multipart message of `sock` to `on_frames` until the socket is closed; a
    receive error is logged (rate-limited) and retried, never the end of the loop. With
    copy=False the frames are zmq.Frame objects (with their metadata, e.g. User-Id).

    Once a message is in, whatever else is queued is taken through a plain (shadow) socket, up
    to DRAIN_MAX: awaiting each message through zmq.asyncio cost about a quarter of the bus
    thread's time under a heartbeat flood."""
    plain = zmq.Socket.shadow(sock.underlying)
    while True:
        try:
            frames = await sock.recv_multipart(copy=copy)
        except zmq.ZMQError as exc:
            if sock.closed:
                return
            throttle.log(logging.ERROR, "recv", "%s: receive failed: %s", what, exc)
            await asyncio.sleep(RETRY_AFTER_RECV_ERROR_S)
            continue
        on_frames(frames)
        for _ in range(DRAIN_MAX):
            try:
                frames = plain.recv_multipart(zmq.NOBLOCK, copy=copy)
            except zmq.Again:
                break
            except zmq.ZMQError:
                break   # closed or failing: the awaited receive above reports it
            on_frames(frames)


def stop_event_loop_thread(loop, stopping, thread, timeout_s: float, what: str) -> None:
    """Ask the loop (from another thread) to finish by setting its `stopping` asyncio.Event,
    then join its thread; a thread still alive after `timeout_s` is logged, not waited for."""
    if loop is not None and stopping is not None:
        try:
            loop.call_soon_threadsafe(stopping.set)
        except RuntimeError:
            pass  # loop already closed: the thread is exiting on its own
    thread.join(timeout_s)
    if thread.is_alive():
        log.error("%s did not stop within %.1fs", what, timeout_s)
