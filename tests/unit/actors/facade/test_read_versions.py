"""Version tags of cluster reads (Reads.cluster_etag over a QueryCache, the ETags of conditional
GETs): the same tag always goes with the same answer, whatever moved in between (maps, where
services run, heartbeat stats, per-OSD stats, the summary); a tag moves only when its answer's
inputs moved; and a reader on another thread, taking the tag before the answer, never gets a
tag newer than its answer, however an invalidation interleaves."""
from __future__ import annotations

import json
from collections import defaultdict
from concurrent.futures import Future

import pytest

from actors.cluster.queries import (
    QUERIES, UNVERSIONED_QUERIES, ClusterInputs, JsonPage, Query, QueryCache, summary)
from actors.cluster.stats import ClusterStats
from actors.facade.reads import Reads
from actors.messages import Service
from tests.unit import ceph_fixtures as fx
from tests.unit.actors.cluster.stats import stats_fixtures as sf

OTHER_FSID = "00000000-0000-0000-0000-00000000beef"


class FakeRef:
    """The cluster's actor: answers a ClusterQuery from its cache at once, as the actor would."""

    def __init__(self, cluster):
        self.cluster = cluster

    def tell(self, message) -> None:
        try:
            message.reply.set_result(self.cluster.cache.answer(message.query, message.params))
        except Exception as exc:  # noqa: BLE001 - a DomainError fails the Future, as in the actor
            message.reply.set_exception(exc)


class Cluster:
    """One cluster's inputs, moved by a test the way its ClusterActor moves them (each move
    followed by the invalidation the actor makes), a QueryCache over them and a Reads over that."""

    def __init__(self, cache_type=QueryCache):
        self.maps = {"osd_map": fx.osd_map(), "health": fx.health(), "mon_status": fx.mon_status(),
                     "quorum_status": fx.quorum_status(), "mon_map": fx.mon_map(), "config": fx.config()}
        self.quorum_age = 100
        self.services = self._placed(fx.osd_servers())
        self.stats = ClusterStats()
        self.summary = summary(fx.FSID, "ceph", 100.0)
        self.cache = cache_type(ClusterInputs(
            fx.FSID, sync_data=self.maps.get, services=lambda: self.services,
            summary=lambda: self.summary, stats=lambda: self.stats))
        self.cache.invalidate_services()   # the first services and stats arrive
        self.stats = sf.stats()
        self.cache.invalidate_stats()
        self.reads = Reads(self, None, None, None, None)

    def _placed(self, hosts: dict) -> tuple:
        mons = tuple((Service(fx.FSID, "mon", name, status={**fx.mon_status(name), "quorum_age": self.quorum_age}),
                      fx.fqdn(name)) for name in fx.MON_NAMES)
        return mons + tuple((Service(fx.FSID, "osd", str(osd_id)), fqdn) for osd_id, fqdn in hosts.items())

    # the Clusters the facade asks
    def query_cache(self, fsid):
        return self.cache if fsid == fx.FSID else None

    def cluster_summary(self, fsid):
        return self.summary if fsid == fx.FSID else None

    def cluster_ref(self, fsid):
        return FakeRef(self) if fsid == fx.FSID else None

    # moves
    def new_map(self, sync_type: str, data) -> None:
        self.maps[sync_type] = data
        self.cache.invalidate()

    def move_osd(self, osd_id: int, fqdn: str) -> None:
        self.services = self._placed({**fx.osd_servers(), osd_id: fqdn})
        self.cache.invalidate_services()

    def mons_report(self) -> None:
        """Each mon's host reports its mon_status again: a new quorum_age."""
        self.quorum_age += 1
        self.services = self._placed({osd_id: fqdn for (s, fqdn) in self.services if s.type == "osd"
                                      for osd_id in [int(s.id)]})
        self.cache.invalidate_services()

    def heartbeat_stats(self, taken_at: float, **parts) -> None:
        self.stats = self.stats.with_heartbeat(sf.heartbeat_stats(taken_at, **parts))
        self.cache.invalidate_stats()

    def osd_stats(self, taken_at: float, used: dict) -> None:
        nodes = [sf.osd_df_node(osd_id, used_bytes) for osd_id, used_bytes in used.items()]
        self.stats = self.stats.with_osd_stats({"fsid": fx.FSID, "taken_at": taken_at,
                                                "osd_df": sf.osd_df(nodes), "osd_perf": sf.osd_perf()})
        self.cache.invalidate_stats()

    def heartbeat(self, update_time: float) -> None:
        self.summary = summary(fx.FSID, "ceph", update_time)   # republished, nothing invalidated

    # reads, as the web tier makes them: the tag first, then the answer
    def tag(self, query: Query, **params) -> str | None:
        return self.reads.cluster_etag(fx.FSID, query, **params)

    def read(self, query: Query, **params) -> tuple[str | None, bytes]:
        tag = self.tag(query, **params)
        return tag, encoded(self.reads.cluster_query(fx.FSID, query, **params).result(timeout=1))


