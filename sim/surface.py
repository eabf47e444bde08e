"""What the mon command handlers and the `ceph` cli (sim/commands/) may use of a SimCluster.

A mixin of SimCluster (sim/model.py). sim/commands/ reads and changes the model only through
these names (and the public reads of sim/sync.py and sim/cluster_log.py), never through its
underscore attributes, so the model may rearrange its state without touching a handler.

Unlike the model's other public methods, nothing here takes the lock or copies: the handlers run
under the lock their caller (SimCluster.apply_commands, SimCluster.mon_command) already holds,
and they change the records handed out (a Pool's size, an Osd's reweight, the CrushMap) in
place. The model's own dicts are handed out read-only (MappingProxyType): adding or removing a
pool, profile, config key or flag goes through a named method here, and the OSD map epoch and
crush_version move only through commit_osd_map_change().
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

from sim.crush.text_map import CrushMap
from sim.state import Host, Osd, Pool


class CommandSurface:
    # ----- reads: live records, read-only containers -----------------------------------------

    @property
    def crush(self) -> CrushMap:
        """The CRUSH map, changed in place by the CRUSH handlers (replace it: replace_crush)."""
        return self._crush

    @property
    def pools(self) -> Mapping[int, Pool]:
        return MappingProxyType(self._pools)

    @property
    def osds(self) -> Mapping[int, Osd]:
        return MappingProxyType(self._osds)

    @property
    def hosts(self) -> tuple[Host, ...]:
        return tuple(self._hosts)

    @property
    def ec_profiles(self) -> Mapping[str, dict]:
        return MappingProxyType(self._ec_profiles)

    @property
    def config(self) -> Mapping[str, str]:
        """The mon's configuration (option -> text), as `config show` prints it."""
        return MappingProxyType(self._config)

    @property
    def config_keys(self) -> Mapping[str, str]:
        return MappingProxyType(self._config_keys)

    @property
    def osd_flags(self) -> frozenset[str]:
        return frozenset(self._flags)

    def now(self) -> float:
        """The injected clock: the wall-clock time stamps are taken from."""
        return self._clock()

    def pool_by_name(self, name: str) -> Pool | None:
        return next((p for p in self._pools.values() if p.name == name), None)

    def primary_pg(self, osd_id: int) -> str | None:
        """The id of the first PG `osd_id` is the primary of (the one a scrub reports on)."""
        return next((pg.pgid for pg in self._pgs.pgs if pg.acting[:1] == [osd_id]), None)

    def pgs_brief_unlocked(self) -> list[dict]:
        """`pg dump pgs_brief` entries (the caller holds the lock): the safety verdicts read them."""
        return self._pgs.brief(self._view())

    def pg_summary(self) -> dict:
        """pg_summary: PG state counts by OSD, by pool and overall ("all")."""
        return self._pgs.summary(self._view())

    # ----- epochs and stamps ------------------------------------------------------------------

    @property
    def osd_epoch(self) -> int:
        return self._osd_epoch

    @property
    def pending_osd_epoch(self) -> int:
        """The epoch the change being made will be committed in (by commit_osd_map_change)."""
        return self._osd_epoch + 1

    @property
    def crush_version(self) -> int:
        return self._crush_version

    @property
    def monmap_epoch(self) -> int:
        return self._monmap_epoch

    @property
    def fsmap_epoch(self) -> int:
        return self._fsmap_epoch

    @property
    def created(self) -> float:
        return self._created

    @property
    def last_up_change(self) -> float:
        return self._last_up_change

    @property
    def last_in_change(self) -> float:
        return self._last_in_change

    # ----- changes ----------------------------------------------------------------------------

    def commit_osd_map_change(self, *, crush: bool) -> int:
        """Commit the changes made since the last commit as one new OSD map epoch (and one new
        crush_version when CRUSH changed); PG states follow. Returns the new epoch."""
        epoch = self._bump_osd_epoch()
        if crush:
            self._crush_version += 1
        self._refresh_pgs()
        return epoch

    def mark_osd(self, osd: Osd, *, up: bool | None = None, in_: bool | None = None) -> None:
        """Mark an OSD down, in or out in the epoch being made, with its log lines."""
        self._mark_osd(osd, self.pending_osd_epoch, up=up, in_=in_)

    def next_pool_id(self) -> int:
        return max(self._pools, default=0) + 1

    def add_pool(self, pool: Pool) -> None:
        """A new pool, its PGs `creating`."""
        self._pools[pool.id] = pool
        self._pgs.add_pool(pool, self._view(), creating=True)

    def remove_pool(self, pool_id: int) -> None:
        del self._pools[pool_id]
        self._pgs.remove_pool(pool_id)

    def grow_pool_pgs(self, pool: Pool, old_pg_num: int) -> None:
        """The pool's pg_num went up from `old_pg_num`: its new PGs, `creating`."""
        self._pgs.grow_pool(pool, old_pg_num, self._view())

    def trim_pool_replicas(self, pool: Pool) -> None:
        """The pool's size went down: its PGs drop their surplus replicas."""
        self._pgs.shrink_size(pool)

    def replace_crush(self, crush: CrushMap) -> None:
        """A whole new CRUSH map (`osd setcrushmap`)."""
        self._crush = crush

    def set_osd_flags(self, flags: set[str], on: bool) -> None:
        if on:
            self._flags |= flags
        else:
            self._flags -= flags

    def put_ec_profile(self, name: str, profile: dict) -> None:
        self._ec_profiles[name] = profile

    def remove_ec_profile(self, name: str) -> None:
        del self._ec_profiles[name]

    def put_config_key(self, key: str, value: str) -> None:
        self._config_keys[key] = value

    def remove_config_key(self, key: str) -> bool:
        """False if there was no such key."""
        return self._config_keys.pop(key, None) is not None
