"""The rows of one cluster's health, monitor, usage and PG families, from its raw maps and stats.
Pure; rows as in metrics/ceph_osds.py ((labels text, value), no `cluster` label), malformed
input skipped or read as 0."""
from __future__ import annotations

from datetime import datetime

from actors.cluster.views.stats_fields import df_pools, listed, mapped, number, pool_stats_by_id
from metrics.ceph_families import (
    DF_CLUSTER, DF_POOL, FS_METADATA, MDS_METADATA, MON_METADATA, NUM_OBJECTS, PG_STATES, POOL_RECOVERY)
from metrics.exposition import labels_text

HEALTH_NUMBERS = {"HEALTH_OK": 0, "HEALTH_WARN": 1, "HEALTH_ERR": 2}


def health_rows(health) -> dict[str, list]:
    """ceph_health_status, and ceph_health_detail: 1 per check raised now."""
    if not isinstance(health, dict):
        return {}
    rows: dict[str, list] = {}
    status = HEALTH_NUMBERS.get(health.get("status", health.get("overall_status")))
    if status is not None:
        rows["ceph_health_status"] = [("", status)]
    checks = mapped(health, "checks")
    rows["ceph_health_detail"] = [
        (labels_text((("name", name), ("severity", check.get("severity", "")))), 1)
        for name, check in sorted(checks.items()) if isinstance(check, dict)]
    return rows


def mon_rows(mon_status, quorum_status, services) -> dict[str, list]:
    """ceph_mon_quorum_status and ceph_mon_metadata of each mon of the monmap. The quorum is the
    cluster's (`quorum_status`), else what the reporting mon saw; hostnames are where the
    daemon's agents report the mon running."""
    if not isinstance(mon_status, dict):
        return {}
    quorum = listed(quorum_status, "quorum") if isinstance(quorum_status, dict) else listed(mon_status, "quorum")
    hosts = {service.id: fqdn for service, fqdn in services or () if service.type == "mon" and fqdn}
    quorum_rows, metadata_rows = [], []
    for mon in listed(mapped(mon_status, "monmap"), "mons"):
        if not isinstance(mon, dict) or not isinstance(mon.get("name"), str):
            continue
        daemon = f"mon.{mon['name']}"
        quorum_rows.append((labels_text((("ceph_daemon", daemon),)), int(mon.get("rank") in quorum)))
        address = mon.get("public_addr")
        values = {"ceph_daemon": daemon, "hostname": hosts.get(mon["name"], ""),
                  "public_addr": address.rsplit(":", 1)[0] if isinstance(address, str) else "",
                  "rank": mon.get("rank", ""), "ceph_version": ""}
        metadata_rows.append((labels_text((key, values[key]) for key in MON_METADATA), 1))
    return {"ceph_mon_quorum_status": quorum_rows, "ceph_mon_metadata": metadata_rows}


def fs_rows(mds_map, services) -> dict[str, list]:
    """ceph_fs_metadata per file system and ceph_mds_metadata per MDS daemon of `fs dump`."""
    if not isinstance(mds_map, dict):
        return {}
    hosts = {service.id: fqdn for service, fqdn in services or () if service.type == "mds" and fqdn}
    fs_rows_, mds_rows = [], []
    for fs in listed(mds_map, "filesystems"):
        mdsmap = mapped(fs, "mdsmap")
        if not mdsmap:
            continue
        values = {"data_pools": ",".join(str(pool) for pool in listed(mdsmap, "data_pools")),
                  "fs_id": fs.get("id", ""), "metadata_pool": mdsmap.get("metadata_pool", ""),
                  "name": mdsmap.get("fs_name", "")}
        fs_rows_.append((labels_text((key, values[key]) for key in FS_METADATA), 1))
        for daemon in mapped(mdsmap, "info").values():
            if isinstance(daemon, dict) and isinstance(daemon.get("name"), str):
                values = {"ceph_daemon": f"mds.{daemon['name']}", "fs_id": fs.get("id", ""),
                          "hostname": hosts.get(daemon["name"], ""), "public_addr": daemon.get("addr", ""),
                          "rank": daemon.get("rank", ""), "ceph_version": ""}
                mds_rows.append((labels_text((key, values[key]) for key in MDS_METADATA), 1))
    return {"ceph_fs_metadata": fs_rows_, "ceph_mds_metadata": mds_rows}


def usage_rows(df, pool_stats, pgmap) -> dict[str, list]:
    """Cluster totals and per-pool figures of `df detail`, per-pool recovery of `osd pool stats`
    and the degraded / misplaced / unfound objects of the pg map: all of one heartbeat."""
    rows: dict[str, list] = {}
    if isinstance(df, dict):
        totals = mapped(df, "stats")
        for key in DF_CLUSTER:
            rows[f"ceph_cluster_{key}"] = [("", number(totals, key))]
        pools = [(f'pool_id="{pool_id}"', stats) for pool_id, _, stats in df_pools(df)]
        for key in DF_POOL:
            rows[f"ceph_pool_{key}"] = [(label, number(stats, key)) for label, stats in pools]
    if isinstance(pool_stats, list):
        by_id = pool_stats_by_id(pool_stats)
        for key in POOL_RECOVERY:
            rows[f"ceph_pool_{key}"] = [(f'pool_id="{pool_id}"', number(mapped(entry, "recovery_rate"), key))
                                        for pool_id, entry in sorted(by_id.items())]
    if isinstance(pgmap, dict):
        for state in NUM_OBJECTS:
            rows[f"ceph_num_objects_{state}"] = [("", number(pgmap, f"{state}_objects"))]
    return rows


def pg_rows(by_pool) -> dict[str, list]:
    """ceph_pg_total and one ceph_pg_<state> per Ceph PG state, per pool: a PG counts in each
    state its name holds ("active+clean" in both), a state no PG is in is 0, and a state Ceph's
    list does not know is left out (as the mgr does)."""
    if not isinstance(by_pool, dict):
        return {}
    rows: dict[str, list] = {"ceph_pg_total": [], **{f"ceph_pg_{state}": [] for state in PG_STATES}}
    for pool_id, states in sorted(by_pool.items(), key=lambda item: _sort_key(item[0])):
        if not isinstance(states, dict):
            continue
        label = labels_text((("pool_id", pool_id),))
        counts = dict.fromkeys(PG_STATES, 0)
        total = 0
        for name, count in states.items():
            count = int(number(states, name))
            total += count
            for state in str(name).split("+"):
                if state in counts:
                    counts[state] += count
        rows["ceph_pg_total"].append((label, total))
        for state in PG_STATES:
            rows[f"ceph_pg_{state}"].append((label, counts[state]))
    return rows


def _sort_key(pool_id) -> tuple:
    text = str(pool_id)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def report_rows(update_time) -> dict[str, list]:
    """calamari_cluster_report_timestamp_seconds from the cluster list's `update_time` (ISO)."""
    try:
        seconds = datetime.fromisoformat(update_time).timestamp()
    except (TypeError, ValueError):
        return {}
    return {"calamari_cluster_report_timestamp_seconds": [("", seconds)]}
