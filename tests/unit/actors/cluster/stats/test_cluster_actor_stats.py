"""ClusterActor with stats: heartbeats bring usage and rates without moving the maps, per-OSD
figures are asked for every few heartbeats and after the daemon's own changes, every new
stats generation is a history sample and forgets only the answers derived from stats."""
from __future__ import annotations

import json

import pytest

from actors.cluster.actor import ClusterActor
from actors.cluster.queries import Query
from actors.context import Peers, Timings
from actors.errors import Unavailable
from actors.events import WARNING
from actors.messages import ClusterHeartbeatReceived, ClusterQuery, EmitEvents, JobCompleted, Tick
from actors.notices import ClusterMoved, Notices, UsageMoved
from actors.requests.messages import VersionKnown
from actors.runtime.base import ask
from actors.storage.messages import RecordSample
from bus.protocol import ClusterHeartbeat, JobResult
from tests.unit import ceph_fixtures as fx
from tests.unit.actor_doubles import Recorder
from tests.unit.actors.cluster.stats import stats_fixtures as sf

TIMINGS = Timings(heartbeat_s=10.0, fetch_timeout_s=10.0, stats_fetch_every=3)


TOLD: list = []   # what the actor of the running test told its notices


@pytest.fixture
def world():
    sink = Recorder.start()
    jobs, rows = [], {}
    notices = Notices()
    TOLD.clear()
    notices.subscribe(TOLD.append)
    peers = Peers(store=sink, eventer=sink, directory=sink,
                  send_job=lambda agent, fn, args, reply_to, timeout: jobs.append((agent, fn, dict(args))) or "j",
                  cluster_ref=lambda fsid: None, publish_cluster={}.__setitem__,
                  publish_fleet_row=rows.__setitem__, notices=notices)
    actor = ClusterActor.start(fx.FSID, "ceph", peers, TIMINGS, 0.0)
    yield actor, sink, jobs, rows
    actor.stop()
    sink.stop()


def beat(actor, now, stats=None, **versions):
    actor.tell(ClusterHeartbeatReceived("mon-a", ClusterHeartbeat(fx.FSID, "ceph", versions or {"osd_map": 42},
                                                                  stats), now))


def answer_map(actor, now=1.0):
    result = JobResult("j", True, {"fsid": fx.FSID, "type": "osd_map", "version": 42, "data": sf.view().raw})
    actor.tell(JobCompleted("mon-a", result, "get_cluster_object", {"fsid": fx.FSID, "sync_type": "osd_map"}, now))


def answer_osd_stats(actor, taken_at=sf.TAKEN_AT, nodes=None):
    result = JobResult("j", True, {"fsid": fx.FSID, "taken_at": taken_at, "osd_df": sf.osd_df(nodes),
                                   "osd_perf": sf.osd_perf()})
    actor.tell(JobCompleted("mon-a", result, "get_cluster_stats", {"fsid": fx.FSID}, 2.0))


def query(actor, name: Query, **params):
    return json.loads(ask(actor, lambda r: ClusterQuery(name, params, r)).result(2))


def stats_jobs(jobs):
    return [j for j in jobs if j[1] == "get_cluster_stats"]


def test_usage_and_io_come_from_the_heartbeat_and_move_no_map_version(world):
    actor, sink, jobs, rows = world
    beat(actor, 1.0)
    answer_map(actor)
    with pytest.raises(Unavailable):
        ask(actor, lambda r: ClusterQuery(Query.USAGE, {}, r)).result(2)   # no stats yet: 503
    beat(actor, 2.0, sf.heartbeat_stats())
    usage = query(actor, Query.USAGE)
    assert usage["total_bytes"] == 600 * sf.GIB and [p["name"] for p in usage["pools"]] == ["rbd", "cephfs_data"]
    assert usage["update_time"].startswith("2026-")
    assert query(actor, Query.IO)["client"]["write_bytes_sec"] == 286409571
    assert [j[2]["sync_type"] for j in jobs if j[1] == "get_cluster_object"] == ["osd_map"]   # stats fetch no map
    assert rows[fx.FSID]["used_bytes"] == 120 * sf.GIB


def test_each_new_stats_generation_is_a_sample_and_a_fresh_answer(world):
    actor, sink, jobs, rows = world
    beat(actor, 1.0)
    answer_map(actor)
    beat(actor, 2.0, sf.heartbeat_stats(sf.TAKEN_AT))
    first = query(actor, Query.USAGE)["update_time"]
    busier = sf.pgmap(write_bytes_sec=9)
    beat(actor, 3.0, sf.heartbeat_stats(sf.TAKEN_AT + 10, pgmap=busier))
    assert query(actor, Query.IO)["client"]["write_bytes_sec"] == 9
    assert query(actor, Query.USAGE)["update_time"] > first
    beat(actor, 4.0, sf.heartbeat_stats(sf.TAKEN_AT + 5))   # a straggler older than what is held
    assert query(actor, Query.IO)["client"]["write_bytes_sec"] == 9
    samples = [m for m in sink.ask("dump") if isinstance(m, RecordSample)]
    # stamped when received (the daemon's clock), not when the agent read them
    assert [(s.t, s.values["write_bytes_sec"]) for s in samples] == [(2.0, 286409571), (3.0, 9)]


