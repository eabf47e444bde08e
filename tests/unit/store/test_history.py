"""Clusters' time series (store/history.py, store/history_upkeep.py) on each backend, with a
synthetic clock: the tier a range reads, the means of each tier, roll-up and pruning in batches,
run twice or after a restart, and the recent points a restored cluster gets back."""
from __future__ import annotations

import math

import pytest

from store import history as h
from store.db import create_schema, open_database
from store.history_codec import decode
from store.history_upkeep import upkeep
from store.models import ALL_MODELS, HistoryPoint

NOW = 1_800_000_000.0          # a whole hour
HOUR, DAY = 3600.0, 86_400.0
AGES = (6 * HOUR, 30 * DAY, 365 * DAY)
BEAT = 10.0


@pytest.fixture
def db(db_url):
    database = open_database(db_url)
    database.connect()
    create_schema(database)
    with database.bind_ctx(ALL_MODELS):    # History(db) binds its queries, but peewee asks the
        yield database                     # models' binding how to pass a blob
    database.close()


def record(db, hist, fsid, samples):
    """samples: [(t, values)], one transaction."""
    with db.atomic():
        for t, values in samples:
            hist.record_sample(fsid, t, values)


def run_upkeep(db, now=NOW, budget=100_000):
    with db.atomic():
        return upkeep(h.History(db), now, AGES, budget)


def read(db, hist, series, from_t, to_t=NOW, fsid="f1", now=NOW):
    with db.atomic():
        return hist.read_history(fsid, series, from_t, to_t, now, BEAT, AGES)


def rows(db, tier, fsid="f1"):
    """{t: (count, {name: value})} of one tier."""
    hist = h.History(db)
    with db.atomic():
        found = [(t, count, decode(blob)) for t, count, blob in hist.stored_points(fsid, tier, None, None)]
        known = hist.names({i for _, _, values in found for i in values})
    return {t: (count, {known[i]: v for i, v in values.items()}) for t, count, values in found}


def beats(start, end, values=lambda t: {"used": t}):
    """A heartbeat every BEAT seconds from start (included) to end (excluded)."""
    return [(start + i * BEAT, values(start + i * BEAT)) for i in range(int((end - start) / BEAT))]


def test_a_database_from_before_the_history_gets_its_tables_at_start(db):
    db.execute_sql('DROP TABLE "history_points"')
    db.execute_sql('DROP TABLE "history_series"')
    create_schema(db)              # additive: no migration (store/migrations.py)
    hist = h.History(db)
    record(db, hist, "f1", [(NOW, {"used": 1})])
    assert read(db, hist, ["used"], NOW - 60)["series"]["used"] == [[NOW, 1]]


# reads: the tier from the range -----------------------------------------------------------------

def test_the_tier_is_the_finest_one_that_still_holds_the_range_start():
    assert [h.tier_for(NOW - age, NOW, AGES) for age in (0, 6 * HOUR, 6 * HOUR + 1, 30 * DAY, 30 * DAY + 1,
                                                         400 * DAY)] == [0, 0, 1, 1, 2, 2]


def test_a_raw_read_gives_every_heartbeat_of_the_asked_series_in_the_range(db):
    hist = h.History(db)
    record(db, hist, "f1", [(NOW - 30, {"used": 1, "total": 10}), (NOW - 20, {"used": 2.5, "total": 10}),
                             (NOW - 10, {"used": 3, "total": 10})])
    record(db, hist, "f2", [(NOW - 20, {"used": 99})])
    answer = read(db, hist, ["used", "pool.1.objects", "never"], NOW - 25, NOW - 10)
    assert answer["step_s"] == BEAT
    assert answer["series"] == {"used": [[NOW - 20, 2.5], [NOW - 10, 3]], "pool.1.objects": [], "never": []}


def test_only_finite_numbers_are_kept_and_a_heartbeat_again_replaces_its_point(db):
    hist = h.History(db)
    record(db, hist, "f1", [(NOW - 10, {"used": 1, "nan": math.nan, "text": "5", "flag": True, "none": None}),
                             (NOW - 10, {"used": 2})])
    with db.atomic():
        assert hist.record_sample("f1", NOW, {"inf": math.inf}) is False
    answer = read(db, hist, ["used", "nan", "text", "flag", "none", "inf"], NOW - 60)
    assert answer["series"] == {"used": [[NOW - 10, 2]], "nan": [], "text": [], "flag": [], "none": [], "inf": []}


def test_reads_choose_the_tier_by_range_and_reach_the_newest_heartbeat_before_any_roll_up(db):
    hist = h.History(db)
    record(db, hist, "f1", beats(NOW - 2 * HOUR, NOW + BEAT))
    for from_t, step in ((NOW - HOUR, BEAT), (NOW - 7 * HOUR, 300.0), (NOW - 31 * DAY, 3600.0)):
        answer = read(db, hist, ["used"], from_t)
        assert answer["step_s"] == step
        assert answer["series"]["used"][-1][0] == NOW    # the newest heartbeat's bucket
    # Before any roll-up, the 5-minute points are means of the raw ones on the fly:
    five = read(db, hist, ["used"], NOW - 7 * HOUR)["series"]["used"]
    assert five[0] == [NOW - 2 * HOUR, NOW - 2 * HOUR + 145.0]      # mean of t .. t + 290
    assert five[-1] == [NOW, NOW]                                   # the bucket begun: one heartbeat
    assert len(five) == 25


