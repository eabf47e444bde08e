"""`GET cluster/<fsid>/io`: how busy a cluster is: client IO, recovery, PG states, per pool and
per-OSD latency. Pure; the caller adds `update_time`.

Cluster rates and counts are the pgmap of `status`, pools are `osd pool stats`, latencies are
`osd perf` (an empty list before the first `get_cluster_stats` answer). Pacific omits a rate or
count while it is zero, so every one reads as 0 when absent.
"""
from __future__ import annotations

from actors.errors import Unavailable
from actors.cluster.views.osd_map import OsdMapView
from actors.cluster.views.stats_fields import (
    RECOVERY_RATE_KEYS, client_rates, listed, mapped, number, pg_counts, pool_stats_by_id)

RECOVERY_COUNT_KEYS = ("degraded_objects", "degraded_ratio", "misplaced_objects",
                       "misplaced_ratio", "unfound_objects")


def recovery(pgmap) -> dict:
    """The pgmap's recovery rates and its degraded / misplaced / unfound objects."""
    return {key: number(pgmap, key) for key in (*RECOVERY_RATE_KEYS, *RECOVERY_COUNT_KEYS)}


def api_io(stats, view: OsdMapView, pg_summary: dict | None) -> dict:
    """The IO resource (see the module doc); 503 before the first pgmap arrived."""
    if stats.pgmap is None:
        raise Unavailable("The IO figures of this cluster have not arrived yet")
    return {"client": client_rates(stats.pgmap), "recovery": recovery(stats.pgmap),
            "pgs": pg_counts(stats.pgmap, pg_summary),
            "pools": _pools(stats.pool_stats, view), "osd_latency": _osd_latency(stats.osd_perf)}


def _pools(pool_stats, view: OsdMapView) -> list[dict]:
    by_id = pool_stats_by_id(pool_stats)
    rows = []
    for pool_id in sorted(by_id):
        entry = by_id[pool_id]
        name = entry.get("pool_name", (view.pools_by_id.get(pool_id) or {}).get("pool_name"))
        rates = entry.get("recovery_rate")
        rows.append({"id": pool_id, "name": name, "client": client_rates(entry.get("client_io_rate")),
                     "recovery": {**{key: number(rates, key) for key in RECOVERY_RATE_KEYS},
                                  "degraded_objects": number(entry.get("recovery"), "degraded_objects")}})
    return rows


def _osd_latency(osd_perf) -> list[dict]:
    infos = listed(mapped(osd_perf, "osdstats"), "osd_perf_infos")
    by_id = {}
    for info in infos:
        if isinstance(info, dict) and isinstance(info.get("id"), int):
            perf = info.get("perf_stats")
            by_id[info["id"]] = {"id": info["id"],
                                 "commit_latency_ms": number(perf, "commit_latency_ms"),
                                 "apply_latency_ms": number(perf, "apply_latency_ms")}
    return [by_id[osd_id] for osd_id in sorted(by_id)]
