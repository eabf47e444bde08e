"""A cluster's usage and rates of the moment (docs/sync-objects.md "Stats"), held beside its maps.

Stats are not sync objects: they have no version and never invalidate the map-derived answers.
`ClusterStats` is immutable; a new one replaces it when a favourite heartbeat brings `pgmap`,
`df` and `pool_stats`, or a `get_cluster_stats` job brings `osd_df` and `osd_perf`. Its
`generation` counts those replacements, so answers derived from stats are cached per generation.
Anything not shaped as Pacific prints it is ignored (kept as before), never raised on: an agent
must not be able to break the reads of a cluster.

The per-OSD figures are held packed (msgpack): decoded they are ~1.2 KB per OSD of small dicts
and floats (120 MiB for the fleet bench's 100,000 OSDs), packed ~0.2 KB. They are unpacked when
a read derived from them is computed (osd_usage rows, host headroom, OSD latencies: once per
stats generation at most, and only for the clusters someone reads).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import msgpack


@dataclass(frozen=True)
class ClusterStats:
    generation: int = 0
    taken_at: float | None = None      # when the agent read pgmap, df and pool_stats
    pgmap: dict | None = None          # `status`["pgmap"]
    df: dict | None = None             # `df detail`
    pool_stats: list | None = None     # `osd pool stats`
    osd_taken_at: float | None = None  # when the agent read osd_df and osd_perf
    osd_df_packed: bytes | None = field(default=None, repr=False)     # msgpack of `osd df`
    osd_perf_packed: bytes | None = field(default=None, repr=False)   # msgpack of `osd perf`

    @property
    def osd_df(self) -> dict | None:
        """`osd df` (a new copy each time: callers derive from it and let it go)."""
        return _unpack(self.osd_df_packed)

    @property
    def osd_perf(self) -> dict | None:
        """`osd perf` (a new copy each time)."""
        return _unpack(self.osd_perf_packed)

    def with_heartbeat(self, stats) -> "ClusterStats":
        """A heartbeat's `stats`; self when it carries none or a malformed one."""
        if not isinstance(stats, dict) or not _is_time(stats.get("taken_at")):
            return self
        pgmap, df, pool_stats = stats.get("pgmap"), stats.get("df"), stats.get("pool_stats")
        if not (isinstance(pgmap, dict) and isinstance(df, dict) and isinstance(pool_stats, list)):
            return self
        if self.taken_at is not None and stats["taken_at"] < self.taken_at:
            return self   # a straggler older than what is held
        return replace(self, generation=self.generation + 1, taken_at=float(stats["taken_at"]),
                       pgmap=pgmap, df=df, pool_stats=pool_stats)

    def with_osd_stats(self, answer) -> "ClusterStats":
        """A `get_cluster_stats` answer ({"fsid", "taken_at", "osd_df", "osd_perf"})."""
        if not isinstance(answer, dict) or not _is_time(answer.get("taken_at")):
            return self
        osd_df, osd_perf = answer.get("osd_df"), answer.get("osd_perf")
        if not (isinstance(osd_df, dict) and isinstance(osd_perf, dict)):
            return self
        if self.osd_taken_at is not None and answer["taken_at"] < self.osd_taken_at:
            return self
        return replace(self, generation=self.generation + 1, osd_taken_at=float(answer["taken_at"]),
                       osd_df_packed=_pack(osd_df), osd_perf_packed=_pack(osd_perf))


def _is_time(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _pack(document: dict) -> bytes:
    return msgpack.packb(document, use_bin_type=True)


def _unpack(packed: bytes | None):
    return None if packed is None else msgpack.unpackb(packed, raw=False, strict_map_key=False)
