"""Rolling time series up a tier and pruning each tier by age (store/history.py has the tiers;
the ages are the policy of actors/storage/retention.py SeriesTiers).

Progress lives in the rows, not in memory: a tier is rolled up to its edge (its newest bucket's
end), so a second run, the next batch of this one, or a run after a restart carries on where the
rows say and adds nothing twice. A 5-minute bucket is rolled once it ended ROLLUP_DELAY_S before
`now` (heartbeats still on their way to the store by then are in it), an hour once tier 1 holds
all of it. Rows of a tier are deleted when older than the tier's age *and* already rolled into
the tier above, so a backlog (a daemon stopped for a week) is rolled before anything goes.

Work is counted in rows (read to be rolled, or deleted) against a budget per call, so one call is
one bounded transaction; the caller calls again while the answer says it is not done. Clusters
are found by walking the primary key's first column (one index seek each), never by a scan.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from store.history import BUCKET_S, FIVE_MINUTES, HOURLY, History, bucket_start
from store.history_codec import means
from store.models import HistoryPoint

ROLLUP_DELAY_S = 60.0


@dataclass
class Upkeep:
    """What one call did, per tier (index = tier), and whether everything due is done."""
    written: list = field(default_factory=lambda: [0, 0, 0])   # rolled-up points written
    deleted: list = field(default_factory=lambda: [0, 0, 0])
    done: bool = True


def history_fsids(history: History):
    """Every fsid with stored points, in order: one seek per fsid."""
    last = None
    while True:
        query = HistoryPoint.select(HistoryPoint.fsid).order_by(HistoryPoint.fsid).limit(1)
        if last is not None:
            query = query.where(HistoryPoint.fsid > last)
        last = history.bound(query).scalar()
        if last is None:
            return
        yield last


def upkeep(history: History, now: float, ages: tuple[float, float, float], budget: int,
           delay_s: float = ROLLUP_DELAY_S) -> Upkeep:
    """Roll up and prune every cluster's series, touching about `budget` rows at most."""
    result = Upkeep()
    left = budget
    for fsid in list(history_fsids(history)):
        left = _upkeep_cluster(history, fsid, now, ages, left, delay_s, result)
        if left <= 0:
            result.done = False
            break
    return result


def _upkeep_cluster(history: History, fsid: str, now: float, ages, left: int, delay_s: float,
                    result: Upkeep) -> int:
    """-> the budget left."""
    complete = bucket_start(now - delay_s, FIVE_MINUTES)
    for tier in (FIVE_MINUTES, HOURLY):
        through, read, written = _roll(history, fsid, tier, complete, left)
        result.written[tier] += written
        left -= read
        deleted = prune_tier(history, fsid, tier - 1, min(now - ages[tier - 1], through), left)
        result.deleted[tier - 1] += deleted
        left -= deleted
        if left <= 0:
            return left
        complete = through     # the hours below are complete as far as tier 1 holds them
    deleted = prune_tier(history, fsid, HOURLY, now - ages[HOURLY], left)
    result.deleted[HOURLY] += deleted
    return left - deleted


def _roll(history: History, fsid: str, tier: int, until: float, budget: int) -> tuple[float, int, int]:
    """Mean the tier below's points of every bucket after this tier's edge and before `until`
    into this tier, reading about `budget` rows at most (one whole bucket at least).
    -> (time before which the tier below is all rolled, rows read, points written); rows read
    reach the budget when there is more to do."""
    step = BUCKET_S[tier]
    until = bucket_start(until, tier)
    newest = history.newest_t(fsid, tier)
    start = None if newest is None else newest + step
    if start is not None and start >= until:
        return until, 0, 0
    limit = max(budget, 1)
    rows = history.stored_points(fsid, tier - 1, start, until, hi_inclusive=False, limit=limit)
    read, through = len(rows), until
    if read == limit:          # the last bucket read may go on past the limit: left for next time
        through = bucket_start(rows[-1][0], tier)
        rows = [row for row in rows if row[0] < through]
        if not rows:           # one bucket bigger than the budget: read it all anyway
            rows = history.stored_points(fsid, tier - 1, through, through + step, hi_inclusive=False)
            read, through = len(rows), through + step
    meaned = means(rows, step)
    history.insert_points(fsid, tier, meaned)
    return through, read, len(meaned)


def prune_tier(history: History, fsid: str, tier: int, cutoff: float, budget: int) -> int:
    """Delete the tier's points older than `cutoff`, oldest first, at most `budget` of them."""
    if budget <= 0:
        return 0
    of_tier = (HistoryPoint.fsid == fsid) & (HistoryPoint.tier == tier)
    nth = history.bound(HistoryPoint.select(HistoryPoint.t).where(of_tier & (HistoryPoint.t < cutoff))
                        .order_by(HistoryPoint.t).offset(budget - 1).limit(1)).scalar()
    last = HistoryPoint.t < cutoff if nth is None else HistoryPoint.t <= nth
    return history.bound(HistoryPoint.delete().where(of_tier & last)).execute()
