"""The jobs out on agents: sent over the bus, answered by a JobResult routed back to whoever
sent them, failed when their deadline passes or when the agent restarts under them.

Each job is stamped with the agent's incarnation (from its server heartbeats); a heartbeat with
a new one means the old run's jobs will never be answered, so they fail at once.
"""
from __future__ import annotations

import itertools
import logging
import threading
import time
import uuid
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Callable

import pykka

from actors.messages import JobCompleted
from bus.protocol import Job, JobResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PendingJob:
    reply_to: pykka.ActorRef | Future   # an actor is told JobCompleted; a Future gets the JobResult
    agent_id: str
    function: str
    args: dict
    deadline: float
    incarnation: str | None = None   # the run of the agent the job was sent to, if known


class JobBook:
    def __init__(self, send: Callable[[str, Job], None] | None, clock=time.time):
        """send(agent_id, body): the bus's (thread-safe); None: no bus, and sending fails."""
        self._send = send
        self._clock = clock
        self._lock = threading.Lock()
        self._jobs: dict[str, PendingJob] = {}
        self._incarnations: dict[str, str | None] = {}   # agent id -> from its newest fresh beat
        self._job_ids = itertools.count()

    def send_job(self, agent_id: str, function: str, args: dict, reply_to: pykka.ActorRef | Future,
                 timeout_s: float) -> str:
        job_id = f"{uuid.uuid4().hex[:12]}-{next(self._job_ids)}"
        deadline = self._clock() + timeout_s
        # Stamped and registered under the lock that note_incarnation takes: a job is either
        # addressed to the new run, or pending when the old run's jobs are failed.
        with self._lock:
            incarnation = self._incarnations.get(agent_id)
            self._jobs[job_id] = PendingJob(reply_to, agent_id, function, dict(args), deadline, incarnation)
        if self._send is None:
            raise RuntimeError("no bus attached")
        self._send(agent_id, Job(job_id=job_id, function=function, args=dict(args), deadline=deadline,
                                 incarnation=incarnation))
        return job_id

    def call(self, agent_id: str, function: str, args: dict, timeout_s: float) -> Future:
        """A job whose JobResult completes the returned Future (for synchronous API calls).

        Its deadline is kept by a timer of its own, not by the next tick: a person is waiting."""
        reply: Future = Future()
        try:
            job_id = self.send_job(agent_id, function, args, reply, timeout_s)
        except Exception as exc:  # noqa: BLE001 - no bus yet: the caller tries another agent
            reply.set_exception(exc)
            return reply
        timer = threading.Timer(timeout_s, self._expire_now, args=(job_id,))
        timer.daemon = True
        timer.start()
        reply.add_done_callback(lambda _: timer.cancel())
        return reply

    def note_incarnation(self, agent_id: str, incarnation: str | None, now: float) -> None:
        """Called for fresh server heartbeats only, so a delayed beat of the old run cannot
        switch back. A first incarnation (or the first since our own start) fails nothing: the
        jobs sent before it were not addressed to any run."""
        with self._lock:
            known = self._incarnations.get(agent_id)
            self._incarnations[agent_id] = incarnation
            if known is None or known == incarnation:
                return
            orphaned = {jid: job for jid, job in self._jobs.items()
                        if job.agent_id == agent_id and job.incarnation == known}
            for jid in orphaned:
                del self._jobs[jid]
        # Delivered outside the lock, like expired jobs: replying may take other locks.
        for jid, job in orphaned.items():
            log.warning("job %s (%s) on %s lost: the agent restarted", jid, job.function, agent_id)
            _deliver(job, _restarted_result(jid, agent_id), now)

    def complete(self, agent_id: str, result: JobResult, now: float) -> bool:
        """Hand a JobResult to whoever sent the job; False for a job unknown (or not that agent's)."""
        with self._lock:
            pending = self._jobs.get(result.job_id)
            if pending is None or pending.agent_id != agent_id:
                return False
            del self._jobs[result.job_id]
        _deliver(pending, result, now)
        return True

    def expire(self, now: float) -> None:
        """Fail the jobs whose deadline passed (called on ticks)."""
        with self._lock:
            expired = {jid: job for jid, job in self._jobs.items() if job.deadline < now}
            for jid in expired:
                del self._jobs[jid]
        for jid, job in expired.items():
            log.warning("job %s (%s) on %s got no answer before its deadline", jid, job.function, job.agent_id)
            _deliver(job, _timeout_result(jid, job.agent_id), now)

    def _expire_now(self, job_id: str) -> None:
        with self._lock:
            job = self._jobs.pop(job_id, None)
        if job is not None:
            _deliver(job, _timeout_result(job_id, job.agent_id), self._clock())


def _deliver(pending: PendingJob, result: JobResult, now: float) -> None:
    if isinstance(pending.reply_to, Future):
        if not pending.reply_to.done():
            pending.reply_to.set_result(result)
        return
    try:
        pending.reply_to.tell(JobCompleted(pending.agent_id, result, pending.function, pending.args, now))
    except pykka.ActorDeadError:
        log.info("job %s finished after its requester stopped", result.job_id)


def _timeout_result(job_id: str, agent_id: str) -> JobResult:
    return JobResult(job_id, False, None, {"type": "Timeout", "message": f"No answer from {agent_id}"})


def _restarted_result(job_id: str, agent_id: str) -> JobResult:
    # The old run may have applied the command before it went: we cannot say it did not.
    return JobResult(job_id, False, None, {
        "type": "AgentRestarted",
        "message": f"The agent on server {agent_id} restarted while the command was running; "
                   f"check the cluster to see whether it was applied"})
