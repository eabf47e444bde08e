"""Hand-built stats in the Pacific shapes of docs/sync-objects.md "Stats", for the default cluster
of tests/unit/ceph_fixtures.py (6 OSDs of 100 GiB on node1..node3; pools 1 `rbd`, size 3, and
2 `cephfs_data`, size 2 with quotas of 1 GiB and 1000 objects). Builders return fresh data.
"""
from __future__ import annotations

from actors.cluster.stats import ClusterStats
from actors.cluster.views.osd_map import OsdMapView
from tests.unit import ceph_fixtures as fx

GIB = 2 ** 30
KIB = 1024
OSD_SIZE = 100 * GIB
# Used bytes per OSD: node1 (0, 1) holds the most, node3 (4, 5) the least.
OSD_USED = {0: 30 * GIB, 1: 30 * GIB, 2: 20 * GIB, 3: 20 * GIB, 4: 10 * GIB, 5: 10 * GIB}
TAKEN_AT = 1_790_000_000.0


def view(full_ratio=0.95, nearfull_ratio=0.85, **kwargs) -> OsdMapView:
    data = fx.osd_map(**kwargs)
    data.update(full_ratio=full_ratio, backfillfull_ratio=0.9, nearfull_ratio=nearfull_ratio)
    return OsdMapView(data)


def pgmap(**extra) -> dict:
    """A pgmap with client IO and recovery going on; `extra` adds or replaces keys."""
    data = {"pgs_by_state": [{"state_name": "active+clean", "count": 80},
                             {"state_name": "active+clean+scrubbing", "count": 4},
                             {"state_name": "active+recovering+degraded", "count": 12}],
            "num_pgs": 96, "num_pools": 2, "num_objects": 1290, "data_bytes": 55 * GIB,
            "bytes_used": 120 * GIB, "bytes_avail": 480 * GIB, "bytes_total": 600 * GIB,
            "read_bytes_sec": 1048576, "write_bytes_sec": 286409571, "read_op_per_sec": 12,
            "write_op_per_sec": 68, "degraded_objects": 10, "degraded_total": 2580,
            "degraded_ratio": 0.0039, "recovering_objects_per_sec": 3,
            "recovering_bytes_per_sec": 12582912, "recovering_keys_per_sec": 0,
            "num_objects_recovered": 6, "num_bytes_recovered": 25165824, "num_keys_recovered": 0}
    data.update(extra)
    return data


def df_pool(pool_id: int, name: str, stored: int, objects: int, *, size: int, max_avail: int,
            quota_bytes: int = 0, quota_objects: int = 0) -> dict:
    used = stored * size
    return {"name": name, "id": pool_id,
            "stats": {"stored": stored, "stored_data": stored, "stored_omap": 0, "objects": objects,
                      "kb_used": used // KIB, "bytes_used": used, "data_bytes_used": used,
                      "omap_bytes_used": 0, "percent_used": stored / (stored + max_avail),
                      "max_avail": max_avail, "quota_objects": quota_objects,
                      "quota_bytes": quota_bytes, "dirty": 0, "rd": 0, "rd_bytes": 0, "wr": objects,
                      "wr_bytes": stored, "compress_bytes_used": 0, "compress_under_bytes": 0,
                      "stored_raw": used, "avail_raw": max_avail * size}}


def df(pools=None) -> dict:
    """`df detail`: 600 GiB raw, 120 GiB used; rbd stores 30 GiB, cephfs_data 768 MiB."""
    if pools is None:
        pools = [df_pool(1, "rbd", 30 * GIB, 1000, size=3, max_avail=120 * GIB),
                 df_pool(2, "cephfs_data", 768 * 2 ** 20, 290, size=2, max_avail=180 * GIB,
                         quota_bytes=GIB, quota_objects=1000)]
    by_class = {"hdd": (500 * GIB, 110 * GIB), "ssd": (100 * GIB, 10 * GIB)}
    return {"stats": {"total_bytes": 600 * GIB, "total_avail_bytes": 480 * GIB,
                      "total_used_bytes": 118 * GIB, "total_used_raw_bytes": 120 * GIB,
                      "total_used_raw_ratio": 0.2, "num_osds": 6, "num_per_pool_osds": 6,
                      "num_per_pool_omap_osds": 6},
            "stats_by_class": {name: {"total_bytes": total, "total_avail_bytes": total - used,
                                      "total_used_bytes": used, "total_used_raw_bytes": used,
                                      "total_used_raw_ratio": used / total}
                               for name, (total, used) in by_class.items()},
            "pools": pools}


