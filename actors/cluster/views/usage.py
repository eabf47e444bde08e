"""`GET cluster/<fsid>/usage`: how full a cluster is, per device class and per pool. Pure.

Raw figures (all replicas) come from `df detail`'s `stats`, pool figures from its `pools`
(`stored` is user bytes, `bytes_used` raw bytes, `percent_used` a fraction, `max_avail` what the
pool can still store before its fullest OSD reaches the full ratio), quotas from the OSD map
(`osd dump`, 0 = none), the ratios from the OSD map too. `days_until_full` is the caller's trend
(actors/cluster/trend.py); `host_failure_headroom` needs `osd df` and is None before it.
"""
from __future__ import annotations

from actors.errors import Unavailable
from actors.cluster.views.osd_map import OsdMapView
from actors.cluster.views.osd_usage import KIB, osd_df_nodes, osd_hosts
from actors.cluster.views.stats_fields import df_pools, mapped, number, raw_totals, ratio

# Ceph's defaults, for a map that does not carry the ratios (before the first map, or a
# pre-Luminous map where they lived in the PG map and `osd dump` printed 0).
DEFAULT_NEARFULL_RATIO = 0.85
DEFAULT_FULL_RATIO = 0.95


def full_ratios(view: OsdMapView) -> tuple[float, float]:
    """(nearfull_ratio, full_ratio) of the OSD map, Ceph's defaults where it has none."""
    def read(key: str, default: float) -> float:
        value = number(view.raw, key)
        return float(value) if 0 < value <= 1 else default
    return read("nearfull_ratio", DEFAULT_NEARFULL_RATIO), read("full_ratio", DEFAULT_FULL_RATIO)


def api_usage(stats, view: OsdMapView, trend_days: dict, with_headroom: bool = True) -> dict:
    """The usage resource (see the module doc); 503 before the first `df` arrived. Without
    headroom (the capacity alarms, on every heartbeat, need none): `host_failure_headroom` None,
    and no pass over every OSD."""
    if stats.df is None:
        raise Unavailable("The usage of this cluster has not arrived yet")
    nearfull, full = full_ratios(view)
    pool_days = trend_days.get("pools") or {}
    return {**raw_totals(stats.df), "nearfull_ratio": nearfull, "full_ratio": full,
            "days_until_full": trend_days.get("cluster"),
            "host_failure_headroom": host_failure_headroom(stats.osd_df, osd_hosts(view), full)
            if with_headroom else None,
            "device_classes": _device_classes(stats.df),
            "pools": [_pool(view, pool_id, name, pool_stats, pool_days.get(pool_id))
                      for pool_id, name, pool_stats in df_pools(stats.df)]}


def host_failure_headroom(osd_df, hosts: dict[int, str], full_ratio: float) -> dict | None:
    """Would the data of the host holding the most fit on the other hosts below the full ratio?

    The other hosts' room is that of their OSDs which can take data now (up, reweight > 0);
    margin = full_ratio × their size − their used − the host's used (negative: it does not fit).
    None before the first `osd df`, or when no OSD is placed on a host.
    """
    if osd_df is None:
        return None
    nodes = osd_df_nodes(osd_df)
    used_by_host: dict[str, float] = {}
    for node in nodes:
        host = hosts.get(node["id"])
        if host is not None:
            used_by_host[host] = used_by_host.get(host, 0) + number(node, "kb_used") * KIB
    if not used_by_host:
        return None
    largest = max(sorted(used_by_host), key=used_by_host.__getitem__)   # ties: first by name
    receivers = [node for node in nodes if hosts.get(node["id"]) != largest
                 and node.get("status") == "up" and number(node, "reweight") > 0]
    others_total = sum(number(node, "kb") for node in receivers) * KIB
    others_used = sum(number(node, "kb_used") for node in receivers) * KIB
    margin = full_ratio * others_total - others_used - used_by_host[largest]
    return {"host": largest, "host_used_bytes": int(used_by_host[largest]), "fits": margin >= 0,
            "margin_bytes": int(margin)}   # whole bytes, as every other byte count


def pool_quotas(view: OsdMapView, pool_id: int, stats: dict) -> tuple[float, float]:
    """(quota_max_bytes, quota_max_objects), 0 for none: the OSD map's, which is the authority
    (`df` only echoes it, possibly older), or `df`'s for a pool the map does not have yet."""
    osd_map_pool = view.pools_by_id.get(pool_id)
    if osd_map_pool is not None:
        return number(osd_map_pool, "quota_max_bytes"), number(osd_map_pool, "quota_max_objects")
    return number(stats, "quota_bytes"), number(stats, "quota_objects")


def _device_classes(df: dict) -> list[dict]:
    by_class = mapped(df, "stats_by_class")
    rows = []
    for name in sorted(by_class):
        stats = by_class[name]
        total, used = number(stats, "total_bytes"), number(stats, "total_used_raw_bytes")
        rows.append({"name": name, "total_bytes": total, "used_bytes": used,
                     "avail_bytes": number(stats, "total_avail_bytes"), "used_ratio": ratio(used, total)})
    return rows


def _pool(view: OsdMapView, pool_id: int, name: str | None, stats: dict, days: float | None) -> dict:
    osd_map_pool = view.pools_by_id.get(pool_id) or {}
    stored, objects = number(stats, "stored"), number(stats, "objects")
    quota_bytes, quota_objects = pool_quotas(view, pool_id, stats)
    return {"id": pool_id, "name": name if name is not None else osd_map_pool.get("pool_name"),
            "stored_bytes": stored, "objects": objects, "used_bytes": number(stats, "bytes_used"),
            "percent_used": number(stats, "percent_used") * 100,
            "max_avail_bytes": number(stats, "max_avail"),
            "quota_max_bytes": quota_bytes, "quota_max_objects": quota_objects,
            "quota_bytes_ratio": stored / quota_bytes if quota_bytes > 0 else None,
            "quota_objects_ratio": objects / quota_objects if quota_objects > 0 else None,
            "days_until_full": days}
