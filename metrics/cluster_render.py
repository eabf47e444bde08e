"""One cluster's metric lines, rendered once per version of what they are made of.

A cluster's families fall into parts, each made from its own inputs (`PARTS`): the OSD map's
families change only with its epoch, the OSD stats' with each `osd df` answer, the health's with
the health map, and so on. A part is rendered again only when its inputs' identity moved
(`Part.key`); its lines are kept per family as compressed pieces (metrics/exposition.py).

The inputs are read through the cluster's QueryCache (`.inputs`: actors/cluster/queries.py
ClusterInputs), whose maps and stats its ClusterActor replaces and never mutates, so this reads
them on the metrics thread without asking the actor. Nothing here mutates the QueryCache. A key
holds only scalars or small objects (a health map, a pool's PG counts): a whole OSD map or the
stats are told apart by their epoch / time and identity, never held, so a replaced map is not
kept alive by the metrics.
"""
from __future__ import annotations

import logging
import weakref
from typing import Callable, NamedTuple

from metrics.ceph_cluster import fs_rows, health_rows, mon_rows, pg_rows, report_rows, usage_rows
from metrics.ceph_families import FILESYSTEMS, HEALTH, MONS, OSD_MAP, OSD_STATS, PGS, REPORTS, USAGE
from metrics.ceph_osds import osd_map_rows, osd_stats_rows
from metrics.exposition import Family, Member, escape_label, member, series_lines

log = logging.getLogger(__name__)


class Part(NamedTuple):
    families: tuple[Family, ...]
    read: Callable[[object, dict], tuple]  # (ClusterInputs, summary) -> the objects it is made of
    key: Callable[..., tuple]             # those objects -> their identity (scalars, small objects)
    rows: Callable[..., dict[str, list]]  # those objects -> {family name: [(labels, value)]}


def _osd_map_key(osd_map) -> tuple:
    return (id(osd_map), osd_map.get("epoch") if isinstance(osd_map, dict) else None)


def _by_pool(pg_summary):
    return pg_summary.get("by_pool") if isinstance(pg_summary, dict) else None


PARTS = (
    Part(HEALTH, lambda i, _: (i.sync_data("health"),), lambda health: (health,), health_rows),
    Part(MONS, lambda i, _: (i.sync_data("mon_status"), i.sync_data("quorum_status"), i.services()),
         lambda *objects: objects, mon_rows),
    Part(FILESYSTEMS, lambda i, _: (i.sync_data("mds_map"), i.services()), lambda *objects: objects, fs_rows),
    Part(OSD_MAP, lambda i, _: (i.sync_data("osd_map"),), _osd_map_key, osd_map_rows),
    Part(OSD_STATS, lambda i, _: (i.stats(),),
         lambda s: (s.osd_taken_at, id(s.osd_df_packed), id(s.osd_perf_packed)),
         lambda s: osd_stats_rows(s.osd_df, s.osd_perf)),
    Part(USAGE, lambda i, _: (i.stats(),), lambda s: (s.taken_at, id(s.df), id(s.pool_stats), id(s.pgmap)),
         lambda s: usage_rows(s.df, s.pool_stats, s.pgmap)),
    Part(PGS, lambda i, _: (_by_pool(i.sync_data("pg_summary")),), lambda by_pool: (by_pool,), pg_rows),
    Part(REPORTS, lambda _, summary: (summary.get("update_time"),), lambda time: (time,), report_rows),
)
FAMILIES: tuple[Family, ...] = tuple(family for part in PARTS for family in part.families)
PART_OF: dict[str, int] = {family.name: n for n, part in enumerate(PARTS) for family in part.families}


def same_key(old: tuple | None, new: tuple) -> bool:
    """Identity for objects (a map is never mutated, only replaced), equality for scalars."""
    return old is not None and len(old) == len(new) and all(
        a is b or (type(a) in (int, float, str) and type(a) is type(b) and a == b) for a, b in zip(old, new))


class ClusterRender:
    """The kept members of one cluster (of one ClusterActor: a cluster forgotten and added again
    has a new QueryCache, and so starts afresh)."""

    def __init__(self, fsid: str, cache):
        self.fsid = fsid
        self.cache_ref = weakref.ref(cache)
        self.suffix = f'cluster="{escape_label(fsid)}"'
        self.keys: list[tuple | None] = [None] * len(PARTS)
        self.members: list[dict[str, Member]] = [{} for _ in PARTS]

    def refresh(self, summary: dict, pause: Callable[[], None] = lambda: None) -> int:
        """Render again the parts whose inputs moved (`summary`: the cluster's entry in the
        cluster list, as published); -> how many were. `pause()` after each family rendered:
        metrics/render_thread.py yield_gil."""
        cache = self.cache_ref()
        if cache is None:
            return 0
        rendered = 0
        for n, part in enumerate(PARTS):
            try:
                objects = part.read(cache.inputs, summary)
                key = part.key(*objects)
                if same_key(self.keys[n], key):
                    continue
                self.keys[n] = key   # kept if rendering fails: a bad map is not retried every scrape
                rows = part.rows(*objects)
                pause()
                self.members[n] = {}
                for family in part.families:
                    if rows.get(family.name):
                        self.members[n][family.name] = member(series_lines(family.name, rows[family.name],
                                                                           self.suffix))
                        pause()
                rendered += 1
            except Exception:  # noqa: BLE001 - an agent's odd map must not end every scrape
                self.members[n] = {}
                log.warning("metrics: cluster %s: cannot render %s...", self.fsid, part.families[0].name,
                            exc_info=True)
        return rendered

    def member(self, family: str) -> Member | None:
        return self.members[PART_OF[family]].get(family)
