"""A cluster's usage and rates of the moment (docs/sync-objects.md "Stats"), read as Ceph prints them.

They are not sync objects: no version, never part of the version vector or of the change-watch
fingerprint, since client IO moves them all the time. Cluster-wide figures ride on each cluster
heartbeat; per-OSD ones (`osd df`, `osd perf`: large at 10,000 OSDs) are the `get_cluster_stats`
job's. All four commands are mgr commands in Pacific, sent to the mon like `pg dump` (it
forwards them); the narrow user's mon `allow r` is enough for them (agent/ceph/caps.py).
"""
from __future__ import annotations

import logging
import time

from agent.backend import JobError
from agent.ceph.session import RadosSession

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
        self._clock, self._warn_every_s = clock, warn_every_s
        self._warned_at: float | None = None   # set while failing

    def read(self, status: dict) -> dict | None:
        try:
            stats = heartbeat_stats(self.session, status)
        except (JobError, ValueError, KeyError) as exc:   # refused, unreachable, unparsable
            self._failed(exc)
            return None
        if self._warned_at is not None:
            log.info("cluster stats readable again")
            self._warned_at = None
        return stats

    def _failed(self, exc: Exception) -> None:
        now = self._clock()
        if self._warned_at is None or now - self._warned_at >= self._warn_every_s:
            log.warning("cluster heartbeat sent without stats: %s", exc)
            self._warned_at = now
