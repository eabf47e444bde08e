"""The agent loop ("minion"): heartbeats out, jobs in, one DEALER socket per agent.

Threading model: an `AgentHost` (agent/host.py) owns ONE thread running ONE asyncio loop, and
every minion it hosts lives on that loop: its DEALER socket, its heartbeat timer task, its
receive task and its job tasks. A simulated fleet of 1,000 servers is therefore 1,000 sockets
and 1 thread. Backend calls are blocking and may be slow, so they run on bounded pools shared
by the host's minions, one for jobs and one for heartbeats (stuck jobs never silence an agent);
encoding happens there too, so the loop only moves frames. A backend may thus be called from
several pool threads at once and must be thread-safe. Sockets are created and closed only on
the host thread. The host owns its minions (agent/host.py `start_alone` gives a lone minion a
host of its own); a minion only knows its owner as something it can leave (`MinionOwner`).

Socket hygiene (agent/connection.py): LINGER 0, a modest SNDHWM and NOBLOCK sends, so while the
manager is away the agent drops (and counts) messages instead of queueing stale heartbeats.

Authentication: the socket is a CurveZMQ client with the agent's own key pair and the manager's
public key. The manager knows the agent by that key (bound to the agent id when an operator
accepts it), not by a routing id, so none is set. A refused key is retried (agent/refusal.py).

Incarnation: each Minion draws a token when it is created and sends it in every server heartbeat.
The manager stamps each job with the token it knows; a job stamped for another run is refused,
not run, and a new token in a heartbeat lets the manager fail the old run's jobs at once.

Backend switches read at the moment they matter: a truthy `backend.dark` suppresses everything
the agent would send (heartbeats and job results; jobs still run), and `backend.job_latency_s`
delays each job before it runs, on the loop, without blocking it. `backend.outbound_delay()`, if
present, is asked for every message sent: None drops it, a number of seconds delays it (a
simulated network partition).

A backend that can tell cheaply whether its cluster moved has `watch_s` and
`changed_cluster_heartbeats()`: the minion asks every `watch_s` between beats and sends what it
returns at once, so a change reaches the manager in about `watch_s`, not a whole period.

High availability (agent/failover.py): given several manager endpoints, the minion talks to one
at a time and moves to the next when the one in use stops acknowledging its heartbeats; it keeps
the highest lease term seen in acks and jobs, and refuses (answers `StaleTerm`, never runs) a job
of an older term. A backend with `record_job_run(job_id, function, term)` is told of each job
right before it runs (the simulator records them, so tests can check what a deposed manager ran).
"""
from __future__ import annotations

import asyncio
import contextvars
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, Sequence

import zmq
import zmq.asyncio

from agent.backend import CephBackend
from agent.connection import RECONNECT_IVL_MAX_MS, close_dealer, open_dealer
from agent.failover import Failover, Terms, parse_endpoints
from agent.refusal import retry_period, retry_when_refused
from bus import log_context, protocol
from bus.curve import KeyPair, new_keypair
from bus.protocol import ClusterHeartbeat, HeartbeatAck, Job, JobResult, ServerHeartbeat
from bus.log_throttle import LogThrottle
from bus.loop_thread import receive_forever


class MinionOwner(Protocol):
    """What a minion knows of the host that runs it (agent/host.py AgentHost)."""
    def release(self, minion: "Minion", timeout_s: float) -> None: ...

log = logging.getLogger(__name__)
# One throttle for every minion in the process: 1,000 agents losing the manager log one line
# (plus a count of the similar ones) per LOG_EVERY_S, not 1,000.
_throttle = LogThrottle(log)

FIRST_BEAT_SPREAD = 0.9       # first beats spread over this fraction of a period
DEFAULT_WORKERS = 8
CANCEL_JOB = "cancel_job"  # a control job handled by the minion itself
BEAT_WORKERS = 2           # heartbeats have their own pool: busy job threads never delay them
START_TIMEOUT_S = 5.0

STATS_KEYS = ("heartbeats_sent", "cluster_heartbeats_sent", "heartbeat_errors", "beats_suppressed",
              "jobs_received", "jobs_expired", "jobs_refused", "jobs_succeeded", "jobs_failed",
              "results_sent", "results_suppressed", "send_dropped", "send_errors", "dropped_malformed",
              "dropped_unexpected", "handshakes_refused", "handshakes_failed", "send_partitioned",
              "acks_received", "acks_stale", "endpoint_moves", "jobs_refused_stale_term")


