"""Dispatcher: the dispatch parts as the one thing the bus, the ticker and the facade call.

Its calls are the parts' own methods, bound at construction (no extra call on the heartbeat
path); forgetting a cluster or a server is its own, as it touches every part.
"""
from __future__ import annotations

import time
from dataclasses import replace

import pykka

from actors.context import Peers, Timings
from actors.dispatch.jobs import JobBook
from actors.dispatch.read_models import ReadModels
from actors.dispatch.registry import ActorRegistry
from actors.dispatch.router import Router
from actors.dispatch.ticks import Ticks
from actors.messages import Forget, ForgetCluster


class Dispatcher:
    def __init__(self, registry: ActorRegistry, jobs: JobBook, read_models: ReadModels, router: Router,
                 ticks: Ticks, directory: pykka.ActorRef, clock=time.time):
        """directory: the ServerDirectory, told when a cluster is forgotten."""
        self._registry, self._jobs, self._read_models = registry, jobs, read_models
        self._router, self._ticks, self._directory, self._clock = router, ticks, directory, clock
        # The bus thread (messages), the request and cluster actors (jobs), the facade (lookups,
        # read models, calls) and run.py/bench (counters) call the parts straight.
        self.on_message = router.on_message
        self.restore = router.restore
        self.counters = router.counters
        self.heartbeat_counts = router.heartbeat_counts
        self.stats = router.stats
        self._latest = router.latest   # bench/ingest.py reports its size
        self.send_job = jobs.send_job
        self.call = jobs.call
        self.cluster_ref = registry.cluster_ref
        self.server_ref = registry.server_ref
        self.cluster_summaries = read_models.cluster_summaries
        self.cluster_summary = read_models.cluster_summary
        self.query_cache = read_models.query_cache
        self.fleet_rows, self.server_contact = read_models.fleet_rows, read_models.server_contact
        self.contact_times = read_models.contact_times
        self.unsynced_count = read_models.unsynced_count

    def tick(self, now: float | None = None) -> None:
        self._ticks.tick(self._clock() if now is None else now)

    def forget_cluster(self, fsid: str) -> bool:
        ref = self._registry.pop_cluster(fsid)
        self._read_models.withdraw(fsid)
        self._router.forget_cluster(fsid)
        if ref is None:
            return False
        # The actor deletes its own rows: whatever it still persists was queued before that.
        ref.tell(Forget())
        self._directory.tell(ForgetCluster(fsid))
        return True

    def forget_server_actor(self, fqdn: str) -> None:
        ref = self._registry.pop_server(fqdn)
        self._router.forget_server(fqdn)
        if ref is not None:
            ref.stop(block=False)


def build_dispatcher(*, store, eventer, directory, timings: Timings, send=None, tracker=None,
                     clock=time.time) -> Dispatcher:
    """A Dispatcher and its parts. send(agent_id, body): the bus's (None: no bus yet). The
    actors it starts get the peers with `tracker`; the tracker itself, made before, gets
    base_peers(...) (it never tells itself through them)."""
    registry = ActorRegistry()
    read_models = ReadModels(registry)
    jobs = JobBook(send, clock)
    peers = replace(base_peers(store, eventer, directory, registry, read_models, jobs), tracker=tracker)
    return Dispatcher(registry, jobs, read_models, Router(registry, jobs, peers, timings, clock),
                      Ticks(registry, jobs, tracker, timings.heartbeat_s), directory, clock)


def base_peers(store, eventer, directory, registry: ActorRegistry, read_models: ReadModels,
               jobs: JobBook) -> Peers:
    """The peers the dispatch parts provide (jobs, cluster lookup, read models); no tracker."""
    return Peers(store=store, eventer=eventer, directory=directory, send_job=jobs.send_job,
                 cluster_ref=registry.cluster_ref, publish_cluster=read_models.publish_cluster,
                 share_queries=read_models.share_queries, publish_fleet_row=read_models.publish_fleet_row,
                 note_contact=read_models.note_contact, note_synced=read_models.note_synced)
