"""What a ClusterActor does with each new heartbeat's stats: one history sample, the trend behind
`days_until_full`, and the capacity events (actors/cluster/capacity_alarms.py).

Kept apart from the actor so that it reads as the map-mirroring machine it is; this class holds
only the trend, the alarm levels (persisted with the cluster, so a restart neither repeats nor
misses an event) and the latest `trend_days`, which the usage and fleet reads show.
"""
from __future__ import annotations

from typing import Callable

from actors.cluster.capacity_alarms import assess
from actors.cluster.stats import ClusterStats
from actors.cluster.trend import Trend, trend_days
from actors.cluster.views.osd_map import OsdMapView
from actors.cluster.views.samples import sample
from actors.cluster.views.usage import api_usage
from actors.context import Peers, Timings
from actors.messages import EmitEvents
from actors.storage.messages import RecordSample


class Capacity:
    def __init__(self, fsid: str, peers: Peers, timings: Timings, save_levels: Callable[[], None]):
        """save_levels(): persist the cluster with the new `levels` (before their events go out)."""
        self.fsid = fsid
        self.peers = peers
        self.save_levels = save_levels
        self.trend = Trend(min_span_s=timings.trend_min_span_s)
        self.levels: dict = {}
        self.trend_days: dict = {"cluster": None, "pools": {}}

    def restore(self, points, levels: dict | None) -> None:
        """The stored recent history ((t, {series: value}), oldest first) and alarm levels."""
        for t, values in points:
            self.trend.add(t, values)
        self.levels = levels if isinstance(levels, dict) else {}

    def on_stats(self, stats: ClusterStats, view: OsdMapView, cluster_name: str, now: float) -> None:
        values = sample(stats)
        if values:   # on the daemon's clock: an agent's may run behind, past the roll-up of its bucket
            self.peers.store.tell(RecordSample(self.fsid, now, values))
            self.trend.add(now, values)
        self.trend_days = trend_days(self.trend, stats, view)
        figures = api_usage(stats, view, self.trend_days, with_headroom=False)
        levels, events = assess(self.levels, figures, cluster_name, self.fsid, now)
        if levels != self.levels:
            self.levels = levels
            self.save_levels()   # persisted before the events: a crash between never repeats them
        if events:
            self.peers.eventer.tell(EmitEvents(tuple(events)))
