"""The usage side of a SimCluster (a mixin, as sim/sync.py is): seeded data, client load,
recovery figures, fullness, and the stats reads (`heartbeat_stats`, `get_cluster_stats`).

Usage moves with every advance() under load, yet it never moves the version vector: `_gen`
(which keys the sync objects) moves only when an OSD's or a pool's fullness changes. Pacific
keeps those states in the OSD map (an OSD's "nearfull" state, a pool's "full" flag), so that is
a new OSD map epoch, as on a real cluster. The figures are cached per moment, (generation,
usage version, client load): the heartbeats of a cluster's three mon hosts at one moment
compute them once, and they are handed out as new objects (unpacked from a packed copy).
"""
from __future__ import annotations

import math
import random
import zlib
from collections import Counter

import msgpack

from sim.ceph_json import (BACKFILLFULL_RATIO, FULL_RATIO, NEARFULL_RATIO, POOL_BACKFILLFULL, POOL_FULL,
                           POOL_FULL_QUOTA, POOL_FULLNESS_FLAGS, POOL_NEARFULL)
from sim.state import TIB, Pool
from sim.usage import documents
from sim.usage.documents import ClientIo, Recovered
from sim.usage.snapshot import OBJECT_BYTES, Placement, Snapshot, overhead_bytes, shard_fraction

MB = 1_000_000
DEFAULT_CLIENT_LOAD = 4.0              # MB/s written per cluster
# A "2 TB" disk, weighed 1.8194 in CRUSH as Ceph does, in whole 4 KiB blocks.
DEFAULT_OSD_BYTES = int(1.8194 * TIB) // 4096 * 4096
WRITE_OP_BYTES = 64 << 10              # the average client write
READ_PER_WRITE = 1.5                   # bytes read per byte written, on pools holding data
READ_OP_BYTES = 16 << 10               # the average client read
USAGE_SAVE_EVERY_S = 300.0             # simulated seconds of growth kept unsaved at most
HEALTH_POOL_APP = "mgr_devicehealth"   # the mgr's own pool takes no client load
POOL_FLAG_OF = {"full": POOL_FULL, "backfillfull": POOL_BACKFILLFULL, "nearfull": POOL_NEARFULL, "": 0}
LEVELS = ("", "nearfull", "backfillfull", "full")


def fullness_of(ratio: float) -> str:
    if ratio >= FULL_RATIO:
        return "full"
    if ratio >= BACKFILLFULL_RATIO:
        return "backfillfull"
    return "nearfull" if ratio >= NEARFULL_RATIO else ""


def quota_room(pool: Pool) -> float:
    """User bytes the pool may still take under its quotas (inf without one); less than a byte
    is none (the float sums that fill a pool up to its quota may stop a hair short of it)."""
    room = math.inf
    if pool.quota_max_bytes:
        room = min(room, pool.quota_max_bytes - pool.stored)
    if pool.quota_max_objects:
        room = min(room, (pool.quota_max_objects - pool.objects) * OBJECT_BYTES)
    return room if room >= 1 else 0.0


def add_writes(pool: Pool, nbytes: float) -> None:
    pool.stored += nbytes
    pool.objects += nbytes / OBJECT_BYTES
    pool.writes += nbytes / WRITE_OP_BYTES
    pool.write_bytes += nbytes


