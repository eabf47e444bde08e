"""`GET fleet`: one row per cluster, what an operator scans first across many clusters. Pure.

Each ClusterActor builds its row whenever its favourite heartbeat or a map moves it, and
publishes it (actors/dispatch/read_models.py); a fleet request only filters, sorts and pages
the published rows, so its cost does not grow with the size of the clusters. The servers'
counts (managed, late) are added by the facade from the directory's contact times: they move
with every server heartbeat, not with the cluster's.
"""
from __future__ import annotations

from actors.cluster.stats import ClusterStats
from actors.cluster.views.osd_map import OsdMapView
from actors.cluster.views.stats_fields import client_rates, pg_counts, ratio
from actors.timefmt import iso

# Worst last, so `ordering=-health` lists the sick clusters first.
HEALTH_RANK = {"HEALTH_OK": 0, "HEALTH_WARN": 1, "HEALTH_ERR": 2}


def osd_counts(view: OsdMapView) -> dict:
    """{"total", "up", "in"} of an OSD map (cache it per map version: 10,000 OSDs)."""
    osds = view.osds_by_id.values()
    return {"total": len(osds), "up": sum(1 for o in osds if o.get("up")),
            "in": sum(1 for o in osds if o.get("in"))}


def fleet_row(*, fsid: str, name: str, update_time: float, health: dict | None, osds: dict | None,
              mon_map: dict | None, quorum_status: dict | None, stats: ClusterStats,
              days_until_full: float | None, fqdns: tuple) -> dict:
    """The cluster's row; `fqdns` (where its services run) is private to the facade, which
    turns it into the servers' counts. Figures not known yet are None."""
    pgmap = stats.pgmap or {}
    total, used = pgmap.get("bytes_total"), pgmap.get("bytes_used")
    status = health.get("status", health.get("overall_status")) if isinstance(health, dict) else None
    return {
        "fsid": fsid, "name": name, "health": status, "checks": _check_counts(health),
        "total_bytes": total, "used_bytes": used,
        "used_ratio": ratio(used, total) if isinstance(total, int) and isinstance(used, int) and total else None,
        "days_until_full": days_until_full,
        "osds": osds or {"total": None, "up": None, "in": None},
        "mons": _mon_counts(mon_map, quorum_status),
        "pgs": _pg_counts(stats.pgmap),
        "client_io": client_rates(stats.pgmap) if stats.pgmap else None,
        "update_time": iso(update_time),
        "_fqdns": fqdns,
    }


def _check_counts(health: dict | None) -> dict:
    counts = {"HEALTH_ERR": 0, "HEALTH_WARN": 0}
    checks = health.get("checks") if isinstance(health, dict) else None
    for check in (checks or {}).values():
        if isinstance(check, dict) and check.get("severity") in counts:
            counts[check["severity"]] += 1
    return counts


def _mon_counts(mon_map: dict | None, quorum_status: dict | None) -> dict:
    mons = mon_map.get("mons") if isinstance(mon_map, dict) else None
    quorum = quorum_status.get("quorum") if isinstance(quorum_status, dict) else None
    return {"total": len(mons) if isinstance(mons, list) else None,
            "in_quorum": len(quorum) if isinstance(quorum, list) else None}


def _pg_counts(pgmap: dict | None) -> dict:
    """As `io` counts them (a clean PG being scrubbed is still clean); None before any stats."""
    if pgmap is None:
        return {"total": None, "active_clean": None}
    counts = pg_counts(pgmap)
    return {"total": counts["total"], "active_clean": counts["active_clean"]}
