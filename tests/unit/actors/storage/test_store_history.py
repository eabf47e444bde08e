"""The clusters' time series through the store's messages (actors/storage/messages.py): written by
RecordSample, read by ReadHistory from the store and from the reader's own connection, rolled up
and pruned after PruneHistory (a synthetic clock), forgotten with the cluster, restored at start."""
from __future__ import annotations

import pytest

from actors.storage import messages as m
from actors.storage import retention as rt
from actors.storage.event_reader import EventReader
from actors.timefmt import iso
from tests.db_backends import rows
from tests.helpers import wait_until
from tests.unit.actors.storage.store_helpers import call, clocked_store

NOW = 1_800_000_000.0
HOUR = 3600.0
FSID = "d5ee9ec2-1111-4c0e-9c3e-5b5c3a3f0001"
OTHER_FSID = "d5ee9ec2-2222-4c0e-9c3e-5b5c3a3f0002"


@pytest.fixture
def store(db_url):
    ref, clock = clocked_store(db_url, NOW)
    call(ref, m.Flush)           # the schema exists before a reader opens the database
    yield ref, clock
    ref.stop()


@pytest.fixture
def reader(db_url, store):
    ref = EventReader.start(db_url, store=store[0], warm=False)
    yield ref
    ref.stop()


def record_every(ref, fsid, start, end, step):
    for t in range(int(start), int(end), int(step)):
        ref.tell(m.RecordSample(fsid, float(t), {"used_bytes": t % 1000, "pool.1.objects": 5}))
    call(ref, m.Flush)


def read(ref, series, from_t, to_t=NOW, fsid=FSID):
    return call(ref, m.ReadHistory, fsid, tuple(series), from_t, to_t, NOW, 10.0)


def tier_counts(url, fsid=FSID) -> dict[int, int]:
    return dict(rows(url, "SELECT tier, COUNT(*) FROM history_points WHERE fsid = ? GROUP BY tier", (fsid,)))


def test_samples_are_read_back_with_iso_times_from_the_store_and_the_reader(store, reader):
    ref, _ = store
    ref.tell(m.RecordSample(FSID, NOW - 20, {"used_bytes": 100, "read_bytes_sec": 1.5}))
    ref.tell(m.RecordSample(FSID, NOW - 10, {"used_bytes": 200}))
    ref.tell(m.RecordSample(OTHER_FSID, NOW - 10, {"used_bytes": 999}))
    call(ref, m.Flush)
    expected = {"step_s": 10.0, "series": {"used_bytes": [[iso(NOW - 20), 100], [iso(NOW - 10), 200]],
                                           "read_bytes_sec": [[iso(NOW - 20), 1.5]], "unknown": []}}
    assert read(ref, ["used_bytes", "read_bytes_sec", "unknown"], NOW - HOUR) == expected
    assert read(reader, ["used_bytes", "read_bytes_sec", "unknown"], NOW - HOUR) == expected


def test_a_long_range_reads_five_minute_means(store, reader):
    ref, _ = store
    record_every(ref, FSID, NOW - 7 * HOUR, NOW, 60)
    answer = read(reader, ["pool.1.objects"], NOW - 7 * HOUR)
    assert answer["step_s"] == 300.0
    assert answer["series"]["pool.1.objects"][:2] == [[iso(NOW - 7 * HOUR), 5.0], [iso(NOW - 7 * HOUR + 300), 5.0]]
    assert len(answer["series"]["pool.1.objects"]) == 7 * 12


def test_the_retention_run_rolls_up_and_prunes_the_series_batch_by_batch(store, db_url):
    ref, clock = store
    record_every(ref, FSID, NOW - 8 * HOUR, NOW, 60)
    call(ref, m.PruneHistory, rt.Retention(), rt.Retention(), 20, series=None)
    call(ref, m.Flush)
    assert tier_counts(db_url) == {0: 8 * 60}          # series=None: left alone
    before = read(ref, ["used_bytes"], NOW - 7 * HOUR)
    assert call(ref, m.PruneHistory, rt.Retention(), rt.Retention(), 20) == (0, 0)
    # 95 five-minute means and 7 hours from 480 points, 20 rows a batch: the store goes on by itself.
    wait_until(lambda: tier_counts(db_url) == {0: 6 * 60, 1: 95, 2: 7}, what="the series rolled up and pruned")
    assert read(ref, ["used_bytes"], NOW - 7 * HOUR) == before
    clock.now = NOW + 400 * 86_400.0
    done = call(ref, m.RollUpSeries, clock.now, 10_000)     # the last 5 minutes and hour are complete now
    assert done.done and done.written == [0, 1, 1] and done.deleted == [360, 96, 8] and tier_counts(db_url) == {}


