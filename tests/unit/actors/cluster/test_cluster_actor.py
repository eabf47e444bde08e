"""ClusterActor: favourite mon, version-driven fetches, map acceptance, lateness, reads."""
from __future__ import annotations

import json

import pytest

from actors.runtime.base import ask
from actors.context import Peers, Timings
from actors.errors import Unavailable
from actors.events import RECOVERY, WARNING
from actors.cluster.actor import ClusterActor
from actors.cluster.queries import Query
from actors.messages import (ClusterHeartbeatReceived, ClusterMembership, ClusterQuery, EmitEvents,
                             JobCompleted, Tick)
from actors.storage.messages import SaveSyncObject
from bus.protocol import ClusterHeartbeat, JobResult
from tests.helpers import wait_until
from tests.unit import ceph_fixtures as fx
from tests.unit.actor_doubles import Recorder

TIMINGS = Timings(heartbeat_s=10.0, fetch_timeout_s=10.0)


@pytest.fixture
def world():
    sink = Recorder.start()
    jobs, published = [], {}
    peers = Peers(store=sink, eventer=sink, directory=sink,
                  send_job=lambda agent, fn, args, reply_to, timeout: jobs.append((agent, fn, dict(args))) or "j",
                  cluster_ref=lambda fsid: None, publish_cluster=published.__setitem__)
    actor = ClusterActor.start(fx.FSID, "ceph", peers, TIMINGS, 0.0)
    return actor, sink, jobs, published


def heartbeat(actor, minion, now, **versions):
    actor.tell(ClusterHeartbeatReceived(minion, ClusterHeartbeat(fx.FSID, "ceph", versions), now))


def answer(actor, minion, sync_type, version, data, now=1.0):
    result = JobResult("j", True, {"fsid": fx.FSID, "type": sync_type, "version": version, "data": data})
    actor.tell(JobCompleted(minion, result, "get_cluster_object", {"fsid": fx.FSID, "sync_type": sync_type}, now))


def query(actor, name: Query, **params):
    return json.loads(ask(actor, lambda r: ClusterQuery(name, params, r)).result(2))


def test_newer_versions_from_the_favourite_are_fetched_once(world):
    actor, sink, jobs, published = world
    heartbeat(actor, "mon-a", 1.0, osd_map=5, health="h1")
    heartbeat(actor, "mon-b", 2.0, osd_map=6)           # not the favourite: ignored
    heartbeat(actor, "mon-a", 3.0, osd_map=5, health="h1")  # fetches in flight: no second job
    actor.ask(Tick(3.0))
    assert sorted(j[2]["sync_type"] for j in jobs) == ["health", "osd_map"]
    assert {j[0] for j in jobs} == {"mon-a"}
    assert published[fx.FSID]["update_time"].startswith("1970-01-01T00:00:03")


def test_an_answered_map_is_served_persisted_and_announced(world):
    actor, sink, jobs, published = world
    with pytest.raises(Unavailable):
        query(actor, Query.POOLS)
    heartbeat(actor, "mon-a", 1.0, osd_map=42)
    answer(actor, "mon-a", "osd_map", 42, fx.osd_map(42))
    assert [p["name"] for p in query(actor, Query.POOLS)] == [p["pool_name"] for p in fx.osd_map(42)["pools"]]
    seen = sink.ask("dump")
    assert any(isinstance(m, SaveSyncObject) and m.version == 42 for m in seen)
    assert any(isinstance(m, ClusterMembership) for m in seen)
    answer(actor, "mon-a", "osd_map", 41, fx.osd_map(41, down=[0]))   # stale: dropped
    assert all(o["up"] for o in query(actor, Query.OSDS))


def test_a_new_map_version_yields_events(world):
    actor, sink, jobs, published = world
    heartbeat(actor, "mon-a", 1.0, osd_map=42)
    answer(actor, "mon-a", "osd_map", 42, fx.osd_map(42))
    heartbeat(actor, "mon-a", 2.0, osd_map=43)
    answer(actor, "mon-a", "osd_map", 43, fx.osd_map(43, down=[3]), now=2.0)
    actor.ask(Tick(2.0))
    messages = [e.message for m in sink.ask("dump") if isinstance(m, EmitEvents) for e in m.events]
    assert any(msg.startswith("OSD ceph.3 went down") for msg in messages)


