"""Placement groups: placement, the PG state machine and the `pg_summary` sync object.

Placement is CRUSH-like without CRUSH: `size` distinct OSDs on distinct hosts (when enough
hosts have an up+in OSD), chosen by a random generator seeded from the cluster seed, the pgid
and how often that PG has been re-placed, so a PG's placement does not depend on the order in
which other PGs were placed.

State machine (strings as Ceph's pg_state_string spells them):

    creating --create credit--> active+clean
    active+clean --an acting OSD down or out--> [stale+]active+undersized+degraded
                                                (…+undersized+degraded+peered below min_size)
    degraded --recovery credit, replacement found--> active+remapped+backfilling
    active+remapped+backfilling --next advance--> active+clean
    degraded, acting healthy again --> active+recovery_wait+degraded --recovery credit--> active+clean

Each recovery credit spent re-creates the replicas a degraded PG lacks (`missing_copies`):
`advance` reports how many per pool, from which the model derives the recovery rates.
"""
from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, NamedTuple

from sim.state import Osd, Pool

CREATING = "creating"
CLEAN = "active+clean"
BACKFILLING = "active+remapped+backfilling"
RECOVERY_WAIT = "active+recovery_wait+degraded"


@dataclass
class PG:
    pool: int
    seq: int
    acting: list[int]   # last placement, primary first (may hold down/out OSDs)
    state: str = CLEAN
    placements: int = 1  # how often it was placed (seeds the next re-placement)
    moving: int = 0      # replicas being backfilled onto new members (while BACKFILLING)

    @property
    def pgid(self) -> str:
        return f"{self.pool}.{self.seq:x}"


class OsdView:
    """One snapshot of which OSDs are up and in, grouped by host, for a placement pass."""

    def __init__(self, osds: Iterable[Osd]):
        self.up: dict[int, bool] = {}
        self.healthy: set[int] = set()
        self.host_of: dict[int, int] = {}
        self.by_host: dict[int, list[int]] = defaultdict(list)
        for osd in sorted(osds, key=lambda o: o.id):
            self.up[osd.id] = osd.up
            self.host_of[osd.id] = osd.host
            if osd.up and osd.in_:
                self.healthy.add(osd.id)
                self.by_host[osd.host].append(osd.id)
        self.hosts = sorted(self.by_host)

    def reported_acting(self, pg: PG) -> list[int]:
        """The acting set Ceph would report: the up members, or the last known set when stale."""
        if pg.acting and not self.up.get(pg.acting[0], False):
            return list(pg.acting)
        return [o for o in pg.acting if self.up.get(o, False)]


def place(rng: random.Random, size: int, view: OsdView, keep: list[int | None],
          allow_same_host: bool) -> list[int]:
    """Fill the None slots of `keep` (padded to `size`) with healthy OSDs on hosts not used yet
    (then, if allowed, any healthy OSD not used yet). Slots that cannot be filled are dropped."""
    slots = list(keep) + [None] * (size - len(keep))
    chosen = [o for o in slots if o is not None]
    used_hosts = {view.host_of[o] for o in chosen}
    free_hosts = [h for h in view.hosts if h not in used_hosts]
    need = slots.count(None)
    picks = [rng.choice(view.by_host[h]) for h in rng.sample(free_hosts, min(need, len(free_hosts)))]
    if len(picks) < need and allow_same_host:
        taken = set(chosen) | set(picks)
        rest = sorted(view.healthy - taken)
        picks += rng.sample(rest, min(need - len(picks), len(rest)))
    fill = iter(picks)
    return [o for o in (o if o is not None else next(fill, None) for o in slots) if o is not None]


def degraded_state(pg: PG, pool: Pool, view: OsdView) -> str | None:
    """The state of a PG whose acting set is short or holds a down or out OSD; None if neither."""
    if len(pg.acting) >= pool.size and all(o in view.healthy for o in pg.acting):
        return None
    up_count = sum(1 for o in pg.acting if view.up.get(o, False))
    stale = not pg.acting or not view.up.get(pg.acting[0], False)
    active = up_count >= pool.min_size
    parts = (["stale"] if stale else []) + (["active"] if active else [])
    parts += ["undersized", "degraded"] + ([] if active else ["peered"])
    return "+".join(parts)


def missing_copies(pg: PG, pool: Pool, view: OsdView) -> int:
    """The replicas a degraded PG lacks: slots not held by an up and in OSD; at least one, since
    a PG waiting for recovery has its members back but their data behind."""
    return max(1, pool.size - sum(1 for o in pg.acting if o in view.healthy))


class Progress(NamedTuple):
    """What one PgTable.advance did: whether any PG changed, and the replicas recovered per
    pool id."""
    changed: bool
    recovered: Counter


