"""Time series of clusters (issue 14): a point per heartbeat, 5-minute means, hourly means.

A point is one row per (fsid, tier, t) holding every series' value (store/history_codec.py: ids
and float64s): one insert per heartbeat whatever the number of series, names stored once
(history_series) instead of in every row.

Tiers: 0 raw (a point per heartbeat), 1 the mean of each 5-minute bucket (t = its start), 2 the
mean of each hour of tier 1, weighted by the heartbeats behind each point (`count`). Rolling up
and pruning: store/history_upkeep.py. A tier holds its rows up to its *edge* (its newest bucket's
end); what lies beyond is still only in the tier below, so reads take that part from there,
meaned on the fly over whole buckets as the roll-up will store them: a graph of any tier
reaches the newest heartbeat, and reads the same before and after a roll-up.

`History` works on one connection: the store's (the only writer) or a reader's (see
actors/storage/event_reader.py), each on its own thread; its queries are bound to that
connection, not to the models' shared binding. Like store/queries.py, it runs inside the
caller's transaction, and there is no clock inside: `now` is always given.
"""
from __future__ import annotations

import math
from fnmatch import fnmatchcase
from typing import Callable, Iterable

import peewee as pw

from store.history_codec import Layouts, Point, decode, encode, means
from store.models import HistoryPoint, HistorySeries

RAW, FIVE_MINUTES, HOURLY = 0, 1, 2
BUCKET_S = {FIVE_MINUTES: 300.0, HOURLY: 3600.0}
NAMES_PER_QUERY = 500      # names per IN (...): far below any backend's bound-variable limit
ROWS_PER_INSERT = 100      # 5 columns each: 500 bound values a statement at most


def numbers(values: dict) -> dict[str, float]:
    """Finite real numbers only: a NaN would poison every mean it enters."""
    return {name: float(value) for name, value in values.items()
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)}


def bucket_start(t: float, tier: int) -> float:
    return math.floor(t / BUCKET_S[tier]) * BUCKET_S[tier]


def tier_for(from_t: float, now: float, ages: tuple[float, float, float]) -> int:
    """The finest tier that still holds `from_t`: raw within ages[0] of now, and so on."""
    for tier in (RAW, FIVE_MINUTES):
        if from_t >= now - ages[tier]:
            return tier
    return HOURLY


