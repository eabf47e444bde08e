"""actors/cluster/trend.py: days until full from a thinned, time-weighted least-squares slope."""
from __future__ import annotations

import math

import pytest

from actors.cluster.stats import ClusterStats
from actors.cluster.trend import CLUSTER_KEY, Trend, follows, pool_key, trend_days
from actors.cluster.views.samples import sample
from tests.unit.actors.cluster.stats import stats_fixtures as sx

T0 = 1_790_000_000.0
DAY = 86400.0
GIB = sx.GIB


def feed(trend: Trend, key: str, value_at, start: float, end: float, step: float = 10.0) -> None:
    t = start
    while t <= end:
        trend.add(t, {key: value_at(t)})
        t += step


def plain_slope(value_at, start: float, end: float, step: float = 10.0) -> float:
    """Ordinary least squares over every point (what thinning must not change much)."""
    times = [start + i * step for i in range(int((end - start) / step) + 1)]
    values = [value_at(t) for t in times]
    mean_t, mean_v = sum(times) / len(times), sum(values) / len(values)
    return (sum((t - mean_t) * (v - mean_v) for t, v in zip(times, values))
            / sum((t - mean_t) ** 2 for t in times))


def test_steady_growth_gives_headroom_over_the_rate():
    trend = Trend()
    rate = 1000.0                                                # bytes a second
    feed(trend, CLUSTER_KEY, lambda t: 5e12 + rate * (t - T0), T0, T0 + 7200)
    assert trend.days_until_full(CLUSTER_KEY, 86.4e6 * 10) == pytest.approx(10.0)
    assert trend.days_until_full(CLUSTER_KEY, 0) == 0.0          # already full and growing
    assert trend.days_until_full(CLUSTER_KEY, -5) == 0.0


def test_a_short_fast_series_at_epoch_times_keeps_its_slope():
    """Sums taken relative to time 0 lose the slope of a minute of points at 1.8e9 s (the
    variance of the times is 1e-16 of their square): they must be taken from the first point."""
    trend = Trend(min_span_s=20, min_points=6)
    feed(trend, CLUSTER_KEY, lambda t: 5.7e12 + 6e8 * (t - T0), T0, T0 + 40, step=1.0)
    assert trend.days_until_full(CLUSTER_KEY, 6e8 * DAY) == pytest.approx(1.0)


@pytest.mark.parametrize("value_at", [lambda t: 7e9, lambda t: 7e9 - (t - T0)], ids=["flat", "shrinking"])
def test_no_date_when_not_growing(value_at):
    trend = Trend()
    feed(trend, CLUSTER_KEY, value_at, T0, T0 + 7200)
    assert trend.days_until_full(CLUSTER_KEY, 1e12) is None


def test_no_date_with_too_little_history():
    trend = Trend(min_points=6, min_span_s=1800)
    feed(trend, CLUSTER_KEY, lambda t: t, T0, T0 + 1790)           # 180 points, but 30 min not spanned
    assert trend.days_until_full(CLUSTER_KEY, 1e6) is None
    trend.add(T0 + 1800, {CLUSTER_KEY: T0 + 1800})
    assert trend.days_until_full(CLUSTER_KEY, 1e6) == pytest.approx(1e6 / DAY)
    sparse = Trend(min_points=6, min_span_s=1800)
    feed(sparse, CLUSTER_KEY, lambda t: t, T0, T0 + 2400, step=600)  # 5 points over 40 minutes
    assert sparse.size(CLUSTER_KEY) == 5 and sparse.days_until_full(CLUSTER_KEY, 1e6) is None
    sparse.add(T0 + 3000, {CLUSTER_KEY: T0 + 3000})
    assert sparse.days_until_full(CLUSTER_KEY, 1e6) == pytest.approx(1e6 / DAY)
    assert Trend().days_until_full("used_bytes", 1e6) is None


def test_memory_is_bounded_and_old_points_leave_the_window():
    trend = Trend()
    feed(trend, CLUSTER_KEY, lambda t: t - T0, T0, T0 + 4 * DAY)   # 34,561 heartbeats
    # three days thinned to one per 5 minutes, plus the last half hour dense
    assert trend.size(CLUSTER_KEY) <= 3 * DAY / 300 + 1800 / 10 + 2
    assert trend.size(CLUSTER_KEY) >= 3 * DAY / 310
    assert trend.days_until_full(CLUSTER_KEY, DAY) == pytest.approx(1.0)