def test_a_read_gives_the_same_points_before_and_after_the_roll_up(db):
    hist = h.History(db)
    record(db, hist, "f1", beats(NOW - 3 * HOUR, NOW, lambda t: {"used": t % 977, "rate": (t % 13) / 7}))
    ranges = ((NOW - 7 * HOUR, NOW), (NOW - 31 * DAY, NOW), (NOW - 7 * HOUR, NOW - 1234.0))
    before = [read(db, hist, ["used", "rate"], lo, hi) for lo, hi in ranges]
    assert run_upkeep(db).written[1:] == [35, 2]    # the last 5 minutes ended less than a minute ago
    assert [read(db, hist, ["used", "rate"], lo, hi) for lo, hi in ranges] == before


# roll-up: the means -------------------------------------------------------------------------------

def test_five_minute_means_are_over_the_points_present_per_series(db):
    hist = h.History(db)
    bucket = NOW - HOUR
    record(db, hist, "f1", [(bucket, {"used": 10, "pool.1.stored": 5}), (bucket + 10, {"used": 20}),
                             (bucket + 290, {"used": 60, "pool.1.stored": 7}), (bucket + 300, {"used": 1000})])
    run_upkeep(db)
    five = rows(db, 1)
    assert five[bucket] == (3, {"used": 30.0, "pool.1.stored": 6.0})
    assert five[bucket + 300] == (1, {"used": 1000})


def test_hourly_means_weigh_each_five_minute_mean_by_its_heartbeats(db):
    hist = h.History(db)
    hour = NOW - 2 * HOUR
    # 30 heartbeats of 0 in the first 5 minutes, one of 310 in the second: the hour's mean is
    # 310 / 31 = 10, not the mean of the two means (155).
    record(db, hist, "f1", beats(hour, hour + 300, lambda t: {"used": 0}) + [(hour + 300, {"used": 310})])
    run_upkeep(db)
    assert rows(db, 2) == {hour: (31, {"used": 10.0})}
    assert read(db, hist, ["used"], NOW - 60 * DAY)["series"]["used"] == [[hour, 10.0]]


def test_only_complete_buckets_are_rolled_up(db):
    hist = h.History(db)
    record(db, hist, "f1", beats(NOW - 600, NOW + 60))
    run_upkeep(db, now=NOW + 30)              # the bucket ending at NOW ended only 30 s ago
    assert list(rows(db, 1)) == [NOW - 600]
    assert rows(db, 2) == {}
    run_upkeep(db, now=NOW + 90)
    assert list(rows(db, 1)) == [NOW - 600, NOW - 300]


# roll-up: batches, twice, after a restart -------------------------------------------------------

def expected_five_minute_rows(start, end):
    return {t: (30, {"used": t + 145.0}) for t in [start + i * 300 for i in range(int((end - start) / 300))]}


def test_a_second_run_adds_and_deletes_nothing(db):
    hist = h.History(db)
    record(db, hist, "f1", beats(NOW - 8 * HOUR, NOW))
    first = run_upkeep(db)
    assert first.written[1:] == [95, 7] and first.deleted == [2 * 360, 0, 0] and first.done
    snapshot = [rows(db, tier) for tier in (0, 1, 2)]
    again = run_upkeep(db)
    assert again.written == [0, 0, 0] and again.deleted == [0, 0, 0] and again.done
    assert [rows(db, tier) for tier in (0, 1, 2)] == snapshot


def test_small_batches_and_a_restart_between_them_end_where_one_run_does(db, db_url):
    hist = h.History(db)
    for fsid in ("f1", "f2"):
        record(db, hist, fsid, beats(NOW - 8 * HOUR, NOW))
    partial = run_upkeep(db, budget=70)
    assert not partial.done and 0 < partial.written[1] <= 3
    db.close()
    reopened = open_database(db_url)          # a new daemon: nothing carried over but the rows
    reopened.connect()
    try:
        for _ in range(400):
            with reopened.atomic():
                if upkeep(h.History(reopened), NOW, AGES, 70).done:
                    break
        for fsid in ("f1", "f2"):
            assert rows(reopened, 1, fsid) == expected_five_minute_rows(NOW - 8 * HOUR, NOW - 300)
            assert rows(reopened, 2, fsid) == {NOW - (8 - i) * HOUR: (360, {"used": NOW - (8 - i) * HOUR + 1795.0})
                                               for i in range(7)}
            assert min(rows(reopened, 0, fsid)) == NOW - 6 * HOUR
    finally:
        reopened.close()
    db.connect()


# pruning ------------------------------------------------------------------------------------------

