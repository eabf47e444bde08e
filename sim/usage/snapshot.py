"""Where a cluster's bytes are: placement (per map generation) and one moment's figures.

Each PG of a pool holds `stored / PGs` user bytes; every member of its acting set holds one copy
of them (a shard of 1/k in an erasure-coded pool). An OSD uses the sum over the PGs it is a
member of, plus a fixed overhead (BlueStore's own metadata), out of `osd_bytes`, the same for
every OSD. A down OSD keeps what it held until its PGs are placed elsewhere.

`Placement` depends only on the PG table and the OSD states, so the model keeps one per
generation; `Snapshot` adds the pools' bytes of the moment and costs O(PG copies + pools), never
O(OSDs): the heartbeat's figures come from it, only `osd df` walks every OSD.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping

from sim.ceph_json import FULL_RATIO
from sim.pgs import BACKFILLING, PG, OsdView, missing_copies
from sim.state import Osd, Pool

OBJECT_BYTES = 4 << 20      # an RBD object
GIB = 1 << 30
ERASURE = 3                 # pg_pool_t::TYPE_ERASURE


def whole(value: float) -> int:
    """A count Ceph prints as an integer, from the model's float (which may sit a hair below)."""
    return int(value + 1e-6)


def overhead_bytes(osd_bytes: int) -> int:
    """What an OSD uses with no data: 1 % of the device, at most 1 GiB."""
    return min(GIB, osd_bytes // 100)


def shard_fraction(pool: Pool, ec_profiles: Mapping[str, dict]) -> float:
    """The part of a PG's user bytes one member holds: all of them in a replicated pool, 1/k in
    an erasure-coded one."""
    if pool.type != ERASURE:
        return 1.0
    try:
        k = int(ec_profiles.get(pool.erasure_code_profile, {}).get("k", 0))
    except ValueError:
        k = 0
    return 1 / k if k > 0 else 1 / max(pool.size, 1)


@dataclass(frozen=True)
class Placement:
    osd_copies: dict[int, dict[int, int]]   # OSD id -> {pool id: PG copies it holds}
    pool_osds: dict[int, dict[int, int]]    # pool id -> {OSD id: PG copies it holds}: the same
    pool_pgs: Counter                       # pool id -> its PGs
    counted: frozenset[int]                 # the OSDs in the totals: up or in
    counted_copies: dict[str, Counter]      # device class ("" for all) -> {pool id: copies held}
    counted_osds: Counter                   # device class ("" for all) -> counted OSDs
    degraded: Counter                       # pool id -> PG copies missing (degraded PGs)
    misplaced: Counter                      # pool id -> PG copies being backfilled
    states: Counter                         # PG state -> PGs
    reported: Counter                       # OSD id -> PGs it is an up member of (`osd df` pgs)

    def max_share(self, pool_id: int) -> float:
        """The largest part of a pool's PG copies one OSD holds: a byte written to the pool
        puts at most this many bytes (times the shard fraction) on any OSD."""
        held = self.pool_osds.get(pool_id)
        return max(held.values()) / self.pool_pgs[pool_id] if held else 0.0

    @classmethod
    def of(cls, pgs: Iterable[PG], osds: Mapping[int, Osd], pools: Mapping[int, Pool],
           view: OsdView, classes: Mapping[int, str]) -> "Placement":
        counted = frozenset(o.id for o in osds.values() if o.up or o.in_)
        osd_copies: dict[int, Counter] = defaultdict(Counter)
        counted_copies: dict[str, Counter] = defaultdict(Counter)
        pool_pgs, degraded, misplaced, states, reported = Counter(), Counter(), Counter(), Counter(), Counter()
        for pg in pgs:
            pool_pgs[pg.pool] += 1
            states[pg.state] += 1
            for osd in pg.acting:
                osd_copies[osd][pg.pool] += 1
                if osd in counted:
                    counted_copies[""][pg.pool] += 1
                    counted_copies[classes.get(osd, "")][pg.pool] += 1
                if view.up.get(osd, False):
                    reported[osd] += 1
            if "degraded" in pg.state:
                degraded[pg.pool] += missing_copies(pg, pools[pg.pool], view)
            elif pg.state == BACKFILLING:
                misplaced[pg.pool] += max(pg.moving, 1)
        counted_osds = Counter(classes.get(o, "") for o in counted)
        counted_osds[""] = len(counted)
        pool_osds: dict[int, dict[int, int]] = defaultdict(dict)
        for osd, held in osd_copies.items():
            for pool_id, copies in held.items():
                pool_osds[pool_id][osd] = copies
        return cls({o: dict(c) for o, c in osd_copies.items()}, dict(pool_osds), pool_pgs, counted,
                   dict(counted_copies), counted_osds, degraded, misplaced, states, reported)


class Snapshot:
    """The figures of one moment: bytes per PG copy, what each OSD holding data uses, totals,
    and how much more each pool can take."""

    def __init__(self, placement: Placement, pools: Mapping[int, Pool], osds: Mapping[int, Osd],
                 osd_bytes: int, ec_profiles: Mapping[str, dict]):
        self.placement, self.osd_bytes = placement, osd_bytes
        self.overhead = overhead_bytes(osd_bytes)
        self.shard = {pid: shard_fraction(pool, ec_profiles) for pid, pool in pools.items()}
        pgs = placement.pool_pgs
        self.copy_bytes = {pid: pool.stored / pgs[pid] * self.shard[pid] if pgs[pid] else 0.0
                           for pid, pool in pools.items()}
        self.pg_objects = {pid: pool.objects / pgs[pid] if pgs[pid] else 0.0
                           for pid, pool in pools.items()}
        # Data bytes of every OSD that holds a copy of something; the others hold none.
        self.data = {osd: sum(n * self.copy_bytes.get(pid, 0.0) for pid, n in held.items())
                     for osd, held in placement.osd_copies.items()}
        self._osds = osds
        self._max_avail: dict[int, int] = {}   # filled when asked (the heartbeat's df)

    def used(self, osd_id: int) -> float:
        return self.overhead + self.data.get(osd_id, 0.0)

    def ratio(self, osd_id: int) -> float:
        return self.used(osd_id) / self.osd_bytes if self.osd_bytes else 1.0

    def totals(self, device_class: str = "") -> tuple[int, int]:
        """(capacity, used) of the counted OSDs, of one device class or ("") of all."""
        count = self.placement.counted_osds.get(device_class, 0)
        data = sum(n * self.copy_bytes.get(pid, 0.0)
                   for pid, n in self.placement.counted_copies.get(device_class, Counter()).items())
        return count * self.osd_bytes, int(count * self.overhead + data)

    def raw_used(self, pool_id: int) -> int:
        """Bytes a pool's copies take on the OSDs (all replicas or shards placed)."""
        copies = sum(self.placement.pool_osds.get(pool_id, {}).values())
        return int(copies * self.copy_bytes.get(pool_id, 0.0))

    def max_avail(self, pool_id: int) -> int:
        """User bytes the pool can still take before the fullest of its (up and in) OSDs
        reaches the full ratio, writes landing on each OSD in proportion to the PGs it holds."""
        if pool_id not in self._max_avail:
            self._max_avail[pool_id] = self._room(pool_id)
        return self._max_avail[pool_id]

    def _room(self, pool_id: int) -> int:
        pgs, shard = self.placement.pool_pgs[pool_id], self.shard[pool_id]
        best = None
        for osd_id, copies in self.placement.pool_osds.get(pool_id, {}).items():
            osd = self._osds.get(osd_id)
            if osd is None or not (osd.up and osd.in_):
                continue
            room = max(0.0, FULL_RATIO * self.osd_bytes - self.used(osd_id))
            fits = room * pgs / (copies * shard)
            best = fits if best is None else min(best, fits)
        return int(best or 0)