def encoded(answer) -> bytes:
    if isinstance(answer, JsonPage):
        return b"%d:%s" % (answer.count, answer.results)
    return bytes(answer) if isinstance(answer, bytes) else json.dumps(answer).encode()


# Every read of the cache (test_every_query_is_read_here holds new ones to this list).
READS = [(Query.OSDS, {}), (Query.OSDS, {"pool": 2}), (Query.OSDS, {"ids": [3, 1]}),
         (Query.OSDS_PAGE, {"offset": 0, "limit": 2}), (Query.OSDS_PAGE, {"offset": 2, "limit": 2}),
         (Query.OSD, {"osd_id": 3}), (Query.POOLS, {}), (Query.POOLS_PAGE, {"offset": 1, "limit": 1}),
         (Query.POOL, {"pool_id": 1}), (Query.POOL_DEFAULTS, {}), (Query.OSD_IMPLEMENTED_COMMANDS, {}),
         (Query.OSD_COMMANDS, {"osd_id": 3}), (Query.OSD_COMMAND, {"osd_id": 3, "command": "scrub"}),
         (Query.OSD_CONFIG, {}), (Query.CRUSH_MAP, {}), (Query.CRUSH_NODES, {}),
         (Query.CRUSH_NODE, {"node_id": -1}), (Query.CRUSH_RULES, {}), (Query.CRUSH_RULE, {"rule_id": 0}),
         (Query.CRUSH_RULE_SETS, {}), (Query.CRUSH_TYPES, {}), (Query.CRUSH_TYPE, {"type_id": 1}),
         (Query.MONS, {}), (Query.MON, {"name": "node1"}), (Query.MON_STATUS, {"name": "node2"}),
         (Query.CONFIG, {}), (Query.CONFIG_KEY, {"key": "fsid"}), (Query.HEALTH, {}), (Query.CLUSTER, {}),
         (Query.SYNC_TYPES, {}), (Query.SYNC_OBJECT, {"sync_type": "osd_map"}), (Query.USAGE, {}),
         (Query.IO, {}), (Query.OSD_USAGE, {}), (Query.OSD_USAGE, {"host": "node1"}),
         (Query.OSD_USAGE_PAGE, {"offset": 0, "limit": 3, "host": None, "utilization_gte": None})]

MOVES = [lambda c: c.heartbeat(101.0),
         lambda c: c.heartbeat_stats(sf.TAKEN_AT + 10, pgmap=sf.pgmap(read_bytes_sec=7)),
         lambda c: c.new_map("osd_map", fx.osd_map(epoch=43, out=(3,))),
         lambda c: c.osd_stats(sf.TAKEN_AT + 20, {**sf.OSD_USED, 0: 90 * sf.GIB}),
         lambda c: c.move_osd(3, "elsewhere.example.com"),
         lambda c: c.mons_report(),
         lambda c: c.new_map("health", fx.health("HEALTH_WARN")),
         lambda c: c.heartbeat_stats(sf.TAKEN_AT + 30),
         lambda c: c.heartbeat(102.0),
         lambda c: c.new_map("osd_map", fx.osd_map(epoch=44)),
         lambda c: c.mons_report(),
         lambda c: c.move_osd(3, fx.osd_servers()[3])]


