"""The facade's reads: clusters (from the shared read models when they can), servers (the
directory), events (the event reader), requests (the tracker) and users (the store)."""
from __future__ import annotations

import json
import time
from concurrent.futures import Future

import pykka

from actors.accounts.roles import public_user
from actors.cluster.queries import DIRECTORY_QUERIES, Query
from actors.cluster.views.samples import series_problem
from actors.errors import Invalid, NotFound
from actors.facade.accounts import valid_user_id
from actors.facade.base import Clusters, durable, with_cluster
from actors.json_bytes import JsonBytes
from actors.messages import (ClusterQuery, GetClusterServer, GetServer, GetServerGrains,
                             ListClusterServers, ListServers, ListServersPage)
from actors.requests.messages import GetRequest, ListChanges, ListRequests, RequestFilter
from actors.runtime.base import ask
from actors.runtime.futures import done, failed, then
from actors.storage.messages import GetUser, ListEvents, ListUsers, ReadHistory

DEFAULT_HISTORY_S = 3600.0   # `history` without `from`: the hour before `to`


class Reads:
    def __init__(self, clusters: Clusters, directory: pykka.ActorRef, store: pykka.ActorRef,
                 events: pykka.ActorRef, tracker: pykka.ActorRef, *, history: pykka.ActorRef | None = None,
                 heartbeat_s: float = 10.0, clock=time.time):
        """events: the EventReader (actors/storage/event_reader.py), or the store itself;
        history: another EventReader for the time series (a 30-day read takes ~50 ms: not in
        front of an event page), None: `events`; heartbeat_s: the raw history's step."""
        self._history = events if history is None else history
        self._heartbeat_s = heartbeat_s
        self._clock = clock
        self._clusters = clusters
        self._directory = directory
        self._store = store
        self._events = events
        self._tracker = tracker

    # --- clusters ---------------------------------------------------------------------------
    def list_clusters(self) -> Future:
        return done(self._clusters.cluster_summaries())

    def cluster_query(self, fsid: str, query: Query, /, **params) -> Future:
        if query in DIRECTORY_QUERIES:   # the directory knows where a cluster's services run
            if query == Query.SERVERS:
                message = lambda r: ListClusterServers(fsid, r)   # noqa: E731
            else:
                message = lambda r: GetClusterServer(fsid, params["fqdn"], r)   # noqa: E731
            return with_cluster(self._clusters, fsid, lambda _: ask(self._directory, message))
        if query == Query.CLUSTER:
            # The list's own entry, republished on every heartbeat of the favourite mon host: a
            # copy cached per map version would keep an old update_time until the maps move.
            summary = self._clusters.cluster_summary(fsid)
            if summary is not None:
                return done(summary)
        answer = self._cached_or_asked(fsid, query, params)
        if query == Query.HEALTH:
            return then(answer, lambda body: _as_of(body, self._clusters.cluster_summary(fsid)))
        return answer

    def cluster_etag(self, fsid: str, query: Query, /, **params) -> str | None:
        """Thread-safe, computing nothing: an opaque tag of what `cluster_query` would answer
        now; the same tag, the same answer. Take it before asking for the answer: it is then
        never newer than that answer (see QueryCache.version_tag). None: not versioned (the
        directory's reads, an unknown cluster, ...): compare such answers by their content."""
        if query in DIRECTORY_QUERIES:   # where services run, held by the directory: unversioned
            return None
        if query == Query.CLUSTER:       # the published summary itself: a tag of its content
            summary = self._clusters.cluster_summary(fsid)
            return None if summary is None else "cluster:" + json.dumps(summary)
        cache = self._clusters.query_cache(fsid)
        tag = None if cache is None else cache.version_tag(query, params)
        if tag is None or query != Query.HEALTH:
            return tag
        return f"{tag}@{_update_time(self._clusters.cluster_summary(fsid))}"   # as _as_of adds it

    def cluster_history(self, fsid: str, series: list[str], from_t: float | None,
                        to_t: float | None) -> Future:
        """{"step_s", "series": {name: [[time, value], ...]}}; 400 naming an unknown series."""
        problems = [problem for problem in map(series_problem, series) if problem]
        if problems:
            return failed(Invalid(f"Invalid series: {problems[0]}", {"series": problems}))
        now = self._clock()
        to_t = now if to_t is None else to_t
        from_t = to_t - DEFAULT_HISTORY_S if from_t is None else from_t
        return with_cluster(self._clusters, fsid, lambda _: ask(self._history, lambda r: ReadHistory(
            fsid, tuple(series), from_t, to_t, now, self._heartbeat_s, r)))

    def _cached_or_asked(self, fsid: str, query: Query, params: dict) -> Future:
        cache = self._clusters.query_cache(fsid)
        answer = cache.published_answer(query, params) if cache is not None else None
        if answer is not None:   # kept for the current map version: no trip through the actor
            return done(answer)
        return with_cluster(self._clusters, fsid, lambda ref: ask(ref, lambda r: ClusterQuery(query, params, r)))

    # --- servers ------------------------------------------------------------------------------
    def list_servers(self) -> Future:
        return ask(self._directory, ListServers)

    def list_servers_page(self, offset: int, limit: int) -> Future:
        """(count, JsonBytes of that slice of the servers by FQDN)."""
        return ask(self._directory, lambda r: ListServersPage(offset, limit, r))

    def get_server(self, fqdn: str) -> Future:
        return ask(self._directory, lambda r: GetServer(fqdn, r))

    def get_server_grains(self, fqdn: str) -> Future:
        return ask(self._directory, lambda r: GetServerGrains(fqdn, r))

    # --- events and requests --------------------------------------------------------------------
    def list_events(self, *, fsid, fqdn, max_severity, offset, limit) -> Future:
        page = lambda _=None: ask(self._events, lambda r: ListEvents(fsid, fqdn, max_severity, offset, limit, r))  # noqa: E731
        if fsid is not None:
            return with_cluster(self._clusters, fsid, page)
        if fqdn is not None:
            return then(self.get_server(fqdn), page)   # NotFound for an unknown server
        return page()

    def list_requests(self, *, fsid, state, offset, limit, where: RequestFilter = RequestFilter()) -> Future:
        page = lambda _=None: durable(self._store, ask(self._tracker, lambda r: ListRequests(fsid, state, offset, limit, r, where)))  # noqa: E731
        return page() if fsid is None else with_cluster(self._clusters, fsid, page)

    def list_changes(self, fsid: str, offset: int, limit: int) -> Future:
        return with_cluster(self._clusters, fsid, lambda _: durable(self._store, ask(
            self._tracker, lambda r: ListChanges(fsid, offset, limit, r))))

    def get_request(self, request_id: str) -> Future:
        return durable(self._store, ask(self._tracker, lambda r: GetRequest(request_id, r)))

    # --- users ----------------------------------------------------------------------------------------
    def list_users(self) -> Future:
        return then(ask(self._store, ListUsers), lambda users: [public_user(u) for u in users])

    def get_user(self, user_id: int) -> Future:
        if not valid_user_id(user_id):
            return failed(NotFound.of("user", user_id))

        def found(user):
            if user is None:
                raise NotFound.of("user", user_id)
            return public_user(user)
        return then(ask(self._store, lambda r: GetUser(user_id, r)), found)


def _as_of(body: JsonBytes, summary: dict | None) -> JsonBytes:
    """The health answer (kept per health version) with the time of the favourite mon host's
    latest heartbeat: each one that carries the same health digest confirms it is still current."""
    return JsonBytes(body[:-1] + b', "update_time": ' + json.dumps(_update_time(summary)).encode() + b"}")


def _update_time(summary: dict | None) -> str | None:
    return None if summary is None else summary.get("update_time")
