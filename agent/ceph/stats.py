"""A cluster's usage and rates of the moment (docs/sync-objects.md "Stats"), read as Ceph prints them.

They are not sync objects: no version, never part of the version vector or of the change-watch
fingerprint, since client IO moves them all the time. Cluster-wide figures ride on each cluster
heartbeat; per-OSD ones (`osd df`, `osd perf`: large at 10,000 OSDs) are the `get_cluster_stats`
job's. All four commands are mgr commands in Pacific, sent to the mon like `pg dump` (it
forwards them); the narrow user's mon `allow r` is enough for them (actors/cluster/commands/agent_caps.py).
"""
from __future__ import annotations

import logging
import time

from agent.backend import JobError
from agent.ceph.session import RadosSession
from bus.log_throttle import LogThrottle

log = logging.getLogger(__name__)

STATS_WARN_EVERY_S = 600.0


def heartbeat_stats(session: RadosSession, status: dict) -> dict:
    """{"taken_at", "pgmap", "df", "pool_stats"}; `status` is the one the versions came from."""
    return {"taken_at": time.time(), "pgmap": status["pgmap"],
            "df": session.json_command("df", detail="detail"),
            "pool_stats": session.json_command("osd pool stats")}


def cluster_stats(session: RadosSession) -> dict:
    """The `get_cluster_stats` answer: {"fsid", "taken_at", "osd_df", "osd_perf"}."""
    return {"fsid": session.fsid, "taken_at": time.time(),
            "osd_df": session.json_command("osd df"), "osd_perf": session.json_command("osd perf")}


class StatsReader:
    """Heartbeat stats that never cost the heartbeat: a failed read gives None (the beat goes
    without stats) and is logged once per `warn_every_s` while it keeps failing, not per beat."""

    def __init__(self, session: RadosSession, clock=time.monotonic, warn_every_s: float = STATS_WARN_EVERY_S):
        self.session = session
        self._throttle = LogThrottle(log, warn_every_s, clock)
        self._failing = False

    def read(self, status: dict) -> dict | None:
        try:
            stats = heartbeat_stats(self.session, status)
        except (JobError, ValueError, KeyError) as exc:   # refused, unreachable, unparsable
            self._failed(exc)
            return None
        if self._failing:
            log.info("cluster stats readable again")
            self._failing = False
            self._throttle.reset("stats")   # a new failure is news: warned at once
        return stats

    def _failed(self, exc: Exception) -> None:
        self._failing = True
        self._throttle.log(logging.WARNING, "stats", "cluster heartbeat sent without stats: %s", exc)