def test_every_query_is_read_here():
    assert {query for query, _ in READS} == set(QUERIES)


def test_the_same_tag_always_goes_with_the_same_answer():
    cluster = Cluster()
    seen: dict[str, bytes] = {}
    answers = defaultdict(set)
    for step in [None, *MOVES]:
        if step is not None:
            step(cluster)
        for query, params in READS:
            for _ in range(2):   # computed by the actor, then read from the published answers
                tag, answer = cluster.read(query, **params)
                assert tag is not None, query
                assert seen.setdefault(tag, answer) == answer, (query, params)
                answers[query, repr(params)].add(answer)
    # ... and the moves did move the answers (else the test proves nothing)
    moved = {query for (query, _), distinct in answers.items() if len(distinct) > 1}
    assert {Query.OSDS, Query.OSD, Query.HEALTH, Query.CLUSTER, Query.USAGE, Query.IO, Query.MON_STATUS, Query.OSD_USAGE, Query.OSD_USAGE_PAGE, Query.SYNC_OBJECT} <= moved


def test_what_the_cache_keeps_across_moves_is_what_a_fresh_cache_computes():
    """The partial invalidations (services, stats) keep answers: only those still current."""
    cluster = Cluster()
    for step in [None, *MOVES]:
        if step is not None:
            step(cluster)
        fresh = QueryCache(cluster.cache.inputs)
        for query, params in READS:
            if query in UNVERSIONED_QUERIES:   # (the cache's `cluster` waits for a map version)
                continue
            cluster.read(query, **params)   # kept now, or already kept before the move
            assert encoded(cluster.cache.answer(query, params)) == encoded(fresh.answer(query, params)), \
                (query, params)


def test_tags_move_only_with_what_their_answer_is_derived_from():
    cluster = Cluster()
    reads = {name: (query, params) for name, query, params in (
        ("osds", Query.OSDS, {}), ("usage", Query.USAGE, {}), ("io", Query.IO, {}),
        ("osd_usage", Query.OSD_USAGE, {}), ("health", Query.HEALTH, {}), ("cluster", Query.CLUSTER, {}),
        ("pools", Query.POOLS, {}), ("mons", Query.MONS, {}), ("mon_status", Query.MON_STATUS, {"name": "node1"}))}

    def tags():
        return {name: cluster.tag(query, **params) for name, (query, params) in reads.items()}

    def moved_by(move) -> set[str]:
        before = tags()
        move()
        after = tags()
        return {name for name in reads if before[name] != after[name]}

    assert moved_by(lambda: None) == set()
    assert moved_by(lambda: cluster.heartbeat(101.0)) == {"health", "cluster"}
    assert moved_by(lambda: cluster.heartbeat_stats(sf.TAKEN_AT + 10)) == {"usage", "io"}
    assert moved_by(lambda: cluster.osd_stats(sf.TAKEN_AT + 20, sf.OSD_USED)) == {"usage", "io", "osd_usage"}
    assert moved_by(lambda: cluster.new_map("osd_map", fx.osd_map(epoch=43))) == \
        {"osds", "usage", "io", "osd_usage", "health", "pools", "mons", "mon_status"}
    assert moved_by(lambda: cluster.move_osd(0, "elsewhere.example.com")) == {"osds"}
    assert moved_by(cluster.mons_report) == {"mons", "mon_status"}   # every heartbeat of a mon host
    assert moved_by(lambda: cluster.move_osd(0, "elsewhere.example.com")) == set()   # no news


