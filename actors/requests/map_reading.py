"""What the request machine reads in an OSD map and a PG summary. Pure.

Maps come from the cluster as Ceph printed them (docs/sync-objects.md): these readers tolerate
what a hostile or half-written map may hold, and raise ValueError only for a map that is not one.
"""
from __future__ import annotations

from typing import Any

# A new PG is `unknown` until the mgr has its first stats from an OSD (up to about a second on
# a real cluster), then `creating`: neither means the PG exists yet.
NOT_YET_CREATED = frozenset({"creating", "unknown"})


def created_pgs(pg_summary: Any, pool_id: int | None) -> int:
    """PGs of `pool_id` whose state (split on "+") is neither `creating` nor `unknown`."""
    if pool_id is None or not isinstance(pg_summary, dict):
        return 0
    by_pool = pg_summary.get("by_pool") or {}
    states = by_pool.get(str(pool_id), by_pool.get(pool_id)) or {}
    return sum(int(count) for name, count in states.items()
               if NOT_YET_CREATED.isdisjoint(str(name).split("+")))


def pools(osd_map: Any) -> list[dict]:
    if not isinstance(osd_map, dict):
        raise ValueError("the OSD map is not a map")
    return [p for p in osd_map.get("pools") or () if isinstance(p, dict)]


def pool_by_id(osd_map: Any, pool_id: int | None) -> dict | None:
    return next((p for p in pools(osd_map) if p.get("pool") == pool_id), None)


def pg_num_target(pool: dict) -> int:
    """The pg_num asked for: Ceph 14+ ramps `pg_num` towards `pg_num_target`."""
    return int(pool.get("pg_num_target", pool.get("pg_num")))


def last_change(pool: dict) -> int | None:
    try:
        return int(pool.get("last_change"))
    except (TypeError, ValueError):
        return None


def find_created_pool(osd_map: Any, pool_name: str | None, known_pool_ids, epoch_before: int | None) -> dict | None:
    """The pool a request created: named `pool_name`, not one of `known_pool_ids` (those so
    named at submit), and changed after `epoch_before`, the epoch held at submit (so created no
    earlier than the epoch after it); the newest such pool (highest id) when several match."""
    candidates = []
    for pool in pools(osd_map):
        if pool.get("pool_name") != pool_name or pool.get("pool") in known_pool_ids:
            continue
        changed = last_change(pool)
        if epoch_before is not None and changed is not None and changed <= epoch_before:
            continue
        candidates.append(pool)
    return max(candidates, key=lambda p: p.get("pool", -1), default=None)
