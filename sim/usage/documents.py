"""The stats documents in Pacific's JSON (docs/sync-objects.md "Stats"), built from a Snapshot.

Pure functions; every call returns new objects. As Pacific does, rate keys are left out while
zero: client IO while no operation is counted, recovery rates while nothing was recovered,
degraded/misplaced counts while no object is so (PGMapDigest's *_summary functions).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

from sim.state import Osd, Pool
from sim.usage.snapshot import Snapshot, whole


@dataclass(frozen=True)
class ClientIo:
    """Client operations and bytes per second."""
    read_bytes: float = 0.0
    write_bytes: float = 0.0
    read_ops: float = 0.0
    write_ops: float = 0.0

    def __add__(self, other: "ClientIo") -> "ClientIo":
        return ClientIo(self.read_bytes + other.read_bytes, self.write_bytes + other.write_bytes,
                        self.read_ops + other.read_ops, self.write_ops + other.write_ops)


@dataclass(frozen=True)
class Recovered:
    """What the last step of simulated time recovered, and how long that step was."""
    seconds: float = 1.0
    objects: float = 0.0
    bytes: float = 0.0

    def __add__(self, other: "Recovered") -> "Recovered":
        return Recovered(self.seconds, self.objects + other.objects, self.bytes + other.bytes)


def client_io_rate(io: ClientIo) -> dict:
    if not (io.read_ops > 0 or io.write_ops > 0):
        return {}
    out: dict = {}
    if io.read_ops > 0:
        out["read_bytes_sec"] = int(io.read_bytes)
    if io.write_ops > 0:
        out["write_bytes_sec"] = int(io.write_bytes)
    out["read_op_per_sec"] = int(io.read_ops)
    out["write_op_per_sec"] = int(io.write_ops)
    return out


def recovery_rate(recovered: Recovered) -> dict:
    if not (recovered.objects > 0 or recovered.bytes > 0):
        return {}
    seconds = recovered.seconds if recovered.seconds > 0 else 1.0
    return {"recovering_objects_per_sec": int(recovered.objects / seconds),
            "recovering_bytes_per_sec": int(recovered.bytes / seconds),
            "recovering_keys_per_sec": 0, "num_objects_recovered": whole(recovered.objects),
            "num_bytes_recovered": int(recovered.bytes), "num_keys_recovered": 0}


def _object_copies(snapshot: Snapshot, pools: Mapping[int, Pool]) -> tuple[int, int, int]:
    """(degraded object copies, misplaced object copies, all object copies) of these pools."""
    degraded = misplaced = total = 0
    for pid, pool in pools.items():
        per_pg = snapshot.pg_objects.get(pid, 0.0)
        degraded += whole(snapshot.placement.degraded.get(pid, 0) * per_pg)
        misplaced += whole(snapshot.placement.misplaced.get(pid, 0) * per_pg)
        total += whole(pool.objects) * pool.size
    return degraded, misplaced, total


def recovery(snapshot: Snapshot, pools: Mapping[int, Pool]) -> dict:
    degraded, misplaced, total = _object_copies(snapshot, pools)
    out: dict = {}
    for name, count in (("degraded", degraded), ("misplaced", misplaced)):
        if count:
            out.update({f"{name}_objects": count, f"{name}_total": total,
                        f"{name}_ratio": count / total if total else 0.0})
    return out


def pgmap(snapshot: Snapshot, pools: Mapping[int, Pool], io: ClientIo, recovered: Recovered) -> dict:
    """`status`["pgmap"]."""
    states = sorted(snapshot.placement.states.items(), key=lambda kv: (-kv[1], kv[0]))
    total, used = snapshot.totals()
    return {"pgs_by_state": [{"state_name": s, "count": n} for s, n in states],
            "num_pgs": sum(snapshot.placement.states.values()), "num_pools": len(pools),
            "num_objects": sum(whole(p.objects) for p in pools.values()),
            "data_bytes": sum(int(p.stored) for p in pools.values()),
            "bytes_used": used, "bytes_avail": max(0, total - used), "bytes_total": total,
            **recovery(snapshot, pools), **recovery_rate(recovered), **client_io_rate(io)}


def pool_stats(snapshot: Snapshot, pools: Mapping[int, Pool], io: Mapping[int, ClientIo],
               recovered: Mapping[int, Recovered]) -> list:
    """`osd pool stats`."""
    return [{"pool_name": pool.name, "pool_id": pid,
             "recovery": recovery(snapshot, {pid: pool}),
             "recovery_rate": recovery_rate(recovered.get(pid, Recovered())),
             "client_io_rate": client_io_rate(io.get(pid, ClientIo()))}
            for pid, pool in sorted(pools.items())]


def _space(total: int, used: int) -> dict:
    return {"total_bytes": total, "total_avail_bytes": max(0, total - used), "total_used_bytes": used,
            "total_used_raw_bytes": used, "total_used_raw_ratio": used / total if total else 0.0}


def df_detail(snapshot: Snapshot, pools: Mapping[int, Pool], classes: list[str]) -> dict:
    """`df detail`: raw space, per device class, and per pool (stored once, used raw)."""
    count = len(snapshot.placement.counted)
    out = {"stats": {**_space(*snapshot.totals()), "num_osds": count, "num_per_pool_osds": count,
                     "num_per_pool_omap_osds": count},
           "stats_by_class": {c: _space(*snapshot.totals(c)) for c in sorted(set(classes)) if c},
           "pools": []}
    for pid, pool in sorted(pools.items()):
        used, max_avail = snapshot.raw_used(pid), snapshot.max_avail(pid)
        raw_factor = pool.size * snapshot.shard[pid]
        avail_raw = int(max_avail * raw_factor)
        out["pools"].append({"name": pool.name, "id": pid, "stats": {
            "stored": int(pool.stored), "stored_data": int(pool.stored), "stored_omap": 0,
            "objects": whole(pool.objects), "kb_used": used // 1024, "bytes_used": used,
            "data_bytes_used": used, "omap_bytes_used": 0,
            "percent_used": used / (used + avail_raw) if used + avail_raw else 0.0,
            "max_avail": max_avail, "quota_objects": pool.quota_max_objects,
            "quota_bytes": pool.quota_max_bytes, "dirty": 0, "rd": whole(pool.reads),
            "rd_bytes": int(pool.read_bytes), "wr": whole(pool.writes), "wr_bytes": int(pool.write_bytes),
            "compress_bytes_used": 0, "compress_under_bytes": 0,
            "stored_raw": int(pool.stored * raw_factor), "avail_raw": avail_raw}})
    return out


# What `osd df` shows of an OSD's node in the CRUSH tree (`osd tree`).
TREE_KEYS = ("device_class", "crush_weight", "depth", "reweight")


def osd_df(snapshot: Snapshot, osds: Mapping[int, Osd], tree_nodes: Mapping[int, dict]) -> dict:
    """`osd df`: every OSD in id order (those neither up nor in report nothing: zeros), and the
    summary over those that report."""
    counted = snapshot.placement.counted
    total_kb = used_kb = 0
    figures = {}
    for osd_id in sorted(osds):
        if osd_id in counted:
            kb, kb_used = snapshot.osd_bytes // 1024, int(snapshot.used(osd_id)) // 1024
            figures[osd_id] = (kb, kb_used, int(snapshot.data.get(osd_id, 0.0)) // 1024)
            total_kb, used_kb = total_kb + kb, used_kb + kb_used
        else:
            figures[osd_id] = (0, 0, 0)
    average = 100 * used_kb / total_kb if total_kb else 0.0
    nodes, utils, variances = [], [], []
    for osd_id, (kb, kb_used, kb_data) in figures.items():
        tree = tree_nodes.get(osd_id, {})
        util = 100 * kb_used / kb if kb else 0.0
        var = util / average if average else 0.0
        if kb:
            utils.append(util)
            variances.append(var)
        node = {"id": osd_id}
        if "device_class" in tree:
            node["device_class"] = tree["device_class"]
        node.update({"name": f"osd.{osd_id}", "type": "osd", "type_id": 0,
                     "crush_weight": tree.get("crush_weight", 0.0), "depth": tree.get("depth", 0),
                     "pool_weights": {}, "reweight": tree.get("reweight", 0.0), "kb": kb,
                     "kb_used": kb_used, "kb_used_data": kb_data, "kb_used_omap": 0,
                     "kb_used_meta": kb_used - kb_data, "kb_avail": kb - kb_used,
                     "utilization": util, "var": var, "pgs": snapshot.placement.reported.get(osd_id, 0),
                     "status": "up" if osds[osd_id].up else "down"})
        nodes.append(node)
    dev = math.sqrt(sum((u - average) ** 2 for u in utils) / len(utils)) if utils else 0.0
    return {"nodes": nodes, "stray": [],
            "summary": {"total_kb": total_kb, "total_kb_used": used_kb,
                        "total_kb_used_data": sum(f[2] for f in figures.values()),
                        "total_kb_used_omap": 0,
                        "total_kb_used_meta": used_kb - sum(f[2] for f in figures.values()),
                        "total_kb_avail": total_kb - used_kb, "average_utilization": average,
                        "min_var": min(variances, default=0.0), "max_var": max(variances, default=0.0),
                        "dev": dev}}


def osd_perf(latency_ms: Mapping[int, int]) -> dict:
    """`osd perf`: the up OSDs, highest id first (as Pacific lists them), with their latency."""
    return {"pg_ready": True, "osdstats": {"osd_perf_infos": [
        {"id": osd_id, "perf_stats": {"commit_latency_ms": ms, "apply_latency_ms": ms,
                                      "commit_latency_ns": ms * 1_000_000,
                                      "apply_latency_ns": ms * 1_000_000}}
        for osd_id, ms in sorted(latency_ms.items(), reverse=True)]}}