def test_parameters_and_pages_give_their_own_tags():
    cluster = Cluster()
    tags = [cluster.tag(Query.OSDS), cluster.tag(Query.OSDS, pool=1), cluster.tag(Query.OSDS, ids=[1, 2]),
            cluster.tag(Query.OSDS_PAGE, offset=0, limit=2), cluster.tag(Query.OSDS_PAGE, offset=2, limit=2),
            cluster.tag(Query.POOLS), cluster.tag(Query.OSD, osd_id=1), cluster.tag(Query.OSD, osd_id=2),
            cluster.tag(Query.OSD_USAGE, host="node1"), cluster.tag(Query.OSD_USAGE, utilization_gte=50.0)]
    assert len(set(tags)) == len(tags) and None not in tags
    # an id set is one read whatever its order and repeats, as the cache keys it
    assert cluster.tag(Query.OSDS, ids=[2, 1, 2]) == cluster.tag(Query.OSDS, ids=[1, 2])


def test_no_tag_where_the_answer_is_not_versioned():
    cluster = Cluster()
    assert cluster.tag(Query.SERVERS) is None and cluster.tag(Query.SERVER, fqdn="x") is None
    assert cluster.reads.cluster_etag(OTHER_FSID, Query.OSDS) is None           # unknown cluster
    assert cluster.cache.version_tag(Query.CLUSTER, {}) is None                  # heartbeats move it
    assert cluster.cache.version_tag(Query.OSDS, {"ids": object()}) is None      # refused by the actor
    cluster.summary = None
    assert cluster.tag(Query.CLUSTER) is None


def test_a_new_cache_shares_no_tag_with_an_old_one():
    """A restarted daemon (or a cluster found again) starts its counters alike."""
    assert Cluster().tag(Query.OSDS) != Cluster().tag(Query.OSDS)


class Interleaving(QueryCache):
    """Runs a reader on "another thread" at each write of `published` or `stamp`, before and
    after it: exactly where a thread switch could put it."""
    reader = None

    def __setattr__(self, name, value):
        if name in ("published", "stamp") and self.reader is not None:
            self.reader()
            super().__setattr__(name, value)
            self.reader()
        else:
            super().__setattr__(name, value)


@pytest.mark.parametrize("move", range(len(MOVES)))
def test_a_reader_racing_an_invalidation_never_gets_a_tag_newer_than_its_answer(move):
    cluster = Cluster(cache_type=Interleaving)
    for query, params in READS:
        cluster.read(query, **params)   # every answer published
    raced: list[tuple] = []

    def reader():
        for query, params in READS:
            tag = cluster.cache.version_tag(query, params)
            published = cluster.cache.published_answer(query, params)
            if tag is not None and published is not None:
                raced.append((query, params, tag, published))
    stamp = cluster.cache.stamp
    cluster.cache.reader = reader
    MOVES[move](cluster)
    cluster.cache.reader = None
    for query, params, tag, published in raced:
        if tag == cluster.cache.version_tag(query, params):   # the tag the raced reader took is
            # current: its answer must be the current one
            assert encoded(published) == encoded(cluster.cache.answer(query, params)), (query, params)
    assert raced or cluster.cache.stamp == stamp   # (a heartbeat moves the summary only: nothing to race)


def test_answers_on_the_actor_path_are_never_older_than_the_tag_taken_before():
    cluster = Cluster()
    tag = cluster.tag(Query.OSDS)
    cluster.new_map("osd_map", fx.osd_map(epoch=43, down=(0,)))   # arrives between tag and answer
    answer: Future = cluster.reads.cluster_query(fx.FSID, Query.OSDS)
    assert b'"up": false' in bytes(answer.result(timeout=1))       # the new map's answer ...
    assert cluster.tag(Query.OSDS) != tag                          # ... under an older tag: a 200 next time