def test_the_dense_recent_points_do_not_outweigh_the_thinned_days():
    # two days of growth, then half the data deleted in the last hour: with every point weighing
    # the same, the dense last half hour would drag the slope down by two fifths; weighted by
    # time, it matches the regression over every heartbeat
    def value_at(t):
        return 2.0 * (t - T0) if t < T0 + 2 * DAY - 3600 else 1.0 * (t - T0)
    trend = Trend()
    feed(trend, CLUSTER_KEY, value_at, T0, T0 + 2 * DAY)
    expected_days = 1e9 / plain_slope(value_at, T0, T0 + 2 * DAY) / DAY
    assert trend.days_until_full(CLUSTER_KEY, 1e9) == pytest.approx(expected_days, rel=0.02)


def test_points_not_newer_than_the_last_are_ignored():
    trend = Trend()
    feed(trend, CLUSTER_KEY, lambda t: t - T0, T0, T0 + 3600)
    held = trend.size(CLUSTER_KEY)
    trend.add(T0 + 100, {CLUSTER_KEY: 1e15})
    trend.add(T0 + 3600, {CLUSTER_KEY: 1e15})
    assert trend.size(CLUSTER_KEY) == held
    assert trend.days_until_full(CLUSTER_KEY, DAY) == pytest.approx(1.0)


def test_only_the_followed_series_are_kept():
    assert follows("used_bytes") and follows(pool_key(3)) and pool_key(3) == "pool.3.stored_bytes"
    assert not follows("stored_bytes") and not follows("pool.3.objects")
    trend = Trend()
    trend.add(T0, {"objects": 1.0, "pool.3.objects": 2.0, pool_key(3): 3.0})
    assert trend.size("objects") == 0 and trend.size("pool.3.objects") == 0 and trend.size(pool_key(3)) == 1


def test_a_vanished_pool_is_forgotten_once_its_points_age_out():
    trend = Trend(window_s=3600)
    trend.add(T0, {pool_key(4): 1.0, CLUSTER_KEY: 1.0})
    trend.add(T0 + 3600, {CLUSTER_KEY: 2.0})
    assert trend.size(pool_key(4)) == 1
    trend.add(T0 + 3601, {CLUSTER_KEY: 3.0})
    assert trend.size(pool_key(4)) == 0 and trend.size(CLUSTER_KEY) == 2


def test_seeded_history_gives_a_date_at_once():
    five_minutes = [[T0 + i * 300, 1e9 + 300.0 * i * 50] for i in range(48)]     # 50 B/s for 4 h
    five_minutes[10][1] = None                                                      # a gap
    trend = Trend()
    trend.seed({CLUSTER_KEY: list(reversed(five_minutes)), "objects": [[T0, 1.0]]})
    assert trend.size(CLUSTER_KEY) == 47 and trend.size("objects") == 0
    assert trend.days_until_full(CLUSTER_KEY, 50.0 * DAY) == pytest.approx(1.0)
    trend.add(T0 + 48 * 300, {CLUSTER_KEY: 1e9 + 48 * 300 * 50.0})                 # live points follow
    assert trend.days_until_full(CLUSTER_KEY, 50.0 * DAY) == pytest.approx(1.0)


def grown_stats(seconds: float, cluster_rate: float, pool_rate: float):
    """Stats `seconds` after T0 with raw use and pool 2's stored bytes growing at the rates."""
    df = sx.df()
    df["stats"]["total_used_raw_bytes"] = 120 * GIB + cluster_rate * seconds
    cephfs = df["pools"][1]["stats"]
    cephfs["stored"] = 512 * 2 ** 20 + pool_rate * seconds
    return sx.stats(df=df, taken_at=T0 + seconds)


def test_trend_days_uses_raw_headroom_and_the_nearer_of_room_and_quota():
    trend = Trend()
    for i in range(0, 361):                                   # an hour of heartbeats
        stats = grown_stats(i * 10.0, cluster_rate=1e6, pool_rate=1e4)
        trend.add(stats.taken_at, sample(stats))
    days = trend_days(trend, stats, sx.view(full_ratio=0.9))
    cluster_headroom = 0.9 * 600 * GIB - (120 * GIB + 3600e6)
    assert days["cluster"] == pytest.approx(cluster_headroom / 1e6 / DAY)
    quota_left = GIB - (512 * 2 ** 20 + 3600e4)              # less than its 180 GiB max_avail
    assert days["pools"][2] == pytest.approx(quota_left / 1e4 / DAY)
    assert days["pools"][1] is None                           # rbd is not growing
    assert math.isfinite(days["cluster"])


def test_trend_days_before_the_first_df():
    assert trend_days(Trend(), ClusterStats(), sx.view()) == {"cluster": None, "pools": {}}
