"""`GET cluster/<fsid>/osd_usage`: each OSD's fill from `osd df`, placed on its host. Pure.

The rows are built once per stats generation (the caller caches them); a request only filters
and slices, so `select_osd_usage` is the only per-request work and stays a single pass.
"""
from __future__ import annotations

from actors.errors import Unavailable
from actors.cluster.views.osd_map import OsdMapView
from actors.cluster.views.stats_fields import listed, number

KIB = 1024


def osd_hosts(view: OsdMapView) -> dict[int, str]:
    """OSD id -> host: its CRUSH host bucket, else the hostname its metadata reports (once per
    map version: usage asks on every heartbeat)."""
    return view.memo("osd_hosts", lambda: _osd_hosts(view))


def _osd_hosts(view: OsdMapView) -> dict[int, str]:
    hosts = {osd_id: meta["hostname"] for osd_id, meta in view.metadata_by_id.items()
             if isinstance(meta.get("hostname"), str)}
    crush_hosts: dict[int, str] = {}
    for node in view.tree_nodes_by_id.values():
        if node.get("type") == "host":
            for child in node.get("children") or ():
                if isinstance(child, int) and child >= 0:
                    crush_hosts.setdefault(child, node.get("name"))
    hosts.update(crush_hosts)
    return hosts


def osd_df_nodes(osd_df) -> list[dict]:
    """The OSD entries of `osd df` (CRUSH-placed and stray), skipping buckets and odd entries."""
    nodes = [*listed(osd_df, "nodes"), *listed(osd_df, "stray")]
    return [node for node in nodes if isinstance(node, dict) and isinstance(node.get("id"), int)
            and not isinstance(node.get("id"), bool) and node["id"] >= 0]


def osd_usage_rows(stats, view: OsdMapView) -> list[dict]:
    """One row per OSD of the latest `osd df`, by id; 503 before the first one arrived."""
    osd_df = stats.osd_df   # unpacked once (actors/cluster/stats.py keeps it packed)
    if osd_df is None:
        raise Unavailable("The OSD usage of this cluster has not arrived yet")
    hosts = osd_hosts(view)
    rows = {}
    for node in osd_df_nodes(osd_df):
        osd_id = node["id"]
        rows[osd_id] = {
            "id": osd_id, "host": hosts.get(osd_id), "device_class": node.get("device_class"),
            "total_bytes": number(node, "kb") * KIB, "used_bytes": number(node, "kb_used") * KIB,
            "avail_bytes": number(node, "kb_avail") * KIB, "utilization": number(node, "utilization"),
            "var": number(node, "var"), "pgs": number(node, "pgs"), "status": node.get("status"),
            "reweight": number(node, "reweight"), "crush_weight": number(node, "crush_weight")}
    return [rows[osd_id] for osd_id in sorted(rows)]


def select_osd_usage(rows: list[dict], host: str | None = None,
                     utilization_gte: float | None = None) -> list[dict]:
    """The rows on `host` whose utilization (percent) is at least `utilization_gte`."""
    if host is None and utilization_gte is None:
        return rows
    return [row for row in rows
            if (host is None or row["host"] == host)
            and (utilization_gte is None or row["utilization"] >= utilization_gte)]