class History:
    """The time series on one connection (db None: the models' own binding). Peewee still takes
    details from the models' binding (how a blob is passed, RETURNING or not), so it must be a
    database of the same kind: the store's and its reader's are the same database.

    Caches the ids of series names: rows of history_series are never changed or deleted, so a
    cached id stays right, unless the transaction that made it is rolled back (forget())."""

    def __init__(self, db: pw.Database | None = None):
        self.db = db
        self._ids: dict[str, int] = {}
        self._names: dict[int, str] = {}
        self._layouts = Layouts()

    def bound(self, query):
        return query if self.db is None else query.bind(self.db)

    def _rows(self, query) -> list[tuple]:
        """The rows as the driver gives them: peewee's per-row conversions cost more than the
        rest of a read. Blobs as bytes (PostgreSQL's driver gives memoryviews)."""
        sql, params = self.bound(query).sql()
        rows = (self.db or HistoryPoint._meta.database).execute_sql(sql, params).fetchall()
        return [(t, count, blob if isinstance(blob, bytes) else bytes(blob)) for t, count, blob in rows]

    # series names ---------------------------------------------------------------------------------

    def ids(self, names: Iterable[str], create: bool = False) -> dict[str, int]:
        """{name: id} of those of `names` that have one (all of them when `create`)."""
        names = list(dict.fromkeys(names))
        self._load(HistorySeries.name, [n for n in names if n not in self._ids])
        if create:
            new = [{"name": n} for n in names if n not in self._ids]
            if new:
                self.bound(HistorySeries.insert_many(new).on_conflict_ignore()).execute()
                self._load(HistorySeries.name, [row["name"] for row in new])
        return {n: self._ids[n] for n in names if n in self._ids}

    def names(self, ids: Iterable[int]) -> dict[int, str]:
        ids = set(ids)
        self._load(HistorySeries.id, [i for i in ids if i not in self._names])
        return {i: self._names[i] for i in ids if i in self._names}

    def matching(self, patterns: Iterable[str]) -> dict[str, int]:
        """{name: id} of every stored name matching one of the glob patterns ("pool.*.objects")."""
        patterns = list(patterns)
        self._load(None, None)
        return {name: i for name, i in self._ids.items() if any(fnmatchcase(name, p) for p in patterns)}

    def forget(self) -> None:
        """After a rolled-back write: the ids it made do not exist."""
        self._ids.clear()
        self._names.clear()

    def _load(self, column, keys: list | None) -> None:
        """The rows with `column` among `keys` (None: every row)."""
        chunks = [None] if keys is None else [keys[n:n + NAMES_PER_QUERY] for n in range(0, len(keys), NAMES_PER_QUERY)]
        for chunk in chunks:
            query = HistorySeries.select(HistorySeries.id, HistorySeries.name)
            if chunk is not None:
                query = query.where(column.in_(chunk))
            for series_id, name in self.bound(query).tuples():
                self._ids[name] = series_id
                self._names[series_id] = name

    # writes -------------------------------------------------------------------------------------

    def record_sample(self, fsid: str, t: float, values: dict) -> bool:
        """Store one heartbeat's values as a raw point (the same fsid and t again replaces it);
        False when no value was a number. New names get ids in the caller's transaction: if it
        is rolled back, call forget()."""
        kept = numbers(values)
        if not kept:
            return False
        ids = self.ids(kept, create=True)
        data = encode({ids[name]: value for name, value in kept.items()})
        self.bound(HistoryPoint.insert(fsid=fsid, tier=RAW, t=float(t), count=1, data=data).on_conflict(
            conflict_target=[HistoryPoint.fsid, HistoryPoint.tier, HistoryPoint.t],
            update={HistoryPoint.count: 1, HistoryPoint.data: data})).execute()
        return True

    def insert_points(self, fsid: str, tier: int, points: list[Point]) -> None:
        """Rolled-up points; one already stored is left as it is."""
        for first in range(0, len(points), ROWS_PER_INSERT):
            rows = [{"fsid": fsid, "tier": tier, "t": t, "count": count, "data": blob}
                    for t, count, blob in points[first:first + ROWS_PER_INSERT]]
            self.bound(HistoryPoint.insert_many(rows).on_conflict_ignore()).execute()

    def delete_history(self, fsid: str) -> int:
        return self.bound(HistoryPoint.delete().where(HistoryPoint.fsid == fsid)).execute()

    # reads --------------------------------------------------------------------------------------

    def newest_t(self, fsid: str, tier: int) -> float | None:
        return self.bound(HistoryPoint.select(HistoryPoint.t)
                          .where((HistoryPoint.fsid == fsid) & (HistoryPoint.tier == tier))
                          .order_by(HistoryPoint.t.desc()).limit(1)).scalar()

    def stored_points(self, fsid: str, tier: int, lo: float | None, hi: float | None,
                      hi_inclusive: bool = True, limit: int | None = None) -> list[Point]:
        """The rows of one tier with lo <= t <= hi (< hi: not hi_inclusive), oldest first."""
        query = (HistoryPoint.select(HistoryPoint.t, HistoryPoint.count, HistoryPoint.data)
                 .where((HistoryPoint.fsid == fsid) & (HistoryPoint.tier == tier)))
        if lo is not None:
            query = query.where(HistoryPoint.t >= lo)
        if hi is not None:
            query = query.where(HistoryPoint.t <= hi if hi_inclusive else HistoryPoint.t < hi)
        query = query.order_by(HistoryPoint.t)
        if limit is not None:
            query = query.limit(limit)
        return self._rows(query)

    def points(self, fsid: str, tier: int, lo: float, hi: float, hi_inclusive: bool = True) -> list[Point]:
        """A tier's points with lo <= t <= hi (< hi: not hi_inclusive), oldest first; beyond the
        tier's edge, the means of the tier below over whole buckets."""
        if tier == RAW:
            return self.stored_points(fsid, RAW, lo, hi, hi_inclusive)
        newest = self.newest_t(fsid, tier)
        edge = lo if newest is None else newest + BUCKET_S[tier]
        if edge > hi:
            return self.stored_points(fsid, tier, lo, hi, hi_inclusive)
        found = self.stored_points(fsid, tier, lo, edge, hi_inclusive=False) if edge > lo else []
        first_bucket = max(edge, math.ceil(lo / BUCKET_S[tier]) * BUCKET_S[tier])
        last_bucket = bucket_start(hi, tier)
        if last_bucket == hi and not hi_inclusive:
            last_bucket -= BUCKET_S[tier]
        below = self.points(fsid, tier - 1, first_bucket, last_bucket + BUCKET_S[tier], hi_inclusive=False)
        return found + means(below, BUCKET_S[tier])

    def read_history(self, fsid: str, series: Iterable[str], from_t: float, to_t: float, now: float,
                     raw_step_s: float, ages: tuple[float, float, float],
                     stamp: Callable[[float], object] = float) -> dict:
        """{"step_s", "series": {name: [[stamp(t), value], ...]}}: the points with from_t <= t <=
        to_t of the tier chosen by tier_for, oldest first (a bucket's mean covers all of it, also
        the one to_t falls in); a series without points gives []."""
        series = list(dict.fromkeys(series))
        tier = tier_for(from_t, now, ages)
        answer = {name: [] for name in series}
        wanted = self.ids(series)
        if wanted and from_t <= to_t:
            lists, ids = [answer[name] for name in wanted], tuple(wanted.values())
            for t, _, blob in self.points(fsid, tier, from_t, to_t):
                when = None
                for found, value in zip(lists, self._layouts.pick(blob, ids)):
                    if value is not None:
                        if when is None:
                            when = stamp(t)
                        found.append([when, value])
        return {"step_s": raw_step_s if tier == RAW else BUCKET_S[tier], "series": answer}

    def recent_points(self, fsid: str, since: float, now: float, raw_s: float, five_minute_s: float | None = None,
                      patterns: Iterable[str] = ()) -> list[tuple[float, dict[str, float]]]:
        """[(t, {name: value})] from `since` on, oldest first: hourly means until five_minute_s
        before now (None: none), then 5-minute means until raw_s before now, then every raw
        point; each tier as far as it is rolled up, the next one from there. patterns: only the
        series whose names match one of these globs (none: all)."""
        found, start = [], since
        for tier, finer_s in ((HOURLY, five_minute_s), (FIVE_MINUTES, raw_s)):
            newest = None if finer_s is None else self.newest_t(fsid, tier)
            if newest is None:
                continue
            reach = math.ceil((now - finer_s) / BUCKET_S[tier]) * BUCKET_S[tier]
            end = min(reach, newest + BUCKET_S[tier])
            if end > start:
                found += self.stored_points(fsid, tier, start, end, hi_inclusive=False)
                start = end
        found += self.stored_points(fsid, RAW, start, None)
        patterns = list(patterns)
        if patterns:
            matched = self.matching(patterns)
            names, ids = list(matched), tuple(matched.values())
            picked = ((t, {name: value for name, value in zip(names, self._layouts.pick(blob, ids))
                           if value is not None}) for t, _, blob in found)
            return [(t, values) for t, values in picked if values]
        decoded = [(t, decode(blob)) for t, _, blob in found]
        known = self.names({series_id for _, values in decoded for series_id in values})
        return [(t, {known[i]: v for i, v in values.items() if i in known}) for t, values in decoded]
