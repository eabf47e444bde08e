"""Dispatcher: routes decoded bus messages to the actor that owns their subject.

It runs on the bus thread and only ever `tell`s. It creates one ServerActor per FQDN and one
ClusterActor per FSID on first sight, routes job results back to the actor that sent the job,
expires jobs whose deadline passed, and fans ticks out. Its registries are guarded by one lock
because the web tier (through the facade) and the ticker read them from other threads.

It also fails at once the jobs of an agent that restarted under them: each job is stamped with
the agent's incarnation (from its server heartbeats), and a heartbeat with a new one means the
old run's jobs will never be answered.
"""
from __future__ import annotations

import itertools
import logging
import math
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import Future
from dataclasses import dataclass, replace

import pykka

from actors.cluster.actor import ClusterActor
from actors.runtime.coalesce import Coalescer
from actors.context import Peers, Timings
from actors.events import INFO, Event
from actors.messages import (ClusterHeartbeatReceived, EmitEvents, Forget, ForgetCluster, JobCompleted,
                             Restored, ServerHeartbeatReceived, Tick)
from actors.servers.actor import ServerActor
from bus.protocol import ClusterHeartbeat, Envelope, Job, JobResult, ServerHeartbeat

log = logging.getLogger(__name__)
STALE_WINDOW_S = 3600.0


@dataclass(frozen=True)
class PendingJob:
    reply_to: pykka.ActorRef | Future   # an actor is told JobCompleted; a Future gets the JobResult
    agent_id: str
    function: str
    args: dict
    deadline: float
    incarnation: str | None = None   # the run of the agent the job was sent to, if known


