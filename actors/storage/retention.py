"""Retention of history (events, completed requests, time series): by age and by count, enforced
in batches.

Pure policy here (no clocks: `now` is a parameter); the SQL is store/pruning.py, the batches run
in the store actor (PruneHistory), and the request tracker applies the same policy to the
requests it holds in memory. Pruning runs on a timer, never per insert: an insert stays one
statement whatever the table's size, and a big backlog (a lowered limit, an old data dir) is
deleted a batch at a time so other store messages keep flowing in between.
"""
from __future__ import annotations

from dataclasses import dataclass, field

DAY_S = 86_400.0


@dataclass(frozen=True)
class Retention:
    """Keep rows newer than max_age_s and at most max_count of them; None: no such limit."""
    max_age_s: float | None = None
    max_count: int | None = None

    def __post_init__(self):
        if self.max_age_s is not None and self.max_age_s <= 0:
            raise ValueError(f"max_age_s must be positive or None, got {self.max_age_s}")
        if self.max_count is not None and self.max_count < 0:
            raise ValueError(f"max_count must be >= 0 or None, got {self.max_count}")

    @classmethod
    def of(cls, max_age_days: float, max_count: int) -> "Retention":
        """From the daemon's flags, where 0 means "no limit"."""
        return cls(max_age_days * DAY_S if max_age_days else None, max_count or None)

    def cutoff(self, now: float) -> float | None:
        """Rows stamped before this are too old (None: no age limit)."""
        return None if self.max_age_s is None else now - self.max_age_s

    def excess(self, count: int) -> int:
        """How many of `count` rows are over the count limit."""
        return 0 if self.max_count is None else max(0, count - self.max_count)


@dataclass(frozen=True)
class SeriesTiers:
    """How long each tier of the clusters' time series is kept (store/history.py): a point per
    heartbeat for raw_s, 5-minute means for five_minute_s, hourly means for hourly_s. Reads take
    the finest tier that still holds the start of their range."""
    raw_s: float = 6 * 3600.0
    five_minute_s: float = 30 * DAY_S
    hourly_s: float = 365 * DAY_S

    def __post_init__(self):
        if not 0 < self.raw_s <= self.five_minute_s <= self.hourly_s:
            raise ValueError(f"tier ages must be positive and growing, got {self.ages}")

    @property
    def ages(self) -> tuple[float, float, float]:
        return (self.raw_s, self.five_minute_s, self.hourly_s)


@dataclass(frozen=True)
class RetentionSettings:
    events: Retention = field(default_factory=lambda: Retention(30 * DAY_S, 1_000_000))
    requests: Retention = field(default_factory=lambda: Retention(30 * DAY_S, 100_000))
    # Audit entries under their own limits (store/pruning.py): `events` counts only the rest.
    audit: Retention = field(default_factory=lambda: Retention(365 * DAY_S, 1_000_000))
    interval_s: float = 60.0     # how often a pruning run starts
    batch_rows: int = 5_000      # rows per table per transaction (a run goes on batch by batch)

    def __post_init__(self):
        if self.interval_s <= 0 or self.batch_rows <= 0:
            raise ValueError("interval_s and batch_rows must be positive")


def expired(stamps: list[tuple[object, float]], now: float, retention: Retention) -> list:
    """Keys to drop from `stamps` [(key, when)] oldest first: the too old, then the oldest of
    the rest beyond the count limit. The caller passes only what may be dropped at all."""
    cutoff = retention.cutoff(now)
    old = 0
    if cutoff is not None:
        while old < len(stamps) and stamps[old][1] < cutoff:
            old += 1
    over = retention.excess(len(stamps) - old)
    return [key for key, _ in stamps[:old + over]]


class Due:
    """Says when the next run is due: at the first call, then every interval_s."""

    def __init__(self, interval_s: float):
        self.interval_s = interval_s
        self._last: float | None = None

    def __call__(self, now: float) -> bool:
        # A clock stepped backwards must not stall pruning until it catches up again.
        if self._last is None or now - self._last >= self.interval_s or now < self._last:
            self._last = now
            return True
        return False