def test_map_moves_and_usage_moves_are_told_once_each(world):
    actor, sink, jobs, rows = world
    beat(actor, 1.0)
    answer_map(actor)
    beat(actor, 2.0, sf.heartbeat_stats(sf.TAKEN_AT))
    beat(actor, 3.0, sf.heartbeat_stats(sf.TAKEN_AT))            # the same stats: no news
    beat(actor, 4.0, sf.heartbeat_stats(sf.TAKEN_AT + 10, pgmap=sf.pgmap(write_bytes_sec=9)))
    actor.ask(Tick(5.0))
    assert TOLD[0] == ClusterMoved(fx.FSID, {"osd_map": 42}, None)
    usage = [n.usage for n in TOLD if isinstance(n, UsageMoved)]
    assert [u["client_io"]["write_bytes_sec"] for u in usage] == [286409571, 9]
    assert usage[0]["used_bytes"] == 120 * sf.GIB == rows[fx.FSID]["used_bytes"]
    assert len(TOLD) == 3


def test_osd_stats_are_asked_every_few_heartbeats_and_after_a_change_of_ours(world):
    actor, sink, jobs, rows = world
    beat(actor, 1.0)                       # an agent that sends no stats is never asked for them
    assert stats_jobs(jobs) == []
    for n in range(7):
        beat(actor, 20.0 + 20 * n, sf.heartbeat_stats(sf.TAKEN_AT + n))
        actor.ask(Tick(20.0 + 20 * n))
    assert len(stats_jobs(jobs)) == 3      # beats 1, 4, 7 (every 3rd), each older than the timeout
    actor.tell(VersionKnown("osd_map", 43, "mon-a", 200.0))
    actor.ask(Tick(200.0))
    assert len(stats_jobs(jobs)) == 4


def test_one_osd_stats_job_is_out_at_a_time_and_our_change_is_asked_for_after_it(world):
    actor, sink, jobs, rows = world
    beat(actor, 1.0, sf.heartbeat_stats())
    actor.tell(VersionKnown("osd_map", 43, "mon-a", 2.0))   # unanswered, within the timeout
    actor.ask(Tick(2.0))
    assert len(stats_jobs(jobs)) == 1
    answer_osd_stats(actor)       # it may have read the OSDs before our change: once more
    actor.ask(Tick(3.0))
    assert len(stats_jobs(jobs)) == 2
    answer_osd_stats(actor, sf.TAKEN_AT + 1)
    actor.ask(Tick(4.0))
    assert len(stats_jobs(jobs)) == 2


def test_osd_usage_comes_with_the_osd_stats_and_map_answers_stay_cached(world):
    actor, sink, jobs, rows = world
    beat(actor, 1.0, sf.heartbeat_stats())
    answer_map(actor)
    pools = query(actor, Query.POOLS)
    cache = actor.proxy().queries.get()
    kept_before = set(cache.published)
    with pytest.raises(Unavailable):
        ask(actor, lambda r: ClusterQuery(Query.OSD_USAGE, {}, r)).result(2)
    answer_osd_stats(actor)
    rows_now = query(actor, Query.OSD_USAGE)
    assert [r["id"] for r in rows_now] == list(range(6)) and rows_now[0]["host"] == "node1"
    assert [r["id"] for r in query(actor, Query.OSD_USAGE, host="node3")] == [4, 5]
    beat(actor, 3.0, sf.heartbeat_stats(sf.TAKEN_AT + 10))
    assert kept_before <= set(cache.published)            # the map-only answers survived new stats
    assert query(actor, Query.POOLS) == pools
    answer_osd_stats(actor, sf.TAKEN_AT + 20, nodes=[sf.osd_df_node(0, 99 * sf.GIB)])
    assert [r["id"] for r in query(actor, Query.OSD_USAGE)] == [0]


def test_a_pool_crossing_its_quota_thresholds_is_told_once(world):
    actor, sink, jobs, rows = world
    beat(actor, 1.0)
    answer_map(actor)

    def quota_use(stored, t):
        pools = [sf.df_pool(2, "cephfs_data", stored, 10, size=2, max_avail=180 * sf.GIB,
                            quota_bytes=sf.GIB, quota_objects=1000)]
        beat(actor, t, sf.heartbeat_stats(sf.TAKEN_AT + t, df=sf.df(pools)))
    quota_use(sf.GIB // 2, 2.0)
    quota_use(int(sf.GIB * 0.8), 3.0)
    quota_use(int(sf.GIB * 0.81), 4.0)
    actor.ask(Tick(5.0))   # every beat handled, so every event told
    events = [e for m in sink.ask("dump") if isinstance(m, EmitEvents) for e in m.events]
    assert [(e.severity, e.message) for e in events] == [
        (WARNING, "Pool 'cephfs_data' of cluster 'ceph' is 79% of its quota")]
