"""The history series: the names the daemon keeps over time and one heartbeat's point of each.

Cluster series are named as the figures of `usage`, `io` and the PG counts; pool series are
"pool.<id>.<figure>" (the id, not the name: names can be changed, ids are never reused).
`sample` reads one heartbeat's pgmap, df and pool_stats, which are of one moment, through the
same readers as the usage and IO resources, so history and the live figures agree.
"""
from __future__ import annotations

from actors.cluster.views.stats_fields import (
    CLIENT_KEYS, RECOVERY_RATE_KEYS, client_rates, df_pools, number, pg_counts, pool_stats_by_id,
    raw_totals)

_USAGE_SERIES = ("total_bytes", "used_bytes", "avail_bytes", "used_ratio", "stored_bytes", "objects")
_RECOVERY_COUNT_SERIES = ("degraded_objects", "misplaced_objects", "unfound_objects")
CLUSTER_SERIES = (*_USAGE_SERIES, *CLIENT_KEYS, *RECOVERY_RATE_KEYS, *_RECOVERY_COUNT_SERIES,
                  "pgs_total", "pgs_active_clean")
_POOL_USAGE_SERIES = {"stored_bytes": "stored", "objects": "objects", "used_bytes": "bytes_used"}
POOL_SERIES = (*_POOL_USAGE_SERIES, *CLIENT_KEYS)

_CLUSTER_SET, _POOL_SET = frozenset(CLUSTER_SERIES), frozenset(POOL_SERIES)


def pool_series(pool_id: int, figure: str) -> str:
    return f"pool.{pool_id}.{figure}"


def sample(stats) -> dict[str, float]:
    """Every series' value at the moment of the stats' heartbeat; {} before the first one."""
    if stats.pgmap is None or stats.df is None:
        return {}
    pgs = pg_counts(stats.pgmap)
    values = {**raw_totals(stats.df), **client_rates(stats.pgmap),
              **{key: number(stats.pgmap, key) for key in (*RECOVERY_RATE_KEYS, *_RECOVERY_COUNT_SERIES)},
              "pgs_total": pgs["total"], "pgs_active_clean": pgs["active_clean"]}
    for pool_id, _, pool in df_pools(stats.df):
        for figure, df_key in _POOL_USAGE_SERIES.items():
            values[pool_series(pool_id, figure)] = number(pool, df_key)
    for pool_id, entry in pool_stats_by_id(stats.pool_stats).items():
        for figure, value in client_rates(entry.get("client_io_rate")).items():
            values[pool_series(pool_id, figure)] = value
    return {name: float(value) for name, value in values.items()}


def series_problem(name) -> str | None:
    """None when `name` is a series the daemon keeps, else why not (for a 400 answer)."""
    if name in _CLUSTER_SET:
        return None
    parts = name.split(".") if isinstance(name, str) else ()
    if len(parts) != 3 or parts[0] != "pool":
        return f"unknown series {name!r}"
    pool_id, figure = parts[1], parts[2]
    if not (pool_id.isascii() and pool_id.isdigit()) or str(int(pool_id)) != pool_id:
        return f"bad pool id {pool_id!r} in series {name!r}"
    if figure not in _POOL_SET:
        return f"unknown pool series {figure!r} in {name!r}"
    return None
