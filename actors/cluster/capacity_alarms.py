"""Capacity events: pools filling their quota or their room, clusters and pools about to be full.

`assess` compares a `usage` answer (actors/cluster/views/usage.py) with the alarm levels raised
so far and returns the new levels with the events to emit. Pure, the time is passed in.

Each alarm climbs a ladder of thresholds: a pool at 75, 85, 95 % of its quota (bytes or objects,
whichever is nearer) or of its room (Ceph's `percent_used`: stored over stored + max_avail), and
`days_until_full` under 30 then 7 days for the cluster and each pool. Reaching a higher rung
emits one event (for the highest rung reached, when several are passed at once); staying there
emits nothing. Falling back past the lowest rung emits one RECOVERY; in between the level
follows silently, so a pool that drops from 96 % to 80 % and climbs again is told about 85 %
again. Every way back needs a margin (2 points, 10 % of the days) so a figure hovering at a
line does not flap.

`levels` is small and JSON-able; the caller persists it, so a restart neither repeats nor misses
an event: {"cluster": {"days": 30}, "pools": {"<id>": {"quota": 85, "room": 75, "days": 7}}},
holding raised alarms only. A pool gone from the usage answer is dropped without an event.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from actors.events import ERROR, RECOVERY, WARNING, Event

FILL_HYSTERESIS = 2.0       # percentage points
DAYS_HYSTERESIS = 0.1       # fraction of the threshold


@dataclass(frozen=True)
class Ladder:
    thresholds: tuple       # mildest first
    severities: tuple       # one per threshold
    reached: Callable       # (value, threshold) -> the value is at or past the threshold
    cleared: Callable       # (value, threshold) -> the value is back past it by the margin

    def step(self, level, value) -> tuple:
        """(new level or None, the threshold to announce or None, whether it recovered)."""
        held = self.thresholds.index(level) if level in self.thresholds else -1
        reached = max((i for i, t in enumerate(self.thresholds) if self.reached(value, t)), default=-1)
        if reached > held:
            return self.thresholds[reached], self.thresholds[reached], False
        kept = max((i for i in range(held + 1) if not self.cleared(value, self.thresholds[i])),
                   default=-1)
        return (self.thresholds[kept] if kept >= 0 else None), None, held >= 0 and kept < 0


FILL = Ladder((75, 85, 95), (WARNING, WARNING, ERROR),
              reached=lambda value, t: value is not None and value >= t,
              cleared=lambda value, t: value is None or value < t - FILL_HYSTERESIS)
DAYS = Ladder((30, 7), (WARNING, ERROR),
              reached=lambda value, t: value is not None and value < t,
              cleared=lambda value, t: value is None or value >= t * (1 + DAYS_HYSTERESIS))


def assess(levels: dict | None, figures: dict | None, cluster_name: str, fsid: str,
           now: float) -> tuple[dict, list[Event]]:
    """(the new levels, the events to emit) for one `usage` answer (`figures`)."""
    levels = levels if isinstance(levels, dict) else {}
    if not isinstance(figures, dict):
        return levels, []
    events: list[Event] = []

    def event(severity: int, message: str, pool_id: int | None = None) -> None:
        events.append(Event(when=now, severity=severity, message=message, fsid=fsid,
                            service_type=None if pool_id is None else "pool",
                            service_id=None if pool_id is None else str(pool_id)))

    cluster_was = levels.get("cluster") if isinstance(levels.get("cluster"), dict) else {}
    subject = f"Cluster '{cluster_name}'"
    cluster_now = _climb(cluster_was, {"days": figures.get("days_until_full")},
                         lambda *args: event(*_message(subject, *args)))
    new_levels: dict = {"cluster": cluster_now, "pools": {}}
    pools_was = levels.get("pools") if isinstance(levels.get("pools"), dict) else {}
    for pool in figures.get("pools") or ():
        pool_id = pool["id"]
        was = pools_was.get(str(pool_id))
        subject = f"Pool '{pool['name']}' of cluster '{cluster_name}'"
        raised = _climb(was if isinstance(was, dict) else {}, _pool_values(pool),
                        lambda *args: event(*_message(subject, *args), pool_id=pool_id))
        if raised:
            new_levels["pools"][str(pool_id)] = raised
    return new_levels, events


_LADDERS = {"quota": FILL, "room": FILL, "days": DAYS}


def _pool_values(pool: dict) -> dict:
    ratios = [r for r in (pool.get("quota_bytes_ratio"), pool.get("quota_objects_ratio")) if r is not None]
    return {"quota": max(ratios) * 100 if ratios else None, "room": pool.get("percent_used"),
            "days": pool.get("days_until_full")}


def _climb(was: dict, values: dict, announce) -> dict:
    """The raised levels after `values`, calling announce(alarm, severity, value, threshold)."""
    raised = {}
    for alarm, value in values.items():
        ladder = _LADDERS[alarm]
        level, announced, recovered = ladder.step(was.get(alarm), value)
        if announced is not None:
            announce(alarm, ladder.severities[ladder.thresholds.index(announced)], value, announced)
        elif recovered:
            announce(alarm, RECOVERY, value, ladder.thresholds[0])
        if level is not None:
            raised[alarm] = level
    return raised


def _message(subject: str, alarm: str, severity: int, value, threshold) -> tuple[int, str]:
    if alarm == "days":
        if severity == RECOVERY:
            return severity, f"{subject} is no longer expected to be full within {threshold} days"
        return severity, f"{subject} will be full in {value:.1f} days at its present growth"
    what = "of its quota" if alarm == "quota" else "full"
    if severity != RECOVERY:
        return severity, f"{subject} is {math.floor(value + 1e-9)}% {what}"
    if value is None and alarm == "quota":
        return severity, f"{subject} has no quota any more"
    return severity, f"{subject} is back below {threshold}% {what}"