def test_a_small_batch_answers_at_once_and_the_rest_follows(store, db_url):
    ref, _ = store
    record_every(ref, FSID, NOW - HOUR, NOW, 60)
    first = call(ref, m.RollUpSeries, NOW, 10)
    assert not first.done and first.written[1] == 1        # two whole buckets do not fit in 10 rows
    wait_until(lambda: tier_counts(db_url).get(1) == 11, what="the next batches")


def test_forgetting_a_cluster_deletes_its_series(store, db_url):
    ref, _ = store
    for fsid in (FSID, OTHER_FSID):
        record_every(ref, fsid, NOW - 600, NOW, 60)
    ref.tell(m.DeleteCluster(FSID))
    call(ref, m.Flush)
    assert tier_counts(db_url) == {} and tier_counts(db_url, OTHER_FSID) == {0: 10}


def test_a_restored_cluster_gets_its_recent_points(store):
    ref, clock = store
    ref.tell(m.SaveCluster(FSID, "ceph", NOW))
    record_every(ref, FSID, NOW - 8 * HOUR, NOW, 60)
    call(ref, m.RollUpSeries, NOW, 10_000)                 # 5-minute means up to NOW - 300
    clock.now = NOW + 60
    (cluster,) = call(ref, m.LoadState).clusters
    points = cluster.recent_points
    assert len(points) == 95 + 5                          # the means, then the raw points not rolled up
    assert points[0] == (NOW - 8 * HOUR, {"used_bytes": (NOW - 8 * HOUR + 120) % 1000, "pool.1.objects": 5.0})
    assert points[-1] == (NOW - 60, {"used_bytes": (NOW - 60) % 1000, "pool.1.objects": 5})
    # Raw points for the last 6 h (from the next 5 minutes on), only the series asked for:
    (cluster,) = call(ref, m.LoadState, recent_raw_s=6 * HOUR, recent_series=("pool.*",)).clusters
    assert len(cluster.recent_points) == 25 + 6 * 60 - 5
    assert {name for _, values in cluster.recent_points for name in values} == {"pool.1.objects"}
    assert call(ref, m.LoadState, recent_s=0).clusters[0].recent_points == ()


def test_a_failed_sample_does_not_leave_its_new_names_behind(store):
    ref, _ = store
    ref.tell(m.RecordSample(FSID, "not a time", {"fresh": 1}))     # the names are made, then it fails
    ref.tell(m.RecordSample(FSID, NOW - 10, {"fresh": 2}))
    call(ref, m.Flush)
    assert read(ref, ["fresh"], NOW - HOUR)["series"]["fresh"] == [[iso(NOW - 10), 2]]


def test_without_its_own_connection_the_reader_asks_the_store(tmp_path, store):
    ref, _ = store
    reader = EventReader.start(str(tmp_path), store=ref)      # a directory: cannot be opened
    try:
        ref.tell(m.RecordSample(FSID, NOW - 10, {"used_bytes": 7}))
        assert read(reader, ["used_bytes"], NOW - HOUR)["series"]["used_bytes"] == [[iso(NOW - 10), 7]]
    finally:
        reader.stop()


def test_tier_ages_must_grow_from_the_raw_tier_up():
    assert rt.SeriesTiers().ages == (6 * HOUR, 30 * 86_400.0, 365 * 86_400.0)
    for ages in ((0, HOUR, 2 * HOUR), (2 * HOUR, HOUR, 3 * HOUR), (HOUR, 3 * HOUR, 2 * HOUR)):
        with pytest.raises(ValueError):
            rt.SeriesTiers(*ages)
