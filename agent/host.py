"""AgentHost: many minions (agent/minion.py) on one thread, one asyncio loop, one zmq context.

A simulated fleet of 1,000 servers is 1,000 DEALER sockets and one I/O thread; backend calls run
on two bounded pools (jobs, heartbeats) so the loop only moves frames.
"""
from __future__ import annotations

import asyncio
import logging
import random
import resource
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Sequence

import zmq
import zmq.asyncio

from agent.backend import CephBackend
from agent.failover import parse_endpoints
from agent.minion import BEAT_WORKERS, DEFAULT_WORKERS, FIRST_BEAT_SPREAD, START_TIMEOUT_S, Minion
from bus.curve import KeyPair
from bus.loop_thread import run_event_loop, stop_event_loop_thread

log = logging.getLogger(__name__)


def raise_open_files_limit(n: int) -> int:
    """Raise the soft RLIMIT_NOFILE to min(n, hard) (never lowers it); returns the new soft limit.

    Each minion costs about five descriptors (TCP connection, the mailboxes of its socket and of
    its handshake monitor's pair of sockets).
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = n if hard == resource.RLIM_INFINITY else min(n, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return target
    return soft


class AgentHost:
    """Many minions on one thread, one event loop and one zmq context.

    Args:
        endpoint: the manager's bus endpoint, shared by every minion added; or the endpoints of
            an HA group's managers, comma-separated or a list (each minion picks its own way
            through them: agent/failover.py).
        server_key: the manager's CurveZMQ public key (z85), also shared.
        spread_first_beats: start each minion's heartbeats at a seeded random offset within the
            first FIRST_BEAT_SPREAD of its period, so a fleet does not beat in lockstep.
        seed: seed of that jitter (reproducible fleets).
        max_workers: size of the pool that runs backend calls for all minions.
    """

    def __init__(self, endpoint: str | Sequence[str], *, server_key: str, spread_first_beats: bool = True,
                 seed: int = 0, max_workers: int = DEFAULT_WORKERS):
        self.endpoints = parse_endpoints(endpoint)
        self.endpoint = ",".join(self.endpoints)   # for log lines and thread names
        self.server_key = server_key
        self._spread = spread_first_beats
        self._rng = random.Random(seed)
        self._max_workers = max_workers
        self._minions: list[Minion] = []
        self._ids: set[str] = set()
        self._lock = threading.Lock()
        self._state = "new"  # new -> running -> stopped
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ctx: zmq.asyncio.Context | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._beat_executor: ThreadPoolExecutor | None = None
        self._alone = False     # the host of one minion only (start_alone): it stops with it

    @property
    def minions(self) -> list[Minion]:
        with self._lock:
            return list(self._minions)

    def add(self, backend: CephBackend, heartbeat_s: float = 10.0,
            agent_id: str | None = None, keys: KeyPair | None = None) -> Minion:
        """Create a minion for `backend`; before start(), or after (it connects at once).
        keys: its key pair (default: a new one, in memory)."""
        minion = Minion(backend, self.endpoints, heartbeat_s, agent_id, server_key=self.server_key,
                        keys=keys)
        self._adopt(minion)
        return minion

    def _adopt(self, minion: Minion) -> None:
        with self._lock:
            if self._state == "stopped":
                raise RuntimeError("AgentHost is stopped")
            if minion.agent_id in self._ids:
                raise ValueError(f"agent id {minion.agent_id!r} is already on this host")
            if minion.owner is not None:
                raise RuntimeError(f"{minion!r} already belongs to a host")
            minion.owner = self
            self._minions.append(minion)
            self._ids.add(minion.agent_id)
            if self._state != "running" or self._loop is None:
                return  # not started, or starting: _main() opens it with the others
            if self._on_loop_thread():
                self._open(minion)
                return
            opened = self._call_on_loop(self._open, minion)
        opened.result(START_TIMEOUT_S)

    def release(self, minion: Minion, timeout_s: float = 3.0) -> None:
        """A minion leaves (Minion.stop): a host of its own stops, a shared one removes it."""
        if self._alone:
            self.stop(timeout_s)
        else:
            self.remove(minion, timeout_s)

    def remove(self, minion: Minion, timeout_s: float = 3.0) -> None:
        """Close one minion's socket and tasks (its server "goes away"); the others carry on."""
        with self._lock:
            if minion.owner is not self or minion not in self._minions:
                return
            minion.owner = None
            self._minions.remove(minion)
            self._ids.discard(minion.agent_id)
            closed = self._call_on_loop(minion.close_on_loop) if self._state == "running" else None
        if closed is not None and not self._on_loop_thread():
            closed.result(timeout_s)

    def start(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Start the loop thread and connect every minion added so far; returns once connected."""
        with self._lock:
            if self._state != "new":
                raise RuntimeError(f"AgentHost is {self._state}")
            self._state = "running"
            self._executor = ThreadPoolExecutor(self._max_workers, thread_name_prefix="agent-work")
            self._beat_executor = ThreadPoolExecutor(BEAT_WORKERS, thread_name_prefix="agent-beat")
            ready: Future = Future()
            self._thread = threading.Thread(target=self._run, args=(ready,),
                                            name=f"agent-host {self.endpoint}", daemon=True)
            self._thread.start()
        try:
            ready.result(timeout_s)
        except BaseException:
            self.stop()
            raise
        log.info("agent host: %d minions connecting to %s", len(self.minions), self.endpoint)

    def stop(self, timeout_s: float = 3.0) -> None:
        """Close every socket on the loop thread, term the context, join, shut the pool down."""
        with self._lock:
            if self._state != "running":
                self._state = "stopped"
                return
            self._state = "stopped"
            loop, stopping, thread = self._loop, self._stopping, self._thread
        stop_event_loop_thread(loop, stopping, thread, timeout_s, f"agent host for {self.endpoint}")
        # Waits for backend calls already running; queued ones are cancelled.
        self._beat_executor.shutdown(wait=True, cancel_futures=True)
        self._executor.shutdown(wait=True, cancel_futures=True)

    # ---- the host loop ------------------------------------------------------------------------

    def _on_loop_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def _call_on_loop(self, fn, *args) -> Future:
        """Run fn(*args) (a plain function or a coroutine function) on the loop; a Future of it."""
        done: Future = Future()

        async def call():
            try:
                result = fn(*args)
                if asyncio.iscoroutine(result):
                    result = await result
                done.set_result(result)
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
                done.set_exception(exc)

        if self._on_loop_thread():
            asyncio.get_running_loop().create_task(call())
        else:
            asyncio.run_coroutine_threadsafe(call(), self._loop)
        return done

    def _run(self, ready: Future) -> None:
        run_event_loop(self._main, ready, f"agent host for {self.endpoint}")

    async def _main(self, ready: Future) -> None:
        ctx = zmq.asyncio.Context()
        ctx.set(zmq.MAX_SOCKETS, ctx.get(zmq.SOCKET_LIMIT))  # default 1023 is too few for a fleet
        with self._lock:
            self._ctx = ctx
            self._loop = asyncio.get_running_loop()
            self._stopping = asyncio.Event()
            if self._state != "running":  # stop() came before we got here
                self._stopping.set()
            minions = list(self._minions)
        opened: list[Minion] = []
        try:
            for minion in minions:
                self._open(minion)
                opened.append(minion)
            if not ready.done():
                ready.set_result(None)
            await self._stopping.wait()
        finally:
            with self._lock:
                minions = set(self._minions) | set(opened)
            await asyncio.gather(*(m.close_on_loop() for m in minions), return_exceptions=True)
            ctx.term()

    def _open(self, minion: Minion) -> None:
        # The offset counts from when the loop is next free, so opening 1,000 sockets (a
        # fraction of a second, more on a loaded machine) does not squeeze the spread.
        jitter = self._rng.random() * FIRST_BEAT_SPREAD * minion.heartbeat_s if self._spread else 0.0
        minion.open_on_loop(self._ctx, self._executor, self._beat_executor, jitter)


def start_alone(minion: Minion) -> AgentHost:
    """Run one minion on a host of its own (its first heartbeat at once); `minion.stop()` stops
    both. The agent of a real server runs this way."""
    host = AgentHost(minion.endpoints, server_key=minion.server_key, spread_first_beats=False,
                     max_workers=2)
    host._alone = True
    host._adopt(minion)
    host.start()
    return host
