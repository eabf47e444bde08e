"""The cluster metric families: names, types and units of Ceph Pacific's mgr `prometheus` module.

Facts carried over so that the stock Ceph dashboards and alert expressions work: every name is
`ceph_` + the mgr's, with '-' turned into '_'; `ceph_daemon="osd.N"` / `"mon.X"` and `pool_id`
label the per-daemon and per-pool series as there; each family has the mgr's type (the
metadata, up/in/weight, health status and flag families are `untyped` there too). One label is
ours: `cluster="<fsid>"` on every series, the label the multi-cluster Ceph dashboards select
by, since one scrape of this daemon holds every cluster of the fleet.
"""
from __future__ import annotations

from metrics.exposition import Family

# Ceph's own list of PG state names (mgr_module.py PG_STATES, from pg_state_string()): one
# `ceph_pg_<state>` per pool for each, 0 while no PG is in it.
PG_STATES = ("active", "clean", "down", "recovery_unfound", "backfill_unfound", "scrubbing",
             "degraded", "inconsistent", "peering", "repair", "recovering", "forced_recovery",
             "backfill_wait", "incomplete", "stale", "remapped", "deep", "backfilling",
             "forced_backfill", "backfill_toofull", "recovery_wait", "recovery_toofull",
             "undersized", "activating", "peered", "snaptrim", "snaptrim_wait", "snaptrim_error",
             "creating", "unknown", "premerge", "failed_repair", "laggy", "wait")

OSD_FLAGS = ("noup", "nodown", "noout", "noin", "nobackfill", "norebalance", "norecover",
             "noscrub", "nodeep-scrub")

# `df detail` per pool; rd/wr are cumulative, hence counters (as in the mgr).
DF_POOL = ("max_avail", "avail_raw", "stored", "stored_raw", "objects", "dirty", "quota_bytes",
           "quota_objects", "rd", "rd_bytes", "wr", "wr_bytes", "compress_bytes_used",
           "compress_under_bytes", "bytes_used", "percent_used")
DF_POOL_COUNTERS = frozenset({"rd", "rd_bytes", "wr", "wr_bytes"})
DF_CLUSTER = ("total_bytes", "total_used_bytes", "total_used_raw_bytes")
POOL_RECOVERY = ("recovering_objects_per_sec", "recovering_bytes_per_sec", "recovering_keys_per_sec",
                 "num_objects_recovered", "num_bytes_recovered")
NUM_OBJECTS = ("degraded", "misplaced", "unfound")

MON_METADATA = ("ceph_daemon", "hostname", "public_addr", "rank", "ceph_version")
FS_METADATA = ("data_pools", "fs_id", "metadata_pool", "name")
MDS_METADATA = ("ceph_daemon", "fs_id", "hostname", "public_addr", "rank", "ceph_version")
OSD_METADATA = ("back_iface", "ceph_daemon", "cluster_addr", "device_class", "front_iface",
                "hostname", "objectstore", "public_addr", "ceph_version")
POOL_METADATA = ("pool_id", "name", "type", "description", "compression_mode")


def ceph(name: str, kind: str, text: str) -> Family:
    return Family("ceph_" + name.replace("-", "_"), kind, text)


HEALTH = (ceph("health_status", "untyped", "Cluster health status (0=HEALTH_OK, 1=HEALTH_WARN, 2=HEALTH_ERR)"),
          ceph("health_detail", "gauge", "Health checks raised now, by check name and severity (1 each)"))

MONS = (ceph("mon_quorum_status", "gauge", "Monitor in quorum (1) or not (0)"),
        ceph("mon_metadata", "untyped", "Monitor metadata (value 1)"))

FILESYSTEMS = (ceph("fs_metadata", "untyped", "CephFS file system metadata (value 1)"),
               ceph("mds_metadata", "untyped", "MDS metadata (value 1)"))

OSD_MAP = (ceph("osd_up", "untyped", "OSD up (1) or down (0)"),
           ceph("osd_in", "untyped", "OSD in (1) or out (0)"),
           ceph("osd_weight", "untyped", "OSD reweight (0 to 1)"),
           ceph("osd_metadata", "untyped", "OSD metadata (value 1)"),
           ceph("pool_metadata", "untyped", "Pool metadata (value 1)"),
           *(ceph(f"osd_flag_{flag}", "untyped", f"OSD flag {flag} set (1) or not (0)") for flag in OSD_FLAGS))

OSD_STATS = (ceph("osd_apply_latency_ms", "gauge", "OSD apply latency, milliseconds (osd perf)"),
             ceph("osd_commit_latency_ms", "gauge", "OSD commit latency, milliseconds (osd perf)"),
             ceph("osd_stat_bytes", "gauge", "OSD size, bytes (osd df)"),
             ceph("osd_stat_bytes_used", "gauge", "OSD space used, bytes (osd df)"),
             ceph("osd_numpg", "gauge", "Placement groups on the OSD (osd df)"))

USAGE = (*(ceph(f"cluster_{key}", "gauge", f"Cluster {key.replace('_', ' ')} (df)") for key in DF_CLUSTER),
         *(ceph(f"pool_{key}", "counter" if key in DF_POOL_COUNTERS else "gauge", f"Pool {key} (df detail)")
           for key in DF_POOL),
         *(ceph(f"pool_{key}", "gauge", f"Pool {key} (osd pool stats)") for key in POOL_RECOVERY),
         *(ceph(f"num_objects_{state}", "gauge", f"Objects {state} (pg map)") for state in NUM_OBJECTS))

PGS = (ceph("pg_total", "gauge", "Placement groups of the pool"),
       *(ceph(f"pg_{state}", "gauge", f"Placement groups of the pool in state {state}") for state in PG_STATES))

# Ours, not the mgr's: when the daemon last heard the cluster's favourite mon host. Every cluster
# heartbeat comes from a mon host in quorum, so a cluster that lost quorum (or all of whose mon
# hosts' agents went quiet) stops moving it, while its last maps, and so its other series, stay.
REPORTS = (Family("calamari_cluster_report_timestamp_seconds", "gauge",
                  "When the daemon last heard from the cluster (a cluster heartbeat of a mon host in quorum), "
                  "Unix time"),)