class Dispatcher:
    def __init__(self, *, store, eventer, directory, timings: Timings, clock=time.time):
        self.store, self.eventer, self.directory = store, eventer, directory
        self.timings = timings
        self.clock = clock
        self._lock = threading.Lock()
        self._servers: dict[str, pykka.ActorRef] = {}
        self._clusters: dict[str, pykka.ActorRef] = {}
        self._summaries: dict[str, dict] = {}
        self._jobs: dict[str, PendingJob] = {}
        self._incarnations: dict[str, str | None] = {}   # agent id -> from its newest fresh beat
        self._last_server_tick: float | None = None
        self._server_cursor = 0                          # where the next servers' ticks start
        self._job_ids = itertools.count()
        self._send = None
        self.tracker: pykka.ActorRef | None = None
        self.stats: Counter = Counter()
        self._newest_sent: dict[tuple, float] = {}   # heartbeat key -> newest sent_at taken
        self._latest = Coalescer()
        self._query_caches: dict[str, object] = {}      # fsid -> its ClusterActor's QueryCache
        self.peers = Peers(store=store, eventer=eventer, directory=directory, send_job=self.send_job,
                           cluster_ref=self.cluster_ref, publish_cluster=self.publish_cluster,
                           share_queries=self.share_queries)

    def attach_tracker(self, tracker: pykka.ActorRef) -> None:
        """The request tracker needs the peers and they need it: it joins after construction."""
        self.tracker = tracker
        self.peers = replace(self.peers, tracker=tracker)

    def attach_bus(self, send) -> None:
        """send(agent_id, body): BusServer.send, thread-safe."""
        self._send = send

    # --- restore ------------------------------------------------------------------------
    def restore(self, clusters, managed_servers) -> None:
        """clusters: StoredCluster list; managed_servers: (ServerRecord, late) pairs."""
        for stored in clusters:
            ref = self._cluster(stored.fsid, stored.name, self.clock(), announce=False)
            ref.tell(Restored(stored))
        for record, late in managed_servers:
            with self._lock:
                self._servers[record.fqdn] = ServerActor.start(record.fqdn, self.peers, self.timings,
                                                               self.clock(), restored=record, late=late)

    # --- bus thread -----------------------------------------------------------------------
    def on_message(self, agent_id: str, envelope: Envelope) -> None:
        """agent_id: the minion whose accepted key signed the message (the bus's gate checked it)."""
        body = envelope.body
        now = self.clock()
        if isinstance(body, ServerHeartbeat):
            if body.fqdn != agent_id:
                self._drop("server heartbeat for another host", agent_id)
                return
            if self._fresh(("server", agent_id), envelope.sent_at):
                self._note_incarnation(agent_id, body.incarnation, now)
                self._tell_latest(self._server(agent_id), ("server", agent_id),
                                  ServerHeartbeatReceived(body, now))
        elif isinstance(body, ClusterHeartbeat):
            key = ("cluster", agent_id, body.fsid)
            if self._fresh(key, envelope.sent_at):
                self._tell_latest(self._cluster(body.fsid, body.name, now), key,
                                  ClusterHeartbeatReceived(agent_id, body, now))
        elif isinstance(body, JobResult):
            self._job_result(agent_id, body, now)
        else:
            self._drop(f"unexpected {envelope.kind}", agent_id)
        self.stats["dispatched"] += 1

    def _fresh(self, key: tuple, sent_at: float) -> bool:
        """False for a heartbeat sent before one already taken from the same agent (delayed on
        the network): it must not roll state back. A jump back of more than STALE_WINDOW_S is
        the agent's clock being stepped, and is accepted (else it would be muted until then)."""
        with self._lock:
            newest = self._newest_sent.get(key)
            if newest is not None and newest - STALE_WINDOW_S < sent_at < newest:
                self.stats["heartbeats_stale"] += 1
                return False
            self._newest_sent[key] = sent_at
            return True

    def _tell_latest(self, ref: pykka.ActorRef, key: tuple, message) -> None:
        latest = self._latest.offer(key, message)
        if latest is not None:
            try:
                ref.tell(latest)
            except pykka.ActorDeadError:   # stopped meanwhile (forgotten): the next one restarts it
                self._latest.discard(lambda k: k == key)

    def counters(self) -> dict:
        """Heartbeats dropped as older than one already taken, and replaced while queued."""
        with self._lock:
            stale = self.stats["heartbeats_stale"]
        return {"heartbeats_stale": stale, "heartbeats_coalesced": self._latest.coalesced}

    def _drop(self, why: str, agent_id: str) -> None:
        self.stats["dropped"] += 1
        log.warning("dropped message from %s: %s", agent_id, why)

    def _server(self, fqdn: str) -> pykka.ActorRef:
        with self._lock:
            ref = self._servers.get(fqdn)
            if ref is None or not ref.is_alive():
                ref = self._servers[fqdn] = ServerActor.start(fqdn, self.peers, self.timings, self.clock())
            return ref

    def _cluster(self, fsid: str, name: str, now: float, announce: bool = True) -> pykka.ActorRef:
        with self._lock:
            ref = self._clusters.get(fsid)
            if ref is not None and ref.is_alive():
                return ref
            ref = self._clusters[fsid] = ClusterActor.start(fsid, name, self.peers, self.timings, now)
        if announce:
            log.info("cluster %s (%s) discovered", fsid, name)
            self.eventer.tell(EmitEvents((Event(now, INFO, f"Cluster '{name}' discovered (fsid {fsid})",
                                                fsid=fsid),)))
        return ref

    # --- jobs ---------------------------------------------------------------------------
    def send_job(self, agent_id: str, function: str, args: dict, reply_to: pykka.ActorRef | Future,
                 timeout_s: float) -> str:
        job_id = f"{uuid.uuid4().hex[:12]}-{next(self._job_ids)}"
        deadline = self.clock() + timeout_s
        # Stamped and registered under the lock that _note_incarnation takes: a job is either
        # addressed to the new run, or pending when the old run's jobs are failed.
        with self._lock:
            incarnation = self._incarnations.get(agent_id)
            self._jobs[job_id] = PendingJob(reply_to, agent_id, function, dict(args), deadline, incarnation)
        if self._send is None:
            raise RuntimeError("no bus attached")
        self._send(agent_id, Job(job_id=job_id, function=function, args=dict(args), deadline=deadline,
                                 incarnation=incarnation))
        return job_id

    def _note_incarnation(self, agent_id: str, incarnation: str | None, now: float) -> None:
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
            self._deliver(job, _restarted_result(jid, agent_id), now)

    def _job_result(self, agent_id: str, result: JobResult, now: float) -> None:
        with self._lock:
            pending = self._jobs.get(result.job_id)
            if pending is not None and pending.agent_id == agent_id:
                del self._jobs[result.job_id]
            else:
                pending = None
        if pending is None:
            self._drop(f"result of unknown job {result.job_id}", agent_id)
            return
        self._deliver(pending, result, now)

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

    def _expire_now(self, job_id: str) -> None:
        with self._lock:
            job = self._jobs.pop(job_id, None)
        if job is not None:
            self._deliver(job, _timeout_result(job_id, job.agent_id), self.clock())

    def _deliver(self, pending: PendingJob, result: JobResult, now: float) -> None:
        if isinstance(pending.reply_to, Future):
            if not pending.reply_to.done():
                pending.reply_to.set_result(result)
            return
        try:
            pending.reply_to.tell(JobCompleted(pending.agent_id, result, pending.function, pending.args, now))
        except pykka.ActorDeadError:
            log.info("job %s finished after its requester stopped", result.job_id)

    def _expire_jobs(self, now: float) -> None:
        with self._lock:
            expired = {jid: job for jid, job in self._jobs.items() if job.deadline < now}
            for jid in expired:
                del self._jobs[jid]
        for jid, job in expired.items():
            log.warning("job %s (%s) on %s got no answer before its deadline", jid, job.function, job.agent_id)
            self._deliver(job, _timeout_result(jid, job.agent_id), now)

    # --- ticks and lookups ----------------------------------------------------------------------
    def tick(self, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        self._expire_jobs(now)
        with self._lock:
            refs = self._servers_due(now) + list(self._clusters.values())
        if self.tracker is not None:
            refs.append(self.tracker)
        for ref in refs:
            try:
                ref.tell(Tick(now))
            except pykka.ActorDeadError:
                pass

    def _servers_due(self, now: float) -> list[pykka.ActorRef]:
        """Under the lock: the ServerActors to tick now. A server's tick only checks whether it
        is late (after several heartbeat periods), so each gets one every half period, in turns:
        10,000 servers do not cost 10,000 messages every second."""
        refs = list(self._servers.values())
        if not refs:
            return []
        period = self.timings.heartbeat_s / 2
        elapsed = period if self._last_server_tick is None else now - self._last_server_tick
        self._last_server_tick = now
        count = min(len(refs), math.ceil(len(refs) * max(0.0, elapsed) / period))
        start = self._server_cursor % len(refs)
        self._server_cursor = start + count
        return (refs[start:] + refs[:start])[:count]

    def cluster_ref(self, fsid: str) -> pykka.ActorRef | None:
        with self._lock:
            return self._clusters.get(fsid)

    def server_ref(self, fqdn: str) -> pykka.ActorRef | None:
        with self._lock:
            return self._servers.get(fqdn)

    def publish_cluster(self, fsid: str, summary: dict | None) -> None:
        with self._lock:
            if summary is None:
                self._summaries.pop(fsid, None)
            elif fsid in self._clusters:
                self._summaries[fsid] = summary

    def cluster_summaries(self) -> list[dict]:
        with self._lock:
            return [self._summaries[fsid] for fsid in sorted(self._summaries)]

    def share_queries(self, fsid: str, cache) -> None:
        # No lock: ClusterActors are built (and call this) while _cluster() holds it; one dict
        # item set or get is atomic.
        self._query_caches[fsid] = cache

    def query_cache(self, fsid: str):
        """The cluster's QueryCache (actors/cluster/queries.py), or None."""
        return self._query_caches.get(fsid)

    def forget_cluster(self, fsid: str) -> bool:
        with self._lock:
            ref = self._clusters.pop(fsid, None)
            self._summaries.pop(fsid, None)
            self._query_caches.pop(fsid, None)
        self._latest.discard(lambda key: key[0] == "cluster" and key[2] == fsid)
        if ref is None:
            return False
        # The actor deletes its own rows: whatever it still persists was queued before that.
        ref.tell(Forget())
        self.directory.tell(ForgetCluster(fsid))
        return True

    def forget_server_actor(self, fqdn: str) -> None:
        with self._lock:
            ref = self._servers.pop(fqdn, None)
        self._latest.discard(lambda key: key == ("server", fqdn))
        if ref is not None:
            ref.stop(block=False)


def _timeout_result(job_id: str, agent_id: str) -> JobResult:
    return JobResult(job_id, False, None, {"type": "Timeout", "message": f"No answer from {agent_id}"})


def _restarted_result(job_id: str, agent_id: str) -> JobResult:
    # The old run may have applied the command before it went: we cannot say it did not.
    return JobResult(job_id, False, None, {
        "type": "AgentRestarted",
        "message": f"The agent on server {agent_id} restarted while the command was running; "
                   f"check the cluster to see whether it was applied"})