def test_each_tier_is_pruned_at_its_age_and_a_backlog_is_rolled_up_first(db):
    hist = h.History(db)
    samples = {age: beats(NOW - age, NOW - age + 300) for age in (400 * DAY, 40 * DAY, 2 * DAY, HOUR)}
    record(db, hist, "f1", [s for group in samples.values() for s in group])
    result = run_upkeep(db)
    assert result.done
    assert sorted(rows(db, 0)) == [t for t, _ in samples[HOUR]]
    assert sorted(rows(db, 1)) == [NOW - 2 * DAY, NOW - HOUR]
    assert sorted(rows(db, 2)) == [NOW - 40 * DAY, NOW - 2 * DAY]      # the rest are not a whole hour old
    assert result.deleted == [120 - 30, 2, 1]


def test_a_later_run_prunes_what_aged_meanwhile(db):
    hist = h.History(db)
    record(db, hist, "f1", beats(NOW - HOUR, NOW))
    run_upkeep(db)
    assert len(rows(db, 0)) == 360
    run_upkeep(db, now=NOW + 5 * HOUR + 300)      # the first 5 minutes are now 6 h old
    assert len(rows(db, 0)) == 330 and len(rows(db, 1)) == 12
    run_upkeep(db, now=NOW + 31 * DAY)
    assert rows(db, 0) == {} and rows(db, 1) == {} and list(rows(db, 2)) == [NOW - HOUR]
    run_upkeep(db, now=NOW + 366 * DAY)
    with db.atomic():
        assert h.History(db).bound(HistoryPoint.select()).count() == 0


def test_deleting_a_cluster_history_leaves_the_others(db):
    hist = h.History(db)
    for fsid in ("f1", "f2"):
        record(db, hist, fsid, beats(NOW - 600, NOW))
    run_upkeep(db)
    with db.atomic():
        assert h.History(db).delete_history("f1") == 60 + 1
    assert rows(db, 0, "f1") == {} and rows(db, 1, "f1") == {} and len(rows(db, 0, "f2")) == 60


# recent points, names ------------------------------------------------------------------------------

def test_recent_points_are_five_minute_means_then_every_raw_point(db):
    hist = h.History(db)
    record(db, hist, "f1", beats(NOW - 8 * HOUR, NOW, lambda t: {"used": t, "pool.2.objects": 7}))
    run_upkeep(db)
    with db.atomic():
        recent = h.History(db).recent_points("f1", NOW - 7 * HOUR, NOW, AGES[0])
    assert [t for t, _ in recent[:13]] == [NOW - 7 * HOUR + i * 300 for i in range(13)]
    assert recent[0][1] == {"used": NOW - 7 * HOUR + 145.0, "pool.2.objects": 7.0}
    assert recent[12][1]["used"] == NOW - 6 * HOUR                 # the first raw point
    assert len(recent) == 12 + 6 * 360
    with db.atomic():
        assert hist.recent_points("nope", NOW - DAY, NOW, AGES[0], DAY) == []


def test_recent_points_can_begin_with_hourly_means(db):
    hist = h.History(db)
    record(db, hist, "f1", beats(NOW - 8 * HOUR, NOW, lambda t: {"used": t}))
    run_upkeep(db)                 # hourly means to NOW - 1 h, 5-minute means to NOW - 5 min
    with db.atomic():
        recent = hist.recent_points("f1", NOW - 8 * HOUR, NOW, HOUR, 4 * HOUR)
        hourly_only = hist.recent_points("f1", NOW - 8 * HOUR, NOW, HOUR, 0.0)
    assert [t for t, _ in recent[:5]] == [NOW - hours * HOUR for hours in (8, 7, 6, 5, 4)]
    assert (recent[0][1]["used"], recent[4][1]["used"]) == (NOW - 8 * HOUR + 1795, NOW - 4 * HOUR + 145)
    assert recent[40] == (NOW - HOUR, {"used": NOW - HOUR}) and len(recent) == 4 + 36 + 360
    # Hourly means as far as they reach (NOW - 1 h), then raw points: no 5-minute ones are due.
    assert len(hourly_only) == 7 + 360 and hourly_only[7] == (NOW - HOUR, {"used": NOW - HOUR})


def test_recent_points_take_raw_points_where_the_five_minute_tier_has_not_reached(db):
    hist = h.History(db)
    record(db, hist, "f1", beats(NOW - 8 * HOUR, NOW - 7 * HOUR))
    run_upkeep(db, now=NOW - 7 * HOUR)              # tier 1 reaches NOW - 7 h - 5 min
    record(db, hist, "f1", beats(NOW - 7 * HOUR, NOW))
    with db.atomic():
        recent = hist.recent_points("f1", NOW - 8 * HOUR, NOW, AGES[0])
    assert len(recent) == 11 + 30 + 7 * 360                   # 11 means, the raw rest unrolled


def test_names_made_in_a_rolled_back_write_are_forgotten(db):
    hist = h.History(db)
    with db.atomic() as transaction:
        hist.record_sample("f1", NOW - 10, {"fresh": 1})
        transaction.rollback()
    hist.forget()
    record(db, hist, "f1", [(NOW, {"fresh": 2})])
    assert read(db, h.History(db), ["fresh"], NOW - 60)["series"]["fresh"] == [[NOW, 2]]
