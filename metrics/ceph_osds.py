"""The rows of the OSD families of one cluster, from its raw maps and stats. Pure.

A row is (labels text, value): the labels already escaped and joined (`exposition.labels_text`),
without the `cluster` label, which the renderer adds to every line. Built once per OSD map epoch
(`osd_map_rows`) or per `osd df` / `osd perf` answer (`osd_stats_rows`), never per scrape. The
inputs come from agents: malformed entries are skipped and odd values read as 0, never raised on.
"""
from __future__ import annotations

from actors.cluster.views.osd_usage import KIB, osd_df_nodes
from actors.cluster.views.stats_fields import listed, mapped, number
from metrics.ceph_families import OSD_FLAGS, POOL_METADATA
from metrics.exposition import escape_label, labels_text

POOL_TYPES = {1: "replicated", 3: "erasure"}


def is_id(value) -> bool:
    return type(value) is int and value >= 0


def daemon_label(osd_id: int) -> str:
    return f'ceph_daemon="osd.{osd_id}"'


def osd_map_rows(osd_map) -> dict[str, list]:
    """ceph_osd_up/in/weight/metadata, ceph_pool_metadata and the ceph_osd_flag_* of one map."""
    if not isinstance(osd_map, dict):
        return {}
    osds = [osd for osd in listed(osd_map, "osds") if isinstance(osd, dict) and is_id(osd.get("osd"))]
    labels = [daemon_label(osd["osd"]) for osd in osds]
    rows = {f"ceph_osd_{key}": [(label, number(osd, key)) for label, osd in zip(labels, osds)]
            for key in ("up", "in", "weight")}
    rows["ceph_osd_metadata"] = _osd_metadata(osd_map, osds)
    rows["ceph_pool_metadata"] = [(_pool_labels(osd_map, pool), 1) for pool in listed(osd_map, "pools")
                                  if isinstance(pool, dict) and is_id(pool.get("pool"))]
    flags = osd_map.get("flags")
    names = set(flags.split(",")) if isinstance(flags, str) else set()
    for flag in OSD_FLAGS:
        rows[f"ceph_osd_flag_{flag.replace('-', '_')}"] = [("", int(flag in names))]
    return rows


def _osd_metadata(osd_map: dict, osds: list[dict]) -> list:
    meta_by_id = {}
    for meta in listed(osd_map, "osd_metadata"):
        if isinstance(meta, dict) and is_id(meta.get("id", meta.get("osd"))):
            meta_by_id[meta.get("id", meta.get("osd"))] = meta
    classes = {device.get("id"): device.get("class") for device in listed(mapped(osd_map, "crush"), "devices")
               if isinstance(device, dict)}
    rows = []
    for osd in osds:   # the labels of OSD_METADATA, in its order (one f-string: 10,000 OSDs a cluster)
        osd_id = osd["osd"]
        meta = meta_by_id.get(osd_id, {})
        e = escape_label
        rows.append((f'back_iface="{e(meta.get("back_iface", ""))}",ceph_daemon="osd.{osd_id}",'
                     f'cluster_addr="{e(_host_of(osd.get("cluster_addr")))}",'
                     f'device_class="{e(classes.get(osd_id) or "")}",front_iface="{e(meta.get("front_iface", ""))}",'
                     f'hostname="{e(meta.get("hostname", ""))}",objectstore="{e(_objectstore(meta))}",'
                     f'public_addr="{e(_host_of(osd.get("public_addr")))}",'
                     f'ceph_version="{e(meta.get("ceph_version", ""))}"', 1))
    return rows


def _host_of(addr) -> str:
    """"10.0.0.1:6801/1234" -> "10.0.0.1" (as the mgr cuts the port and nonce off)."""
    return addr.rsplit(":", 1)[0] if isinstance(addr, str) else ""


def _objectstore(meta: dict) -> str:
    """Agents send only the metadata keys the daemon reads (bus/protocol.py OSD_METADATA_KEYS):
    the store is then told by which of its device keys are there."""
    if isinstance(meta.get("osd_objectstore"), str):
        return meta["osd_objectstore"]
    if any(key.startswith("bluestore_") for key in meta):
        return "bluestore"
    if any(key.startswith("backend_filestore_") for key in meta):
        return "filestore"
    return ""


def _pool_labels(osd_map: dict, pool: dict) -> str:
    kind = POOL_TYPES.get(pool.get("type"), str(pool.get("type", "")))
    if kind == "erasure":
        profile = mapped(mapped(osd_map, "erasure_code_profiles"), str(pool.get("erasure_code_profile")))
        description = f"ec:{profile.get('k', '?')}+{profile.get('m', '?')}"
    else:
        description = f"replica:{pool.get('size', '?')}"
    values = {"pool_id": pool["pool"], "name": pool.get("pool_name", ""), "type": kind, "description": description,
              "compression_mode": mapped(pool, "options").get("compression_mode", "none")}
    return labels_text((key, values[key]) for key in POOL_METADATA)


def osd_stats_rows(osd_df, osd_perf) -> dict[str, list]:
    """ceph_osd_stat_bytes(_used) and ceph_osd_numpg of `osd df`, the two latencies of `osd perf`."""
    rows: dict[str, list] = {}
    if isinstance(osd_df, dict):
        nodes = osd_df_nodes(osd_df)
        labels = [daemon_label(node["id"]) for node in nodes]
        rows["ceph_osd_stat_bytes"] = [(label, number(node, "kb") * KIB) for label, node in zip(labels, nodes)]
        rows["ceph_osd_stat_bytes_used"] = [(label, number(node, "kb_used") * KIB)
                                            for label, node in zip(labels, nodes)]
        rows["ceph_osd_numpg"] = [(label, number(node, "pgs")) for label, node in zip(labels, nodes)]
    if isinstance(osd_perf, dict):
        infos = [info for info in listed(mapped(osd_perf, "osdstats"), "osd_perf_infos")
                 if isinstance(info, dict) and is_id(info.get("id"))]
        for key in ("apply_latency_ms", "commit_latency_ms"):
            rows[f"ceph_osd_{key}"] = [(daemon_label(info["id"]), number(info.get("perf_stats"), key))
                                       for info in infos]
    return rows