class ClusterUsage:
    # Class-level defaults: a cluster saved before usage was modelled resumes with them.
    client_load: float = DEFAULT_CLIENT_LOAD   # MB/s; may be changed any time; 0: idle
    osd_bytes: int = DEFAULT_OSD_BYTES
    _recovered: tuple = (1.0, {})               # (last step's seconds, {pool id: copies recovered})

    def _init_usage(self) -> None:
        """Transient usage state (rebuilt on every start, like the caches)."""
        self._usage_version = 0          # moves whenever bytes, objects or recovery figures do
        self._fullness_key: tuple | None = None   # (generation, usage version) last evaluated
        self._flagged_osds = {o.id for o in self._osds.values() if o.fullness}
        # Bytes any OSD may still gain before one could reach the nearfull ratio (<= 0: unknown,
        # or some OSD already is): while positive, growth needs no walk over the OSDs.
        self._nearfull_margin = 0.0
        self._usage_saved_at = self._sim_time

    # ----- driving ----------------------------------------------------------------------------

    def write(self, pool_name: str, nbytes: int) -> None:
        """`nbytes` of client data land in a pool at once (in 4 MiB objects), whatever its
        quota or fullness (a test's way to fill a pool); fullness states follow at once."""
        with self.lock:
            pool = self.pool_by_name(pool_name)
            if pool is None:
                raise KeyError(f"no pool {pool_name!r} in cluster {self.name} ({self.fsid})")
            if nbytes < 0:
                raise ValueError("a write adds bytes: nbytes must not be negative")
            self._add_writes(pool, float(nbytes))
            self._usage_version += 1
            self._update_fullness()
            self.log_changes()
            self.checkpoint(force=True)

    def _seed_usage(self) -> None:
        """Data a new cluster starts with: the client pools filled so that the fullest OSD
        sits at 20-40 % (deterministic per seed and index)."""
        rng = random.Random(f"sim-usage/{self.seed}/{self.index}")
        pools = [p for p in self._pools.values() if p.application != HEALTH_POOL_APP]
        placement = self._placement()
        weights = {p.id: rng.uniform(0.5, 1.5) * p.pg_num for p in pools}
        # Bytes each OSD would get per unit of weight; the fullest decides the unit.
        per_unit = [sum(n * weights.get(pid, 0.0) / placement.pool_pgs[pid] for pid, n in held.items())
                    for held in placement.osd_copies.values()]
        if not per_unit or max(per_unit) <= 0:
            return
        unit = rng.uniform(0.2, 0.4) * (self.osd_bytes - overhead_bytes(self.osd_bytes)) / max(per_unit)
        for pool in pools:
            objects = math.ceil(weights[pool.id] * unit / OBJECT_BYTES)
            pool.stored, pool.objects = float(objects * OBJECT_BYTES), float(objects)
            pool.writes, pool.write_bytes = float(objects), pool.stored

    def _advance_usage(self, seconds: float, recovered: Counter) -> None:
        """advance()'s share (under the lock): record what recovery did in this step, let the
        client load write and read, then re-derive the fullness states."""
        before, self._recovered = self._recovered, (seconds, {pid: n for pid, n in recovered.items() if n})
        moved = bool(before[1] or self._recovered[1])
        if seconds > 0:
            for pool_id, io in self._client_io().items():
                pool = self._pools[pool_id]
                self._add_writes(pool, min(io.write_bytes * seconds, quota_room(pool)))
                pool.reads += io.read_ops * seconds
                pool.read_bytes += io.read_bytes * seconds
                moved = True
        if moved:
            self._usage_version += 1
        self._update_fullness()

    def _add_writes(self, pool: Pool, nbytes: float) -> None:
        add_writes(pool, nbytes)
        self._nearfull_margin -= nbytes * self._placement().max_share(pool.id) * \
            shard_fraction(pool, self._ec_profiles)

    def _client_io(self) -> dict[int, ClientIo]:
        """Client IO per second per pool: the load spread over the client pools by PG count;
        a full pool (or one at its quota) takes no writes, an empty one serves no reads."""
        load = max(0.0, self.client_load) * MB
        pools = [p for p in self._pools.values() if p.application != HEALTH_POOL_APP]
        if not load or not pools:
            return {}
        total_pgs = sum(p.pg_num for p in pools)
        out = {}
        for pool in pools:
            share = load * pool.pg_num / total_pgs
            write = 0.0 if pool.flags & POOL_FULL or quota_room(pool) <= 0 else share
            read = share * READ_PER_WRITE if pool.stored > 0 else 0.0
            if write or read:
                out[pool.id] = ClientIo(read, write, read / READ_OP_BYTES, write / WRITE_OP_BYTES)
        return out

    def _update_fullness(self) -> None:
        """OSD fullness states and pool full/nearfull flags from the ratios of the moment; a
        change is a new OSD map epoch (as Pacific's mon commits them)."""
        key = (self._gen, self._usage_version)
        if self._fullness_key == key:
            return
        if self._fullness_key is not None and self._fullness_key[0] == self._gen \
                and self._nearfull_margin > 0:
            levels, pool_osds = {}, {}   # no OSD can have reached nearfull since the last walk
        else:
            levels, pool_osds = self._osd_levels()
        osds = [(self._osds[i], levels.get(i, "")) for i in sorted(set(levels) | self._flagged_osds)
                if i in self._osds and self._osds[i].fullness != levels.get(i, "")]
        pools = []
        for pool in self._pools.values():
            if quota_room(pool) <= 0 and (pool.quota_max_bytes or pool.quota_max_objects):
                flag = POOL_FULL | POOL_FULL_QUOTA
            else:
                worst = max((levels.get(o, "") for o in pool_osds.get(pool.id, {})),
                            key=LEVELS.index, default="")
                flag = POOL_FLAG_OF[worst]
            if pool.flags & POOL_FULLNESS_FLAGS != flag:
                pools.append((pool, pool.flags & ~POOL_FULLNESS_FLAGS | flag))
        if osds or pools:
            epoch = self._bump_osd_epoch()
            for osd, level in osds:
                osd.fullness = level
            for pool, flags in pools:
                pool.flags, pool.last_change = flags, epoch
        self._flagged_osds = {i for i in self._flagged_osds | set(levels)
                              if i in self._osds and self._osds[i].fullness}
        self._fullness_key = (self._gen, self._usage_version)

    def _osd_levels(self) -> tuple[dict[int, str], dict]:
        """The fullness of every up OSD that is past nearfull, by id, and the OSDs of each pool;
        sets the nearfull margin."""
        snapshot = self._snapshot()
        levels = {}
        for osd_id, data in snapshot.data.items():
            level = fullness_of((snapshot.overhead + data) / self.osd_bytes)
            if level and self._osds[osd_id].up:
                levels[osd_id] = level
        fullest = snapshot.overhead + max(snapshot.data.values(), default=0.0)
        self._nearfull_margin = -1.0 if levels else NEARFULL_RATIO * self.osd_bytes - fullest
        return levels, snapshot.placement.pool_osds

    # ----- the moment's figures (cached) ------------------------------------------------------

    def _placement(self) -> Placement:
        cached = self._cache.get("usage.placement")
        if cached is None or cached[0] != self._gen:
            placement = Placement.of(self._pgs.pgs, self._osds, self._pools, self._view(),
                                     self._crush.devices)
            cached = (self._gen, placement)
            self._cache["usage.placement"] = cached
        return cached[1]

    def _moment(self) -> tuple:
        return self._gen, self._usage_version, self.client_load

    def _snapshot(self) -> Snapshot:
        cached = self._cache.get("usage.snapshot")
        if cached is None or cached[0] != self._moment():
            snapshot = Snapshot(self._placement(), self._pools, self._osds, self.osd_bytes, self._ec_profiles)
            cached = (self._moment(), snapshot)
            self._cache["usage.snapshot"] = cached
        return cached[1]

    def _recovered_by_pool(self, snapshot: Snapshot) -> dict[int, Recovered]:
        seconds, copies = self._recovered
        return {pid: Recovered(seconds, n * snapshot.pg_objects.get(pid, 0.0),
                               n * snapshot.copy_bytes.get(pid, 0.0))
                for pid, n in copies.items() if pid in self._pools}

    def _packed(self, name: str, build) -> bytes:
        cached = self._cache.get(name)
        if cached is None or cached[0] != self._moment():
            cached = (self._moment(), msgpack.packb(build(self._snapshot()), use_bin_type=True))
            self._cache[name] = cached
        return cached[1]

    def _heartbeat_documents(self, snapshot: Snapshot) -> dict:
        io = self._client_io()
        recovered = self._recovered_by_pool(snapshot)
        return {"pgmap": documents.pgmap(snapshot, self._pools, sum(io.values(), ClientIo()),
                                         sum(recovered.values(), Recovered(self._recovered[0]))),
                "df": documents.df_detail(snapshot, self._pools, list(self._crush.devices.values())),
                "pool_stats": documents.pool_stats(snapshot, self._pools, io, recovered)}

    def _osd_documents(self, snapshot: Snapshot) -> dict:
        nodes, base_ms = self._osd_constants()
        return {"osd_df": documents.osd_df(snapshot, self._osds, nodes),
                "osd_perf": documents.osd_perf(self._latencies(snapshot, base_ms))}

    def _osd_constants(self) -> tuple[dict[int, dict], dict[int, int]]:
        """Per generation: what `osd df` shows of each OSD's CRUSH tree node (class, weight,
        depth, reweight), and its own base latency (1-4 ms, fixed per fsid and id)."""
        cached = self._cache.get("usage.osd_constants")
        if cached is None or cached[0] != self._gen:
            tree = self._crush.tree(self._osds)
            nodes = {n["id"]: {k: n[k] for k in documents.TREE_KEYS if k in n}
                     for n in tree["nodes"] + tree["stray"] if n["id"] >= 0}
            base = {i: 1 + zlib.crc32(f"{self.fsid}/osd.{i}".encode()) % 4 for i in self._osds}
            cached = (self._gen, nodes, base)
            self._cache["usage.osd_constants"] = cached
        return cached[1], cached[2]

    def _latencies(self, snapshot: Snapshot, base_ms: dict[int, int]) -> dict[int, int]:
        """Commit latency (ms) of each up OSD: its base, plus a millisecond per 4 MB/s of
        client writes it takes (about three copies of each byte), plus 3 while recovery goes on."""
        up = [o.id for o in self._osds.values() if o.up]
        written = sum(io.write_bytes for io in self._client_io().values()) * 3
        busy = int(written / max(1, len(up)) / (4 * MB))
        placement = snapshot.placement
        recovering = 3 if (self._recovered[1] or placement.degraded or placement.misplaced) else 0
        return {i: base_ms.get(i, 1) + busy + recovering for i in up}

    # ----- reads --------------------------------------------------------------------------------

    def heartbeat_stats(self) -> dict:
        """{"taken_at", "pgmap", "df", "pool_stats"} of this moment (ClusterHeartbeat.stats)."""
        with self.lock:
            body = msgpack.unpackb(self._packed("usage.heartbeat", self._heartbeat_documents), raw=False)
            return {"taken_at": self._clock(), **body}

    def get_cluster_stats(self) -> dict:
        """{"fsid", "taken_at", "osd_df", "osd_perf"}: the get_cluster_stats job's answer. Built
        anew on each call (one host asks, every few heartbeats: a copy of a 1,000-OSD answer
        kept per cluster would cost memory for nothing)."""
        with self.lock:
            return {"fsid": self.fsid, "taken_at": self._clock(), **self._osd_documents(self._snapshot())}