def test_failover_after_three_silent_periods_and_late_reporting_once(world):
    actor, sink, jobs, published = world
    heartbeat(actor, "mon-a", 1.0, osd_map=1)
    heartbeat(actor, "mon-b", 30.0, osd_map=1)           # mon-a silent for 29 s: still favourite
    actor.ask(Tick(30.0))
    assert published[fx.FSID]["update_time"].startswith("1970-01-01T00:00:01")
    heartbeat(actor, "mon-b", 32.0, osd_map=1)           # 31 s: mon-b takes over
    actor.ask(Tick(32.0))
    assert published[fx.FSID]["update_time"].startswith("1970-01-01T00:00:32")
    for now in (93.0, 100.0, 200.0):
        actor.ask(Tick(now))
    heartbeat(actor, "mon-b", 201.0, osd_map=1)
    actor.ask(Tick(201.0))
    events = [(e.severity, e.message) for m in sink.ask("dump") if isinstance(m, EmitEvents) for e in m.events]
    assert events == [(WARNING, "Cluster 'ceph' is late reporting in"), (RECOVERY, "Cluster 'ceph' regained contact")]


def test_a_failed_or_foreign_fetch_is_retried_on_the_next_heartbeat(world):
    actor, sink, jobs, published = world
    heartbeat(actor, "mon-a", 1.0, config="c1")
    actor.tell(JobCompleted("mon-a", JobResult("j", False, None, {"type": "Timeout", "message": "no"}),
                            "get_cluster_object", {"fsid": fx.FSID, "sync_type": "config"}, 2.0))
    heartbeat(actor, "mon-a", 3.0, config="c1")
    actor.ask(Tick(3.0))
    assert [j[2]["sync_type"] for j in jobs] == ["config", "config"]


def test_a_health_answer_delayed_past_a_newer_one_does_not_roll_the_copy_back():
    sink = Recorder.start()
    jobs = []
    peers = Peers(store=sink, eventer=sink, directory=sink,
                  send_job=lambda agent, fn, args, reply_to, timeout: jobs.append(args["sync_type"]) or f"j{len(jobs)}",
                  cluster_ref=lambda fsid: None, publish_cluster={}.__setitem__)
    actor = ClusterActor.start(fx.FSID, "ceph", peers, TIMINGS, 0.0)

    def reply(job_id, digest, status, now):
        body = {"fsid": fx.FSID, "type": "health", "version": digest, "data": {"status": status}}
        actor.tell(JobCompleted("mon-a", JobResult(job_id, True, body), "get_cluster_object",
                                {"fsid": fx.FSID, "sync_type": "health"}, now))
    heartbeat(actor, "mon-a", 1.0, health="h1")                    # fetch j1: its answer is late
    heartbeat(actor, "mon-a", 12.0, health="h2")                   # j1 counted lost: fetch j2
    reply("j2", "h2", "HEALTH_WARN", 12.5)
    reply("j1", "h1", "HEALTH_OK", 13.0)
    assert query(actor, Query.SYNC_OBJECT, sync_type="health") == {"status": "HEALTH_WARN"}
    assert jobs == ["health", "health"]
    saved = [m.version for m in sink.ask("dump") if isinstance(m, SaveSyncObject)]
    assert saved == ["h2"]


def test_a_cluster_late_before_a_restart_recovers_once_and_is_not_late_again(world):
    from actors.messages import Restored
    from actors.storage.messages import SaveCluster, StoredCluster
    actor, sink, jobs, published = world
    actor.tell(Restored(StoredCluster(fx.FSID, "ceph", 1.0, {}, late=True)))
    actor.ask(Tick(500.0))                                 # still silent: no second "late"
    heartbeat(actor, "mon-a", 501.0, osd_map=1)
    actor.ask(Tick(501.0))
    events = [(e.severity, e.message) for m in sink.ask("dump") if isinstance(m, EmitEvents) for e in m.events]
    assert events == [(RECOVERY, "Cluster 'ceph' regained contact")]
    assert [m.late for m in sink.ask("dump") if isinstance(m, SaveCluster)][-1] is False