class Minion:
    """One agent for one backend: heartbeats every `heartbeat_s`, answers jobs.

    Args:
        backend: the Ceph server this agent speaks for (see agent.backend.CephBackend).
        endpoint: the manager's bus endpoint, e.g. "tcp://127.0.0.1:4506", or those of an HA
            group's managers: "tcp://m1:8003,tcp://m2:8003" or a list (agent/failover.py).
        heartbeat_s: period of the heartbeats; the first goes out at once on a lone `start()`.
        agent_id: the `sender` of every message (the minion id); defaults to `backend.fqdn`.
        server_key: the manager's CurveZMQ public key (z85).
        keys: this agent's key pair; a new one (in memory only) when not given.
    """

    def __init__(self, backend: CephBackend, endpoint: str | Sequence[str], heartbeat_s: float = 10.0,
                 agent_id: str | None = None, *, server_key: str, keys: KeyPair | None = None):
        if heartbeat_s <= 0:
            raise ValueError(f"heartbeat_s must be positive, got {heartbeat_s}")
        self.backend = backend
        self.endpoints = parse_endpoints(endpoint)
        self._failover = Failover(self.endpoints, heartbeat_s)   # host loop only
        self._terms = Terms()
        self.heartbeat_s = heartbeat_s
        self.agent_id = agent_id if agent_id is not None else backend.fqdn
        self.server_key = server_key
        self.keys = keys or new_keypair()
        # This run of the agent, in every server heartbeat: when it changes, the manager knows the
        # jobs the previous run held will never be answered, and fails them at once.
        self.incarnation = uuid.uuid4().hex
        self._stats = dict.fromkeys(STATS_KEYS, 0)  # written on the host loop only
        self.owner: MinionOwner | None = None   # set and cleared by the host that runs it
        # Loop-thread state, set by _open():
        self._ctx: zmq.asyncio.Context | None = None
        self._sock: zmq.asyncio.Socket | None = None
        self._monitor: zmq.asyncio.Socket | None = None
        self._conn_tasks: set[asyncio.Task] = set()   # the tasks of the connection in use
        self._executor: ThreadPoolExecutor | None = None
        self._beat_executor: ThreadPoolExecutor | None = None
        self._cancelled: set[str] = set()   # job ids the manager gave up on
        self._running: set[str] = set()
        self._tasks: set[asyncio.Task] = set()

    def __repr__(self) -> str:
        return f"Minion({self.agent_id!r})"

    @property
    def stats(self) -> dict[str, int]:
        """A snapshot of the counters (see STATS_KEYS)."""
        return dict(self._stats)

    @property
    def endpoint(self) -> str:
        """The manager endpoint in use (one of `endpoints`)."""
        return self._failover.endpoint

    @property
    def max_term(self) -> int:
        """The highest lease term seen in acks and jobs (0: no HA manager met yet)."""
        return self._terms.max_term

    def stop(self, timeout_s: float = 3.0) -> None:
        """Leave the host: its socket and tasks close (a host of its own stops with it)."""
        if self.owner is not None:
            self.owner.release(self, timeout_s)

    # ---- the host loop ------------------------------------------------------------------------

    def open_on_loop(self, ctx: zmq.asyncio.Context, executor: ThreadPoolExecutor,
              beat_executor: ThreadPoolExecutor, first_beat_in: float) -> None:
        """On the host loop: connect, and beat first `first_beat_in` seconds after the loop is
        next free (not after now: opening a fleet's sockets keeps the loop busy, and offsets
        counted from before that would all expire together, beating in lockstep)."""
        self._ctx = ctx
        # Jobs and heartbeats use separate pools: slow or stuck jobs never silence the agent.
        self._executor, self._beat_executor = executor, beat_executor
        self._connect()
        self._spawn(self._beat_loop(first_beat_in))
        if self._watch_s() is not None:
            self._spawn(self._watch_loop(first_beat_in))

    def _connect(self) -> None:
        """On the host loop: a socket to the endpoint in use, and the tasks that serve it."""
        endpoint = self.endpoint
        # With several endpoints, retry a manager at least every half heartbeat: the one taking
        # over binds its bus any moment (agent/connection.py).
        reconnect_max_ms = RECONNECT_IVL_MAX_MS if len(self.endpoints) == 1 else int(500 * self.heartbeat_s)
        sock, monitor = open_dealer(self._ctx, endpoint, self.server_key, self.keys, min(RECONNECT_IVL_MAX_MS, reconnect_max_ms))
        self._sock, self._monitor = sock, monitor
        self._failover.connected(asyncio.get_running_loop().time())
        self._conn_tasks = {
            self._spawn(retry_when_refused(sock, monitor, endpoint, retry_period(self.heartbeat_s),
                                           self._stats, _throttle, f"agent {self.agent_id}",
                                           on_lost=self._failover.lost)),
            self._spawn(self._receive(sock))}

    async def _move(self) -> None:
        """On the host loop: close the connection in use and connect to the next endpoint. What
        was queued for the silent manager is dropped (LINGER 0): heartbeats are resent anyway,
        and a job result only matters to the manager that is active."""
        now = asyncio.get_running_loop().time()
        if self._failover.was_lost:
            log.info("agent %s: lost the connection to %s, trying %s", self.agent_id, self.endpoint,
                     self._failover.next_endpoint)
        else:
            log.info("agent %s: no answer from %s for %.0f s, trying %s", self.agent_id, self.endpoint,
                     self._failover.silent_for(now), self._failover.next_endpoint)
        tasks, self._conn_tasks = list(self._conn_tasks), set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        sock, monitor, self._sock, self._monitor = self._sock, self._monitor, None, None
        if sock is not None:
            close_dealer(sock, monitor)
        self._failover.move(now)
        self._stats["endpoint_moves"] += 1
        self._connect()

    async def close_on_loop(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._sock is not None:
            close_dealer(self._sock, self._monitor)
        self._sock = self._monitor = None

    def _spawn(self, coro) -> asyncio.Task:
        # Its log records name this agent (many minions share a host loop in the simulator).
        context = contextvars.copy_context()
        context.run(log_context.bind, fqdn=self.agent_id)
        task = asyncio.get_running_loop().create_task(coro, context=context)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("agent %s: task failed", self.agent_id, exc_info=task.exception())

    @staticmethod
    def _off_loop(executor: ThreadPoolExecutor, fn, *args) -> asyncio.Future:
        """fn(*args) on an executor thread, in a copy of this task's context (run_in_executor
        alone drops it): the backend's log records name the agent too."""
        return asyncio.get_running_loop().run_in_executor(executor, contextvars.copy_context().run, fn, *args)

    def _dark(self) -> bool:
        return bool(getattr(self.backend, "dark", False))

    async def _beat_loop(self, first_beat_in: float) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time() + first_beat_in
        while True:
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                if self._failover.should_move(loop.time()):
                    await self._move()
                await self._beat_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the beat is lost, the loop lives on
                self._stats["heartbeat_errors"] += 1
                _throttle.log(logging.ERROR, "beat", "agent %s: heartbeat failed",
                                   self.agent_id, exc_info=True)
            due += self.heartbeat_s
            behind = loop.time() - due
            if behind > 0:  # a slow backend made us miss beats: skip them, keep the phase
                due += (behind // self.heartbeat_s + 1) * self.heartbeat_s

    def _watch_s(self) -> float | None:
        """The backend's change-watch period, if it watches (`changed_cluster_heartbeats`)."""
        watch_s = getattr(self.backend, "watch_s", None)
        watcher = getattr(self.backend, "changed_cluster_heartbeats", None)
        return float(watch_s) if watch_s and callable(watcher) else None

    async def _watch_loop(self, first_beat_in: float) -> None:
        """Between beats: a cluster heartbeat as soon as the backend sees the cluster move."""
        await asyncio.sleep(first_beat_in)
        while True:
            await asyncio.sleep(self._watch_s())
            if self._dark():
                continue
            try:
                fields = await self._off_loop(self._beat_executor, self.backend.changed_cluster_heartbeats)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the next check or beat tries again
                _throttle.log(logging.WARNING, "watch", "agent %s: change watch failed: %r",
                              self.agent_id, exc)
                continue
            for one in fields:
                self._send(protocol.encode(ClusterHeartbeat(**one), sender=self.agent_id),
                           "cluster_heartbeats_sent")

    async def _beat_once(self) -> None:
        if self._dark():
            self._stats["beats_suppressed"] += 1
            return
        try:
            messages = await self._off_loop(self._beat_executor, self._build_beats)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a backend failure skips this beat only
            self._stats["heartbeat_errors"] += 1
            _throttle.log(logging.WARNING, "backend_beat",
                               "agent %s: backend failed to build a heartbeat: %r",
                               self.agent_id, exc)
            return
        if self._dark():  # went dark while the beat was being built
            self._stats["beats_suppressed"] += 1
            return
        self._failover.beat_sent()   # sent as far as we can tell: an answer is now due
        for counter, frames in messages:
            self._send(frames, counter)

    def _build_beats(self) -> list[tuple[str, list[bytes]]]:
        """On a pool thread: ask the backend and encode; [(stats counter, frames)]."""
        beat = ServerHeartbeat(**self.backend.server_heartbeat(), incarnation=self.incarnation)
        out = [("heartbeats_sent", protocol.encode(beat, sender=self.agent_id))]
        for fields in self.backend.cluster_heartbeats():
            out.append(("cluster_heartbeats_sent",
                        protocol.encode(ClusterHeartbeat(**fields), sender=self.agent_id)))
        return out

    async def _receive(self, sock: zmq.asyncio.Socket) -> None:
        await receive_forever(sock, self._on_frames, _throttle, f"agent {self.agent_id}")

    def _on_frames(self, frames: list[bytes]) -> None:
        try:
            envelope = protocol.decode(frames)
        except protocol.UnknownKind as exc:   # a newer manager's message: not for this version
            self._stats["dropped_unexpected"] += 1
            _throttle.log(logging.WARNING, "unexpected", "agent %s: dropped a message: %s",
                          self.agent_id, exc)
            return
        except Exception as exc:  # noqa: BLE001 - whatever a bad frame provokes
            self._stats["dropped_malformed"] += 1
            _throttle.log(logging.WARNING, "malformed",
                          "agent %s: dropped malformed message: %s", self.agent_id, exc)
            return
        if isinstance(envelope.body, HeartbeatAck):
            self._on_ack(envelope.body)
            return
        if not isinstance(envelope.body, Job):
            self._stats["dropped_unexpected"] += 1
            _throttle.log(logging.WARNING, "unexpected", "agent %s: dropped unexpected %s from %s",
                          self.agent_id, envelope.kind, envelope.sender)
            return
        self._stats["jobs_received"] += 1
        self._spawn(self._handle_job(envelope.body))

    def _on_ack(self, ack: HeartbeatAck) -> None:
        self._stats["acks_received"] += 1
        if self._terms.ack(ack.term):
            self._failover.answered(asyncio.get_running_loop().time(), ack.lease_s)
        else:   # a manager that has been replaced: no reason to stay with it
            self._stats["acks_stale"] += 1
            _throttle.log(logging.INFO, "stale_ack", "agent %s: %s acknowledges in term %d, older "
                          "than term %d seen before", self.agent_id, self.endpoint, ack.term,
                          self._terms.max_term)

    async def _handle_job(self, job: Job) -> None:
        if not self._terms.admits(job.term):
            self._refuse_stale(job)
            return
        if self._refused(job):
            return
        if job.function == CANCEL_JOB:
            self._cancel(job)
            return
        if self._expired(job):
            return
        latency = float(getattr(self.backend, "job_latency_s", 0.0) or 0.0)
        if latency > 0:
            await asyncio.sleep(latency)
            if self._expired(job):
                return
        outcome, frames = await self._off_loop(self._executor, self._run_job, job)
        self._stats[outcome] += 1
        self._send_result(job, frames)

    def _send_result(self, job: Job, frames: list[bytes]) -> None:
        if self._dark():
            self._stats["results_suppressed"] += 1
            log.info("agent %s: job %s result suppressed (dark)", self.agent_id, job.job_id)
            return
        mutes = getattr(self.backend, "mutes", None)  # test knob: a result that is never sent
        if callable(mutes) and mutes(job.function):
            self._stats["results_suppressed"] += 1
            log.info("agent %s: job %s result suppressed (muted)", self.agent_id, job.job_id)
            return
        self._send(frames, "results_sent")

    def _refused(self, job: Job) -> bool:
        """A job addressed to an earlier run of this agent is never run, so that whatever the
        manager told its requester about that run (it restarted; check the cluster) stays true.
        It is answered at once, in case the manager has not seen our new incarnation yet."""
        if job.incarnation is None or job.incarnation == self.incarnation:
            return False
        self._stats["jobs_refused"] += 1
        log.info("agent %s: job %s (%s) refused, addressed to an earlier run of this agent",
                 self.agent_id, job.job_id, job.function)
        error = {"type": "AgentRestarted",
                 "message": f"The agent on server {self.agent_id} restarted before the command "
                            f"reached it: it was addressed to an earlier run of this agent; not run"}
        self._send_result(job, protocol.encode(JobResult(job.job_id, False, error=error),
                                               sender=self.agent_id))
        return True

    def _refuse_stale(self, job: Job) -> None:
        """A job of a term older than one seen comes from a manager that has been replaced (it
        may not know yet): never run, answered in case that manager is still listening."""
        max_term = self._terms.max_term
        self._stats["jobs_refused_stale_term"] += 1
        log.info("agent %s: job %s (%s) refused: its term %d is older than term %d seen before",
                 self.agent_id, job.job_id, job.function, job.term, max_term)
        self._send_result(job, protocol.encode(JobResult(job.job_id, False, error=_stale_error(
            job, max_term)), sender=self.agent_id))

    def _cancel(self, job: Job) -> None:
        """On the loop, never behind busy job threads: a queued job will not start, a running one
        is stopped if the backend knows how (`cancel_job(job_id)`)."""
        target = job.args.get("job_id")
        self._cancelled.add(target)
        stopper = getattr(self.backend, "cancel_job", None)
        stopped = False
        if target in self._running and callable(stopper):
            try:
                stopped = bool(stopper(target))
            except Exception as exc:  # noqa: BLE001 - best effort
                log.info("agent %s: could not stop job %s: %s", self.agent_id, target, exc)
        self._send(protocol.encode(JobResult(job.job_id, True, result={"stopped": stopped}),
                                   sender=self.agent_id), "results_sent")

    def _expired(self, job: Job) -> bool:
        late_s = time.time() - job.deadline
        if late_s <= 0:
            return False
        self._stats["jobs_expired"] += 1
        log.info("agent %s: job %s (%s) skipped, deadline passed %.1fs ago",
                 self.agent_id, job.job_id, job.function, late_s)
        return True

    def _run_job(self, job: Job) -> tuple[str, list[bytes]]:
        """On a pool thread: run the job and encode its JobResult (success or structured error);
        -> (the counter of its outcome, counted on the loop; the frames)."""
        if job.job_id in self._cancelled:
            self._cancelled.discard(job.job_id)
            return "jobs_failed", protocol.encode(JobResult(job.job_id, False, error={
                "type": "Cancelled", "message": "cancelled before it started"}), sender=self.agent_id)
        if not self._terms.still_current(job.term):   # a newer term came while it waited its turn
            max_term = self._terms.max_term
            log.info("agent %s: job %s (%s) refused before it ran: its term %d is older than term "
                     "%d seen meanwhile", self.agent_id, job.job_id, job.function, job.term, max_term)
            return "jobs_refused_stale_term", protocol.encode(
                JobResult(job.job_id, False, error=_stale_error(job, max_term)), sender=self.agent_id)
        self._running.add(job.job_id)
        try:
            record = getattr(self.backend, "record_job_run", None)
            if callable(record):
                record(job.job_id, job.function, job.term)
            result = self.backend.run_job(job.function, job.args)
            return "jobs_succeeded", protocol.encode(JobResult(job.job_id, True, result=result),
                                                     sender=self.agent_id)
        except Exception as exc:  # noqa: BLE001 - every failure is reported to the manager
            log.info("agent %s: job %s (%s) failed: %s: %s", self.agent_id, job.job_id,
                     job.function, type(exc).__name__, exc)
            error = {"type": type(exc).__name__, "message": str(exc)}
            return "jobs_failed", protocol.encode(JobResult(job.job_id, False, error=error),
                                                  sender=self.agent_id)
        finally:
            self._running.discard(job.job_id)
            self._cancelled.discard(job.job_id)

    def _send(self, frames: list[bytes], counter: str) -> None:
        # Test knob (sim/backend.py): a network partition drops or delays what the agent sends.
        route = getattr(self.backend, "outbound_delay", None)
        delay = route() if callable(route) else 0.0
        if delay is None:
            self._stats["send_partitioned"] += 1
        elif delay > 0:
            asyncio.get_running_loop().call_later(delay, self._send_now, frames, counter)
        else:
            self._send_now(frames, counter)

    def _send_now(self, frames: list[bytes], counter: str) -> None:
        if self._sock is None:   # closed while a delayed message waited
            return
        future = self._sock.send_multipart(frames, flags=zmq.NOBLOCK)
        # A NOBLOCK send resolves at once: the future is done, with the error if any.
        exc = future.exception() if future.done() else None
        if exc is None:
            self._stats[counter] += 1
        elif isinstance(exc, zmq.Again):
            self._stats["send_dropped"] += 1
            _throttle.log(logging.WARNING, "dropped",
                               "agent %s: manager unreachable, dropping messages", self.agent_id)
        else:
            self._stats["send_errors"] += 1
            _throttle.log(logging.ERROR, "send", "agent %s: send failed: %s",
                               self.agent_id, exc)


def _stale_error(job: Job, max_term: int) -> dict:
    return {"type": "StaleTerm",
            "message": f"Job {job.job_id} carries the lease term {job.term} of a manager that has been "
                       f"replaced (this agent has seen term {max_term}); not run"}
