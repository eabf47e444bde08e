"""Reading the stats JSON of docs/sync-objects.md "Stats" (pgmap, df, pool_stats) defensively.

The shapes come from an agent: a missing key, a string where a number belongs or a malformed
entry must read as zero or be skipped, never raise, so one odd agent cannot break a cluster's
reads. Pacific also leaves out rate keys that are zero, so absence is the ordinary case.
Shared by the usage, IO and history figures so that all three agree on what a field means.
"""
from __future__ import annotations

CLIENT_KEYS = ("read_bytes_sec", "write_bytes_sec", "read_op_per_sec", "write_op_per_sec")
RECOVERY_RATE_KEYS = ("recovering_bytes_per_sec", "recovering_objects_per_sec")


def number(mapping, key: str) -> int | float:
    """mapping[key] when it is a real number, else 0 (absent, None, text, bool)."""
    value = mapping.get(key) if type(mapping) is dict else None
    # exact types: bool is an int subclass, and NaN is the one float unequal to itself
    if type(value) is int or (type(value) is float and value == value):
        return value
    return 0


def mapped(mapping, key: str) -> dict:
    """mapping[key] when it is a dict, else {}."""
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return value if isinstance(value, dict) else {}


def listed(mapping, key: str) -> list:
    """mapping[key] when it is a list, else []."""
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return value if isinstance(value, list) else []


def ratio(part: float, whole: float) -> float:
    return part / whole if whole > 0 else 0.0


def client_rates(rates) -> dict:
    """The four client IO rates of a pgmap or a pool's `client_io_rate`."""
    return {key: number(rates, key) for key in CLIENT_KEYS}


def df_pools(df) -> list[tuple[int, str | None, dict]]:
    """(id, name, stats) of each well-formed `df detail` pool, by id."""
    found = {}
    for entry in listed(df, "pools"):
        if isinstance(entry, dict) and _is_id(entry.get("id")) and isinstance(entry.get("stats"), dict):
            found[entry["id"]] = (entry["id"], entry.get("name"), entry["stats"])
    return [found[pool_id] for pool_id in sorted(found)]


def pool_stats_by_id(pool_stats) -> dict[int, dict]:
    """The well-formed `osd pool stats` entries by pool id."""
    entries = pool_stats if isinstance(pool_stats, list) else ()
    return {entry["pool_id"]: entry for entry in entries
            if isinstance(entry, dict) and _is_id(entry.get("pool_id"))}


def raw_totals(df) -> dict:
    """The cluster's raw capacity (all replicas) and what the pools store (one replica)."""
    stats = mapped(df, "stats")
    total, used = number(stats, "total_bytes"), number(stats, "total_used_raw_bytes")
    pools = df_pools(df)
    return {"total_bytes": total, "used_bytes": used,
            "avail_bytes": number(stats, "total_avail_bytes"), "used_ratio": ratio(used, total),
            "stored_bytes": sum(number(s, "stored") for _, _, s in pools),
            "objects": sum(number(s, "objects") for _, _, s in pools)}


def pg_counts(pgmap, pg_summary=None) -> dict:
    """{"total", "active_clean", "by_state"}: the pgmap's `pgs_by_state` (of the same moment as
    the rates), else the pg_summary sync object's "all". A PG counts as active+clean when its
    state has both parts, so a clean PG being scrubbed is still healthy."""
    by_state: dict[str, int] = {}
    states = listed(pgmap, "pgs_by_state")
    if states:
        for entry in states:
            if isinstance(entry, dict) and isinstance(entry.get("state_name"), str):
                by_state[entry["state_name"]] = by_state.get(entry["state_name"], 0) + int(number(entry, "count"))
    elif isinstance(pg_summary, dict) and isinstance(pg_summary.get("all"), dict):
        by_state = {state: int(number(pg_summary["all"], state)) for state in pg_summary["all"]}
    active_clean = sum(count for state, count in by_state.items()
                       if {"active", "clean"} <= set(state.split("+")))
    return {"total": sum(by_state.values()), "active_clean": active_clean,
            "by_state": dict(sorted(by_state.items()))}


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