def test_the_late_flag_is_persisted_before_each_late_or_regained_event(world):
    from actors.storage.messages import SaveCluster
    actor, sink, jobs, published = world
    heartbeat(actor, "mon-a", 1.0, osd_map=1)
    actor.ask(Tick(200.0))
    heartbeat(actor, "mon-a", 201.0, osd_map=1)
    actor.ask(Tick(201.0))
    order = [("save", m.late) if isinstance(m, SaveCluster) else ("event", m.events[0].severity)
             for m in sink.ask("dump") if isinstance(m, (SaveCluster, EmitEvents))]
    late_at, regained_at = order.index(("event", WARNING)), order.index(("event", RECOVERY))
    assert order[late_at - 1] == ("save", True)
    assert order[regained_at - 1] == ("save", False)


def current_maps_after_a_restore(stored_epoch, *beats):
    """MapCurrent messages a restored cluster tells the tracker, driven by `beats` (callables)."""
    from actors.messages import Restored
    from actors.requests.messages import MapCurrent
    from actors.storage.messages import StoredCluster
    sink, tracker = Recorder.start(), Recorder.start()
    peers = Peers(store=sink, eventer=sink, directory=sink, send_job=lambda *a: "j",
                  cluster_ref=lambda fsid: None, publish_cluster={}.__setitem__, tracker=tracker)
    actor = ClusterActor.start(fx.FSID, "ceph", peers, TIMINGS, 0.0)
    actor.tell(Restored(StoredCluster(fx.FSID, "ceph", 1.0, {"osd_map": (stored_epoch, {"epoch": stored_epoch})})))
    for beat in beats:
        beat(actor)
    actor.ask(Tick(50.0))
    return [m.version for m in tracker.ask("dump") if isinstance(m, MapCurrent)]


def test_after_a_restore_the_tracker_learns_once_when_the_held_osd_map_is_current():
    assert current_maps_after_a_restore(5) == []                                    # no heartbeat yet
    assert current_maps_after_a_restore(5, lambda a: heartbeat(a, "mon-a", 2.0, osd_map=5),
                                        lambda a: heartbeat(a, "mon-a", 3.0, osd_map=5)) == [5]
    newer = current_maps_after_a_restore(5, lambda a: heartbeat(a, "mon-a", 2.0, osd_map=6))
    assert newer == []                                                              # fetching 6
    assert current_maps_after_a_restore(5, lambda a: heartbeat(a, "mon-a", 2.0, osd_map=6),
                                        lambda a: answer(a, "mon-a", "osd_map", 6, {"epoch": 6}, 2.5)) == [6]


def test_a_forgotten_cluster_deletes_its_rows_and_persists_nothing_more(world):
    from actors.messages import Forget
    from actors.storage.messages import DeleteCluster
    actor, sink, jobs, published = world
    heartbeat(actor, "mon-a", 1.0, osd_map=42)
    actor.tell(Forget())
    answer(actor, "mon-a", "osd_map", 42, fx.osd_map(42))     # arrives after the forget
    wait_until(lambda: not actor.is_alive())
    seen = sink.ask("dump")
    assert any(isinstance(m, DeleteCluster) for m in seen)
    assert not any(isinstance(m, SaveSyncObject) for m in seen)


def test_a_silent_favourite_is_replaced_on_a_tick_by_a_mon_still_heard():
    from actors.requests.messages import FavouriteChanged
    sink = Recorder.start()
    peers = Peers(store=sink, eventer=sink, directory=sink, tracker=sink,
                  send_job=lambda agent, fn, args, reply_to, timeout: "j",
                  cluster_ref=lambda fsid: None, publish_cluster=lambda fsid, summary: None)
    actor = ClusterActor.start(fx.FSID, "ceph", peers, TIMINGS, 0.0)
    heartbeat(actor, "mon-a", 1.0, osd_map=1)
    heartbeat(actor, "mon-b", 25.0, osd_map=1)       # heard, but not the favourite
    actor.ask(Tick(30.0))
    assert not any(isinstance(m, FavouriteChanged) for m in sink.ask("dump"))
    actor.ask(Tick(40.0))                             # mon-a silent 39 s, mon-b heard 15 s ago
    assert [m for m in sink.ask("dump") if isinstance(m, FavouriteChanged)] == [
        FavouriteChanged(fx.FSID, "mon-a", "mon-b")]
