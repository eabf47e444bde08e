"""Routes decoded bus messages to the actor that owns their subject.

It runs on the bus thread and only ever `tell`s: server heartbeats to the server's ServerActor,
cluster heartbeats to the cluster's ClusterActor (each started on first sight), job results to
the job book. Heartbeats are latest-wins per agent (a queued one is replaced, actors/runtime/
coalesce.py) and one sent before one already taken from the same agent is dropped.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import Counter

import pykka

from actors.cluster.actor import ClusterActor
from actors.context import Peers, Timings
from actors.dispatch.jobs import JobBook
from actors.dispatch.registry import ActorRegistry
from actors.events import INFO, Event
from actors.messages import ClusterHeartbeatReceived, EmitEvents, Restored, ServerHeartbeatReceived
from actors.runtime.coalesce import Coalescer
from actors.servers.actor import ServerActor
from bus.protocol import ClusterHeartbeat, Envelope, JobResult, ServerHeartbeat

log = logging.getLogger(__name__)
STALE_WINDOW_S = 3600.0


class Router:
    def __init__(self, registry: ActorRegistry, jobs: JobBook, peers: Peers, timings: Timings,
                 clock=time.time):
        """peers: what the actors it starts are handed (with the tracker and the directory)."""
        self._registry = registry
        self._jobs = jobs
        self._peers = peers
        self._timings = timings
        self._clock = clock
        self._lock = threading.Lock()                 # guards _newest_sent and the stale count
        self._newest_sent: dict[tuple, float] = {}    # heartbeat key -> newest sent_at taken
        self.stats: Counter = Counter()
        self.latest = Coalescer()
        # Bound once: no closure or bound method made per heartbeat.
        self._start_server = self._new_server
        self._start_cluster = self._new_cluster

    # --- restore ------------------------------------------------------------------------
    def restore(self, clusters, managed_servers) -> None:
        """clusters: StoredCluster list; managed_servers: (ServerRecord, late) pairs."""
        for stored in clusters:
            self._cluster(stored.fsid, stored.name, self._clock(), announce=False).tell(Restored(stored))
        for record, late in managed_servers:
            self._registry.put_server(record.fqdn, ServerActor.start(
                record.fqdn, self._peers, self._timings, self._clock(), restored=record, late=late))

    # --- bus thread -----------------------------------------------------------------------
    def on_message(self, agent_id: str, envelope: Envelope) -> None:
        """agent_id: the minion whose accepted key signed the message (the bus's gate checked it)."""
        body = envelope.body
        now = self._clock()
        if isinstance(body, ServerHeartbeat):
            self.stats["heartbeats"] += 1
            if body.fqdn != agent_id:
                self._drop("server heartbeat for another host", agent_id)
                return
            if self._fresh(("server", agent_id), envelope.sent_at):
                self._jobs.note_incarnation(agent_id, body.incarnation, now)
                self._tell_latest(self._registry.server(agent_id, self._start_server), ("server", agent_id),
                                  ServerHeartbeatReceived(body, now))
        elif isinstance(body, ClusterHeartbeat):
            self.stats["heartbeats"] += 1
            key = ("cluster", agent_id, body.fsid)
            if self._fresh(key, envelope.sent_at):
                self._tell_latest(self._cluster(body.fsid, body.name, now), key,
                                  ClusterHeartbeatReceived(agent_id, body, now))
        elif isinstance(body, JobResult):
            if not self._jobs.complete(agent_id, body, now):
                self._drop(f"result of unknown job {body.job_id}", agent_id)
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
        latest = self.latest.offer(key, message)
        if latest is not None:
            try:
                ref.tell(latest)
            except pykka.ActorDeadError:   # stopped meanwhile (forgotten): the next one restarts it
                self.latest.discard(lambda k: k == key)

    def counters(self) -> dict:
        """Heartbeats dropped as older than one already taken, and replaced while queued."""
        with self._lock:
            stale = self.stats["heartbeats_stale"]
        return {"heartbeats_stale": stale, "heartbeats_coalesced": self.latest.coalesced}

    def heartbeat_counts(self) -> dict:
        """For the metrics: heartbeats received (server and cluster ones), taken by their actor
        (applied), replaced while queued (coalesced) and dropped as stale."""
        return {**self.counters(), "heartbeats_received": self.stats["heartbeats"],
                "heartbeats_applied": self.latest.taken}

    def _drop(self, why: str, agent_id: str) -> None:
        self.stats["dropped"] += 1
        log.warning("dropped message from %s: %s", agent_id, why)

    # --- actors on first sight ----------------------------------------------------------------
    def _new_server(self, fqdn: str) -> pykka.ActorRef:
        return ServerActor.start(fqdn, self._peers, self._timings, self._clock())

    def _new_cluster(self, fsid: str, name: str, now: float) -> pykka.ActorRef:
        return ClusterActor.start(fsid, name, self._peers, self._timings, now)

    def _cluster(self, fsid: str, name: str, now: float, announce: bool = True) -> pykka.ActorRef:
        ref, started = self._registry.cluster(fsid, self._start_cluster, name, now)
        if started and announce:
            log.info("cluster %s (%s) discovered", fsid, name)
            self._peers.eventer.tell(EmitEvents((Event(now, INFO, f"Cluster '{name}' discovered (fsid {fsid})",
                                                       fsid=fsid),)))
        return ref

    # --- forgetting ---------------------------------------------------------------------------
    def forget_cluster(self, fsid: str) -> None:
        """Drop the cluster's queued heartbeats (the registry has forgotten its actor)."""
        self.latest.discard(lambda key: key[0] == "cluster" and key[2] == fsid)

    def forget_server(self, fqdn: str) -> None:
        self.latest.discard(lambda key: key == ("server", fqdn))
