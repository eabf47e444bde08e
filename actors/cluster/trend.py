"""How fast a cluster and its pools fill up: `days_until_full` by a least-squares slope. Pure.

A `Trend` follows the cluster's raw `used_bytes` and each pool's `pool.<id>.stored_bytes` (the
series names of actors/cluster/views/samples.py) over a window of three days. Times are passed
in (heartbeat times, or stored history at start-up through `seed`), never read from a clock.

Memory stays bounded: the last `dense_s` keep every point, older ones are thinned to one per
`thin_step_s` (about 1,000 points a series over three days, kept in float arrays). Since points
are denser at the recent end, each point weighs the time it stands for (the gap since the point
before it, capped at `thin_step_s`); otherwise the last half hour would outweigh three days.
The sums over the thinned part are cached and redone only when it changes (about twice per
`thin_step_s`), so a call costs a pass over the dense part only.
"""
from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping

from actors.cluster.views.osd_map import OsdMapView
from actors.cluster.views.samples import pool_series
from actors.cluster.views.stats_fields import df_pools, number, raw_totals
from actors.cluster.views.usage import full_ratios, pool_quotas

CLUSTER_KEY = "used_bytes"
TREND_SERIES = (CLUSTER_KEY, "pool.*.stored_bytes")   # what a Trend follows, as history globs
DAY_S = 86400.0


def pool_key(pool_id: int) -> str:
    return pool_series(pool_id, "stored_bytes")


def follows(key: str) -> bool:
    """Whether a series is one a Trend keeps."""
    return key == CLUSTER_KEY or (key.startswith("pool.") and key.endswith(".stored_bytes"))


class _Series:
    """The points of one series: every point of the dense part, the thinned older part."""
    __slots__ = ("recent_t", "recent_v", "older_t", "older_v", "_older_sums")

    def __init__(self):
        self.recent_t, self.recent_v = array("d"), array("d")
        self.older_t, self.older_v = array("d"), array("d")
        self._older_sums: tuple | None = None

    def last_time(self) -> float | None:
        if self.recent_t:
            return self.recent_t[-1]
        return self.older_t[-1] if self.older_t else None

    def first_time(self) -> float | None:
        if self.older_t:
            return self.older_t[0]
        return self.recent_t[0] if self.recent_t else None

    def __len__(self) -> int:
        return len(self.recent_t) + len(self.older_t)

    def add(self, t: float, v: float, dense_s: float, thin_step_s: float, window_s: float) -> None:
        self.recent_t.append(t)
        self.recent_v.append(v)
        moved = 0
        while self.recent_t[moved] < t - dense_s:
            if not self.older_t or self.recent_t[moved] - self.older_t[-1] >= thin_step_s:
                self.older_t.append(self.recent_t[moved])
                self.older_v.append(self.recent_v[moved])
                self._older_sums = None
            moved += 1
        if moved:
            del self.recent_t[:moved], self.recent_v[:moved]
        expired = 0
        while expired < len(self.older_t) and self.older_t[expired] < t - window_s:
            expired += 1
        if expired:
            del self.older_t[:expired], self.older_v[:expired]
            self._older_sums = None

    def slope(self, thin_step_s: float) -> float | None:
        """The time-weighted least-squares slope (units per second); None if all at one time."""
        if not self.older_t:   # sums relative to the first recent point (not to time 0)
            _, w, st, sv, stt, stv = self._sums(self.recent_t, self.recent_v, None, thin_step_s, None)
        else:
            if self._older_sums is None:
                self._older_sums = self._sums(self.older_t, self.older_v, None, thin_step_s, None)
            ref, w, st, sv, stt, stv = self._older_sums
            _, rw, rst, rsv, rstt, rstv = self._sums(self.recent_t, self.recent_v, self.older_t[-1],
                                                     thin_step_s, ref)
            w, st, sv, stt, stv = w + rw, st + rst, sv + rsv, stt + rstt, stv + rstv
        denominator = w * stt - st * st
        if w <= 0 or denominator <= 0:
            return None
        return (w * stv - st * sv) / denominator

    @staticmethod
    def _sums(times, values, previous, cap, ref) -> tuple:
        """Weighted sums over times and values taken relative to `ref` (the first point when
        None), which keeps them small enough for floats to subtract without losing the slope."""
        if ref is None:
            ref = (times[0], values[0]) if times else (0.0, 0.0)
        t0, v0 = ref
        w = st = sv = stt = stv = 0.0
        for t, v in zip(times, values):
            weight = cap if previous is None else min(t - previous, cap)
            previous = t
            dt, dv = t - t0, v - v0
            w += weight
            st += weight * dt
            sv += weight * dv
            stt += weight * dt * dt
            stv += weight * dt * dv
        return ref, w, st, sv, stt, stv


