"""Readiness (GET /readyz's facts): a cluster counts as synced once its maps caught up with its
favourite's heartbeats since start, or once it is late; the store's write health; the bus."""
from __future__ import annotations

import pykka
import pytest

from actors.cluster.actor import ClusterActor
from actors.context import Peers, Timings
from actors.dispatch.read_models import ReadModels
from actors.dispatch.registry import ActorRegistry
from actors.facade.readiness import (BUS_NOT_BOUND, CLUSTERS_NOT_SYNCED, STORE_NOT_WRITABLE,
                                     Readiness)
from actors.messages import ClusterHeartbeatReceived, JobCompleted, Tick
from actors.runtime.base import ask
from actors.storage import messages as m
from actors.storage.actor import StoreActor, WriteHealth
from bus.protocol import ClusterHeartbeat, JobResult
from tests.helpers import wait_until
from tests.unit import ceph_fixtures as fx
from tests.unit.actor_doubles import Recorder

TIMINGS = Timings(heartbeat_s=10.0, fetch_timeout_s=10.0)


@pytest.fixture
def cluster():
    """(the ClusterActor, the ReadModels it notes itself in) in a registry that knows it."""
    sink = Recorder.start()
    registry = ActorRegistry()
    models = ReadModels(registry)
    peers = Peers(store=sink, eventer=sink, directory=sink, send_job=lambda *args: "j",
                  cluster_ref=registry.cluster_ref, publish_cluster=models.publish_cluster,
                  note_synced=models.note_synced)
    ref, _ = registry.cluster(fx.FSID, lambda fsid: ClusterActor.start(fsid, "ceph", peers, TIMINGS, 0.0))
    yield ref, models
    pykka.ActorRegistry.stop_all()


def heartbeat(actor, now, **versions):
    actor.ask(ClusterHeartbeatReceived("mon-a", ClusterHeartbeat(fx.FSID, "ceph", versions), now))


def answer(actor, sync_type, version, data, now):
    result = JobResult("j", True, {"fsid": fx.FSID, "type": sync_type, "version": version, "data": data})
    actor.ask(JobCompleted("mon-a", result, "get_cluster_object", {"fsid": fx.FSID, "sync_type": sync_type}, now))


def test_a_cluster_is_synced_once_every_reported_map_is_held(cluster):
    actor, models = cluster
    assert models.unsynced_count() == 1
    heartbeat(actor, 1.0, osd_map=5, health="h1")
    answer(actor, "osd_map", 5, fx.osd_map(5), 2.0)
    assert models.unsynced_count() == 1          # health is still being fetched
    answer(actor, "health", "h1", {"status": "HEALTH_OK"}, 3.0)
    assert models.unsynced_count() == 0
    heartbeat(actor, 4.0, osd_map=6, health="h1")   # behind again: still synced since start
    assert models.unsynced_count() == 0


def test_a_silent_cluster_stops_holding_readiness_back_once_late(cluster):
    actor, models = cluster
    actor.ask(Tick(TIMINGS.cluster_late_s - 1))
    assert models.unsynced_count() == 1
    actor.ask(Tick(TIMINGS.cluster_late_s + 1))
    assert models.unsynced_count() == 0


def test_a_forgotten_cluster_is_not_counted(cluster):
    actor, models = cluster
    heartbeat(actor, 1.0)
    assert models.unsynced_count() == 0          # nothing reported: nothing to fetch
    models._registry.pop_cluster(fx.FSID)
    models.withdraw(fx.FSID)
    models.note_synced(fx.FSID)                  # a late note of a forgotten cluster
    assert models.unsynced_count() == 0 and models._synced == set()


class Bus:
    running = False


def test_the_reasons_name_what_is_missing_and_nothing_else(tmp_path):
    health = WriteHealth()
    store = StoreActor.start(str(tmp_path / "db.sqlite3"), write_health=health)
    bus, unsynced = Bus(), [2]
    readiness = Readiness(store, health, lambda: unsynced[0], lambda: bus.running)
    try:
        assert readiness.reasons() == [BUS_NOT_BOUND, CLUSTERS_NOT_SYNCED]
        bus.running, unsynced[0] = True, 0
        assert readiness.reasons() == []
        health.failing = True
        assert readiness.reasons() == [STORE_NOT_WRITABLE]
        health.failing = False
    finally:
        store.stop()
    assert readiness.reasons() == [STORE_NOT_WRITABLE]   # its actor is gone


def test_a_failed_write_is_noted_and_the_next_good_one_clears_it(tmp_path):
    health = WriteHealth()
    store = StoreActor.start(str(tmp_path / "db.sqlite3"), write_health=health)
    try:
        store.tell(m.SaveCluster(fx.FSID, "ceph", 1.0, False, object()))   # unencodable levels
        wait_until(lambda: health.failing, what="the failed write noted")
        store.tell(m.SaveCluster(fx.FSID, "ceph", 1.0, False, {}))
        ask(store, m.Flush).result(5)
        assert not health.failing
    finally:
        store.stop()