def pool_stats() -> list:
    """`osd pool stats`: rbd busy and recovering; cephfs_data idle (Pacific prints `{}`s)."""
    return [{"pool_name": "rbd", "pool_id": 1,
             "recovery": {"degraded_objects": 10, "degraded_total": 3000, "degraded_ratio": 0.0033},
             "recovery_rate": {"recovering_objects_per_sec": 3, "recovering_bytes_per_sec": 12582912,
                               "recovering_keys_per_sec": 0, "num_objects_recovered": 6,
                               "num_bytes_recovered": 25165824, "num_keys_recovered": 0},
             "client_io_rate": {"read_bytes_sec": 1048576, "write_bytes_sec": 286409571,
                                "read_op_per_sec": 12, "write_op_per_sec": 68}},
            {"pool_name": "cephfs_data", "pool_id": 2, "recovery": {}, "recovery_rate": {},
             "client_io_rate": {}}]


def osd_df_node(osd_id: int, used: int, *, size: int = OSD_SIZE, status: str = "up",
                reweight: float = 1.0) -> dict:
    kb, kb_used = size // KIB, used // KIB
    return {"id": osd_id, "device_class": fx.DEVICE_CLASSES.get(osd_id, "hdd"), "name": f"osd.{osd_id}",
            "type": "osd", "type_id": 0, "crush_weight": fx.OSD_CRUSH_WEIGHTS.get(osd_id, 0x10000) / 0x10000,
            "depth": 2, "pool_weights": {}, "reweight": reweight, "kb": kb, "kb_used": kb_used,
            "kb_used_data": kb_used, "kb_used_omap": 0, "kb_used_meta": 0, "kb_avail": kb - kb_used,
            "utilization": 100 * used / size, "var": 1.0, "pgs": 40, "status": status}


def osd_df(nodes=None) -> dict:
    if nodes is None:
        nodes = [osd_df_node(osd_id, used) for osd_id, used in OSD_USED.items()]
    total_kb = sum(n["kb"] for n in nodes)
    used_kb = sum(n["kb_used"] for n in nodes)
    return {"nodes": nodes, "stray": [],
            "summary": {"total_kb": total_kb, "total_kb_used": used_kb, "total_kb_used_data": used_kb,
                        "total_kb_used_omap": 0, "total_kb_used_meta": 0,
                        "total_kb_avail": total_kb - used_kb,
                        "average_utilization": 100 * used_kb / total_kb if total_kb else 0,
                        "min_var": 0.5, "max_var": 1.5, "dev": 6.0}}


def osd_perf(latencies=None) -> dict:
    """{osd id: (commit ms, apply ms)}."""
    if latencies is None:
        latencies = {2: (5, 4), 0: (12, 11), 1: (0, 0)}
    return {"pg_ready": True, "osdstats": {"osd_perf_infos": [
        {"id": osd_id, "perf_stats": {"commit_latency_ms": commit, "apply_latency_ms": apply,
                                      "commit_latency_ns": commit * 10 ** 6,
                                      "apply_latency_ns": apply * 10 ** 6}}
        for osd_id, (commit, apply) in latencies.items()]}}


def heartbeat_stats(taken_at: float = TAKEN_AT, **parts) -> dict:
    return {"taken_at": taken_at, "pgmap": parts.get("pgmap", pgmap()), "df": parts.get("df", df()),
            "pool_stats": parts.get("pool_stats", pool_stats())}


def stats(*, with_osd: bool = True, **parts) -> ClusterStats:
    """ClusterStats after a heartbeat and, with_osd, a get_cluster_stats answer."""
    held = ClusterStats().with_heartbeat(heartbeat_stats(**parts))
    if with_osd:
        held = held.with_osd_stats({"fsid": fx.FSID, "taken_at": TAKEN_AT,
                                    "osd_df": parts.get("osd_df", osd_df()),
                                    "osd_perf": parts.get("osd_perf", osd_perf())})
    return held