class Trend:
    """The fill trends of one cluster (see the module doc)."""

    def __init__(self, window_s: float = 3 * DAY_S, dense_s: float = 1800.0,
                 thin_step_s: float = 300.0, min_points: int = 6, min_span_s: float = 1800.0):
        self.window_s, self.dense_s, self.thin_step_s = window_s, dense_s, thin_step_s
        self.min_points, self.min_span_s = min_points, min_span_s
        self._series: dict[str, _Series] = {}

    def add(self, t: float, values: Mapping[str, float]) -> None:
        """One moment's values (a `samples.sample`); keys not followed are ignored, and so is a
        point not newer than the last one of its series."""
        for key, value in values.items():
            if follows(key) and isinstance(value, (int, float)):
                self._add(key, t, float(value))
        for key in [key for key, series in self._series.items()
                    if series.last_time() < t - self.window_s]:
            del self._series[key]      # a pool that vanished: its points aged out

    def seed(self, series: Mapping[str, Iterable]) -> None:
        """Stored history ({name: [[time, value], ...]}, a `history` answer's `series`), before
        the first `add`; points are taken in time order, gaps (None values) skipped."""
        for key, points in series.items():
            if follows(key):
                for t, value in sorted(p for p in points if p[1] is not None):
                    self._add(key, float(t), float(value))

    def days_until_full(self, key: str, headroom: float) -> float | None:
        """Days until `headroom` more units are used at the trend's pace; None when not growing
        or with too little history; 0 when already past the headroom and still growing."""
        series = self._series.get(key)
        if series is None or len(series) < self.min_points \
                or series.last_time() - series.first_time() < self.min_span_s:
            return None
        slope = series.slope(self.thin_step_s)
        if slope is None or slope <= 0:
            return None
        return max(headroom, 0.0) / slope / DAY_S

    def size(self, key: str) -> int:
        """How many points of a series are held (0 for one not held)."""
        series = self._series.get(key)
        return len(series) if series is not None else 0

    def _add(self, key: str, t: float, value: float) -> None:
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = _Series()
        elif t <= series.last_time():
            return
        series.add(t, value, self.dense_s, self.thin_step_s, self.window_s)


def trend_days(trend: Trend, stats, view: OsdMapView) -> dict:
    """`api_usage`'s trend_days: {"cluster": days | None, "pools": {id: days | None}}.

    The cluster's headroom is raw: full_ratio × total − used. A pool's is what it can still
    store, `max_avail`, or what its byte quota leaves when that is less.
    """
    if stats.df is None:
        return {"cluster": None, "pools": {}}
    totals = raw_totals(stats.df)
    _, full = full_ratios(view)
    cluster = trend.days_until_full(CLUSTER_KEY, full * totals["total_bytes"] - totals["used_bytes"])
    pools = {}
    for pool_id, _, pool in df_pools(stats.df):
        headroom = number(pool, "max_avail")
        quota_bytes, _ = pool_quotas(view, pool_id, pool)
        if quota_bytes > 0:
            headroom = min(headroom, quota_bytes - number(pool, "stored"))
        pools[pool_id] = trend.days_until_full(pool_key(pool_id), headroom)
    return {"cluster": cluster, "pools": pools}