class PgTable:
    """Every PG of one cluster, in (pool, seq) order, with the creation and recovery credits."""

    def __init__(self, seed_key: str):
        self.seed_key = seed_key
        self.pgs: list[PG] = []
        self._create_credit = 0.0
        self._recovery_credit = 0.0

    def _rng(self, pg: PG) -> random.Random:
        return random.Random(f"{self.seed_key}/{pg.pgid}/{pg.placements}")

    def add_pool(self, pool: Pool, view: OsdView, *, creating: bool) -> None:
        for seq in range(pool.pg_num):
            pg = PG(pool.id, seq, [], CREATING if creating else CLEAN)
            pg.acting = place(self._rng(pg), pool.size, view, [], allow_same_host=True)
            self.pgs.append(pg)
        self.pgs.sort(key=lambda p: (p.pool, p.seq))

    def remove_pool(self, pool_id: int) -> None:
        self.pgs = [pg for pg in self.pgs if pg.pool != pool_id]

    def grow_pool(self, pool: Pool, old_pg_num: int, view: OsdView) -> None:
        """New PGs old_pg_num..pool.pg_num-1 of a pool, `creating`."""
        for seq in range(old_pg_num, pool.pg_num):
            pg = PG(pool.id, seq, [], CREATING)
            pg.acting = place(self._rng(pg), pool.size, view, [], allow_same_host=True)
            self.pgs.append(pg)
        self.pgs.sort(key=lambda p: (p.pool, p.seq))

    def shrink_size(self, pool: Pool) -> None:
        """A pool's size went down: its PGs drop the surplus replicas (primary kept)."""
        for pg in self.pgs:
            if pg.pool == pool.id and len(pg.acting) > pool.size:
                pg.acting = pg.acting[:pool.size]

    def creating(self, pool_id: int) -> int:
        return sum(1 for pg in self.pgs if pg.pool == pool_id and pg.state == CREATING)

    def refresh(self, view: OsdView, pools: Mapping[int, Pool]) -> bool:
        """Re-derive the states that follow from OSD liveness alone; True if any changed."""
        changed = False
        for pg in self.pgs:
            if pg.state == CREATING:
                continue
            state = degraded_state(pg, pools[pg.pool], view)
            if state is None and "degraded" in pg.state:
                state = RECOVERY_WAIT  # members back, data still to recover
            if state is not None and state != pg.state:
                pg.state = state
                changed = True
        return changed

    def advance(self, seconds: float, view: OsdView, pools: Mapping[int, Pool], *,
                create_rate: float, recovery_rate: float) -> Progress:
        """Spend `seconds` of creation (`create_rate` PGs/s) and recovery (`recovery_rate`
        PGs/s)."""
        self._create_credit += seconds * create_rate
        self._recovery_credit += seconds * recovery_rate
        changed = False
        recovered: Counter = Counter()
        for pg in self.pgs:  # backfills started by an earlier advance complete
            if pg.state == BACKFILLING and all(o in view.healthy for o in pg.acting):
                pg.state, pg.moving, changed = CLEAN, 0, True
        for pg in self.pgs:
            if self._create_credit < 1:
                break
            if pg.state == CREATING:
                pg.state, changed = CLEAN, True
                self._create_credit -= 1
        for pg in self.pgs:
            if self._recovery_credit < 1:
                break
            if "degraded" not in pg.state:
                continue
            missing = missing_copies(pg, pools[pg.pool], view)
            if self._recover(pg, view, pools[pg.pool]):
                changed = True
                recovered[pg.pool] += missing
                self._recovery_credit -= 1
        self._create_credit = min(self._create_credit, 1.0)  # capacity does not bank up
        self._recovery_credit = min(self._recovery_credit, 1.0)
        return Progress(self.refresh(view, pools) or changed, recovered)

    def _recover(self, pg: PG, view: OsdView, pool: Pool) -> bool:
        if len(pg.acting) >= pool.size and all(o in view.healthy for o in pg.acting):
            pg.state = CLEAN
            return True
        keep = [o if o in view.healthy else None for o in pg.acting]
        pg.placements += 1
        acting = place(self._rng(pg), pool.size, view, keep, allow_same_host=False)
        if len(acting) < pool.size:
            pg.placements -= 1
            return False
        pg.acting, pg.state = acting, BACKFILLING
        pg.moving = pool.size - sum(1 for o in keep if o is not None)
        return True

    def summary(self, view: OsdView) -> dict:
        """pg_summary: state counts by OSD (each member of the acting set), by pool and overall."""
        by_osd: dict[str, Counter] = defaultdict(Counter)
        by_pool: dict[str, Counter] = defaultdict(Counter)
        total: Counter = Counter()
        for pg in self.pgs:
            total[pg.state] += 1
            by_pool[str(pg.pool)][pg.state] += 1
            for osd in view.reported_acting(pg):
                by_osd[str(osd)][pg.state] += 1
        return {"by_osd": {k: dict(v) for k, v in by_osd.items()},
                "by_pool": {k: dict(v) for k, v in by_pool.items()},
                "all": dict(total)}

    def brief(self, view: OsdView) -> list[dict]:
        """`pg dump pgs_brief` entries."""
        out = []
        for pg in self.pgs:
            acting = view.reported_acting(pg)
            primary = acting[0] if acting else -1
            out.append({"pgid": pg.pgid, "state": pg.state, "up": list(acting), "acting": acting,
                        "up_primary": primary, "acting_primary": primary})
        return out
